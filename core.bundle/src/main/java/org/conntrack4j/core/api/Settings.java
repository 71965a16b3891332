package org.conntrack4j.core.api;

import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One engine's settings: the values of the active {@link SettingKey}s, kernel defaults until changed. A key is
 * active while the core or a registered plug-in declares it; names are resolved here ({@link #key}), with or
 * without the {@code net.netfilter.} (or, for the IPv4 reassembly limits, {@code net.ipv4.}) prefix. Changes take
 * effect for the next packet. A value set for a key is kept by name: when its plug-in leaves and comes back (or
 * another declares the name), the value applies again if it is in the new key's range.
 *
 * <p>Any thread may read and write. {@link #get(SettingKey)} is meant for the packet path: no lock, no allocation.
 */
@ProviderType
public interface Settings {
    /** The value of {@code key} (its default if never set). Works for keys that are not active too. */
    long get(SettingKey key);

    /** The value of the active setting named {@code name}; IllegalArgumentException naming it if unknown. */
    long get(String name);

    /**
     * Sets the setting named {@code name}. When a key of that name is active the value is range-checked against it
     * (IllegalArgumentException naming the setting); otherwise it is kept, unchecked, for when a plug-in declaring
     * that name comes (configuration given before its bundle started): {@link #key} tells the two cases apart.
     */
    void set(String name, long value);

    /** Sets a value by key (active or not); range-checked like {@link #set(String, long)}. */
    void set(SettingKey key, long value);

    /** The active key of that name (with or without the sysctl prefix), or null. */
    SettingKey key(String name);

    /** Active settings by name, in name order. */
    Map<String, Long> active();
}
