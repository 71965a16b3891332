/**
 * The router: Linux's IPv4/IPv6 forwarding around one conntrack engine, fed frames and time by whoever has them.
 * A replay feeds it a capture with the capture's clock; the live dataplane feeds it devices' frames with the
 * monotonic clock. Neither holds forwarding logic of its own.
 *
 * <h2>Who implements what</h2>
 * The router bundle provides {@link org.conntrack4j.router.Router} and {@link org.conntrack4j.router.Forwarder}
 * ({@code @ProviderType}), made by {@link org.conntrack4j.router.Routers}; the feeder implements
 * {@link org.conntrack4j.router.Egress} ({@code @ConsumerType}). {@link org.conntrack4j.router.RouterConfig},
 * {@link org.conntrack4j.router.RouterInterface} and {@link org.conntrack4j.router.Route} are immutable data;
 * {@link org.conntrack4j.router.Result} is the caller's reusable report of one frame.
 *
 * <h2>Threading</h2>
 * A {@code Router} may be shared by many threads, each with its own {@code Forwarder}; the engine's table is shared
 * by all. A forwarder sends only through its own egress, on its own thread. The router registers nothing in the
 * engine: the rules, NAT and helpers are the engine's.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.conntrack4j.router;
