package org.conntrack4j.core.api;

import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One engine's settings: the values of the {@link SettingKey}s, kernel defaults until changed. Changes
 * take effect for the next packet. A key is "active" while the core or a registered plug-in uses it;
 * values set for a key that is not active yet (a tracker not started) are kept for when it comes.
 */
@ProviderType
public interface Settings {
    /** The value of {@code key} (its default if never set). */
    long get(SettingKey key);

    /** The value of the setting named {@code name} (with or without {@code net.netfilter.}). */
    long get(String name);

    /**
     * Sets a value. Throws IllegalArgumentException naming the setting when the name is unknown or the value
     * out of range.
     */
    void set(String name, long value);

    /** Sets a value by key; range-checked like {@link #set(String, long)}. */
    void set(SettingKey key, long value);

    /** Active settings by name, in name order. */
    Map<String, Long> active();
}
