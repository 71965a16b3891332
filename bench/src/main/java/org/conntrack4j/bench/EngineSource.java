package org.conntrack4j.bench;

import java.util.Map;
import org.conntrack4j.core.api.Clock;
import org.conntrack4j.core.api.Conntrack;

/**
 * Where a workload gets its engines: the framework's {@code ConntrackFactory} in the {@code bench} command, a
 * hand-built registry in JMH and the unit tests. Each run gets a fresh engine and closes it.
 */
@FunctionalInterface
public interface EngineSource {
    /** A new engine with these settings (sysctl names) over the kernel defaults. */
    Conntrack create(String name, Clock clock, Map<String, String> settings);
}
