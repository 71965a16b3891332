package org.conntrack4j.core.api;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A named setting, as a Linux sysctl under {@code net.netfilter.} ({@code nf_conntrack_udp_timeout}, ...),
 * with its kernel default and allowed range. Keys are shared by every engine; each engine keeps its own
 * values ({@link Settings}). Reading a value through its key is an array access, cheap enough for the
 * packet path.
 *
 * <p>Keys are interned by name: defining an existing name again (a bundle that comes back) returns the
 * same key. The registry holds only these small core objects, never a plug-in's classes.
 */
public final class SettingKey {
    private static final ConcurrentMap<String, SettingKey> BY_NAME = new ConcurrentHashMap<>();
    private static final List<SettingKey> BY_INDEX = new ArrayList<>();

    private final String name;
    private final int index;
    private final long defaultValue;
    private final long min;
    private final long max;
    private final String description;

    private SettingKey(String name, int index, long defaultValue, long min, long max, String description) {
        this.name = name;
        this.index = index;
        this.defaultValue = defaultValue;
        this.min = min;
        this.max = max;
        this.description = description;
    }

    /**
     * Defines (or finds) the key {@code name} (without the {@code net.netfilter.} prefix). A repeated
     * definition must agree on default and range.
     */
    public static SettingKey define(String name, long defaultValue, long min, long max, String description) {
        if (defaultValue < min || defaultValue > max) {
            throw new IllegalArgumentException(name + ": default " + defaultValue + " outside " + min + ".." + max);
        }
        synchronized (BY_INDEX) {
            SettingKey k = BY_NAME.get(name);
            if (k != null) {
                if (k.defaultValue != defaultValue || k.min != min || k.max != max) {
                    throw new IllegalArgumentException("setting " + name + " already defined differently");
                }
                return k;
            }
            k = new SettingKey(name, BY_INDEX.size(), defaultValue, min, max, description);
            BY_INDEX.add(k);
            BY_NAME.put(name, k);
            return k;
        }
    }

    /** Defines a timeout in seconds (0 .. 2^31-1). */
    public static SettingKey seconds(String name, long defaultSeconds, String description) {
        return define(name, defaultSeconds, 0, Integer.MAX_VALUE, description);
    }

    /** The key of that name (with or without the {@code net.netfilter.} or {@code net.ipv4.} prefix), or null. */
    public static SettingKey byName(String name) {
        return BY_NAME.get(shortName(name));
    }

    /** The key with that index. */
    public static SettingKey byIndex(int index) {
        synchronized (BY_INDEX) {
            return BY_INDEX.get(index);
        }
    }

    /** Number of keys ever defined. */
    public static int count() {
        synchronized (BY_INDEX) {
            return BY_INDEX.size();
        }
    }

    /**
     * Strips the sysctl prefix {@code net.netfilter.} (or {@code net.ipv4.}, where the IPv4 reassembly limits
     * live) if present.
     */
    public static String shortName(String name) {
        String n = name.trim();
        if (n.startsWith("net.netfilter.")) {
            return n.substring("net.netfilter.".length());
        }
        return n.startsWith("net.ipv4.") ? n.substring("net.ipv4.".length()) : n;
    }

    public String name() {
        return name;
    }

    public int index() {
        return index;
    }

    public long defaultValue() {
        return defaultValue;
    }

    public long min() {
        return min;
    }

    public long max() {
        return max;
    }

    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return name;
    }
}
