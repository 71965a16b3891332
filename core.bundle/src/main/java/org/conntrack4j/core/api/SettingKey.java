package org.conntrack4j.core.api;

/**
 * A named setting, as a Linux sysctl under {@code net.netfilter.} ({@code nf_conntrack_udp_timeout}, ...), with its
 * kernel default and allowed range: plain immutable data, owned by whoever declares it. The core's own keys are in
 * {@link CoreSettings}; a plug-in lists the keys it reads in its {@code settings()} (trackers, helpers,
 * extensions), and each engine's {@link Settings} knows a key (lists it, finds it by name) while the core or a
 * registered plug-in declares it. A plug-in leaving takes its keys with it; values set for them stay with the
 * engine, by name, for when a key of that name comes back.
 *
 * <p>Two keys are equal when every field is; the hash code comes from the name and is computed once, so that
 * {@link Settings#get(SettingKey)} stays cheap on the packet path.
 */
public final class SettingKey {
    private final String name;
    private final long defaultValue;
    private final long min;
    private final long max;
    private final String description;
    private final int hash;

    private SettingKey(String name, long defaultValue, long min, long max, String description) {
        this.name = name;
        this.defaultValue = defaultValue;
        this.min = min;
        this.max = max;
        this.description = description;
        // the name's hash, finalised so that its low bits (what a power-of-two table uses) spread well
        int h = name.hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        this.hash = h ^ h >>> 16;
    }

    /**
     * The key {@code name} (without the {@code net.netfilter.} prefix) with its kernel default and range. Throws
     * IllegalArgumentException for an empty name or a default outside the range.
     */
    public static SettingKey of(String name, long defaultValue, long min, long max, String description) {
        if (name == null || name.isBlank() || !name.equals(name.trim())) {
            throw new IllegalArgumentException("setting name '" + name + "'");
        }
        if (min > max || defaultValue < min || defaultValue > max) {
            throw new IllegalArgumentException(name + ": default " + defaultValue + " outside " + min + ".." + max);
        }
        return new SettingKey(name, defaultValue, min, max, description == null ? "" : description);
    }

    /** A timeout in seconds (0 .. 2^31-1). */
    public static SettingKey seconds(String name, long defaultSeconds, String description) {
        return of(name, defaultSeconds, 0, Integer.MAX_VALUE, description);
    }

    public String name() {
        return name;
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

    /** Is {@code value} in this key's range? */
    public boolean accepts(long value) {
        return value >= min && value <= max;
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof SettingKey)) {
            return false;
        }
        SettingKey k = (SettingKey) o;
        return hash == k.hash && name.equals(k.name) && defaultValue == k.defaultValue && min == k.min && max == k.max
            && description.equals(k.description);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return name;
    }
}
