/**
 * What plug-in bundles implement and register as OSGi services (whiteboard): L4 trackers, helpers, hook
 * functions, event listeners and per-engine extensions. Each interface documents its service properties,
 * its return conventions and what happens when the plug-in leaves.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package org.conntrack4j.core.spi;
