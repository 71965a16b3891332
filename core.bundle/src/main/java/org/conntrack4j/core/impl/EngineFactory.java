package org.conntrack4j.core.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Clock;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.text.Names;

/** Creates engines with settings applied; shared by the OSGi component and plain-Java users. */
public final class EngineFactory {
    private EngineFactory() {
    }

    /**
     * A new engine on {@code registry}, with defragmentation before conntrack ({@link Engine#enableDefrag}).
     * Settings whose names are unknown or values invalid make it fail with an
     * IllegalArgumentException listing them all, unless {@code ignoreUnknown} (then unknown names are skipped,
     * bad values still fail). Read-only kernel values ({@code nf_conntrack_count}) are skipped.
     */
    public static Conntrack create(Registry registry, String name, Clock clock, Map<String, String> settings,
        boolean ignoreUnknown) {
        Engine e = new Engine(registry, name, clock, name.hashCode() * 0x9E3779B97F4A7C15L, initialBuckets(settings));
        // A full namespace's conntrack: fragments are reassembled before it, as Linux does wherever conntrack is used.
        e.enableDefrag();
        List<String> problems = new ArrayList<>();
        if (settings != null) {
            for (Map.Entry<String, String> s : settings.entrySet()) {
                String key = EngineSettings.shortName(s.getKey());
                if (CoreSettings.READ_ONLY.contains(key)) {
                    continue;
                }
                if (e.settings().key(key) == null) {
                    if (!ignoreUnknown) {
                        problems.add(key + ": unknown setting" + Names.suggestion(key, e.settings().active().keySet()));
                    }
                    continue;
                }
                try {
                    e.settings().set(key, Long.parseLong(s.getValue().trim()));
                } catch (NumberFormatException ex) {
                    problems.add(key + ": not a number: " + s.getValue());
                } catch (IllegalArgumentException ex) {
                    problems.add(ex.getMessage());
                }
            }
        }
        if (!problems.isEmpty()) {
            e.close();
            throw new IllegalArgumentException("bad settings: " + String.join("; ", problems));
        }
        return e;
    }

    /** The table size asked for, when it is a valid one (else the default; the settings loop reports a bad one). */
    private static int initialBuckets(Map<String, String> settings) {
        SettingKey k = CoreSettings.BUCKETS;
        if (settings != null) {
            for (Map.Entry<String, String> s : settings.entrySet()) {
                if (k.name().equals(EngineSettings.shortName(s.getKey()))) {
                    try {
                        long v = Long.parseLong(s.getValue().trim());
                        if (v >= k.min() && v <= k.max()) {
                            return (int) v;
                        }
                    } catch (NumberFormatException ignored) {
                        // reported with the other settings
                    }
                }
            }
        }
        return (int) k.defaultValue();
    }
}
