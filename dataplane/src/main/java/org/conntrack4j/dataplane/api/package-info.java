/**
 * What a running live router shows of itself to other bundles: {@link org.conntrack4j.dataplane.api.LiveRouterStats},
 * a service registered while the router forwards (the metrics bundle reads it). Provided by the dataplane bundle
 * ({@code @ProviderType}); consumers only call it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.conntrack4j.dataplane.api;
