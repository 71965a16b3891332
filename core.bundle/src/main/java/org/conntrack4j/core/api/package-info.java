/**
 * The conntrack4j engine as its users and plug-ins see it: packets, tuples, connections, expectations,
 * the engine instance ({@link org.conntrack4j.core.api.Conntrack}), settings, statistics, events and their
 * conntrack-tools text format. Constants keep Linux's names and numeric values.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package org.conntrack4j.core.api;
