package org.conntrack4j.core.api;

import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Creates engine instances and lists what is plugged in. Provided by the core bundle as a service.
 */
@ProviderType
public interface ConntrackFactory {
    /**
     * A new engine with its own table, driven by {@code clock}, with these settings (sysctl names, with or
     * without {@code net.netfilter.}) applied over the kernel defaults. Unknown setting names are reported
     * in the exception's message unless {@code ignoreUnknown}.
     */
    Conntrack create(String name, Clock clock, Map<String, String> settings, boolean ignoreUnknown);

    /** Which tracker serves which protocol, from which bundle. */
    List<PluginInfo> trackers();

    /** The registered helpers. */
    List<PluginInfo> helpers();

    /** The registered per-engine extensions (NAT). */
    List<PluginInfo> extensions();
}
