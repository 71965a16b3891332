package org.conntrack4j.core.impl;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.api.Settings;

/**
 * One engine's setting values. Values are kept by name ({@link #values}), so that they outlive the key objects
 * of a plug-in that leaves and apply again when a key of that name comes back. The packet path reads through
 * {@link Table}: an open-addressed table of the active keys (the registry's, {@link #rebuild}) and their current
 * values, probed with the key's precomputed hash and compared by identity, replaced as a whole on every change
 * (copy-on-write under this object's monitor, a leaf in the lock order) and read without locks.
 */
final class EngineSettings implements Settings {
    /** The active keys and their values; immutable once published. */
    private static final class Table {
        final SettingKey[] keys;
        final long[] vals;
        final int mask;
        final Map<String, SettingKey> byName;

        Table(Collection<SettingKey> active, Map<String, Long> values) {
            int size = Integer.highestOneBit(Math.max(8, active.size() * 3)) << 1;
            keys = new SettingKey[size];
            vals = new long[size];
            mask = size - 1;
            byName = new HashMap<>();
            for (SettingKey k : active) {
                int i = k.hashCode() & mask;
                while (keys[i] != null) {
                    if (keys[i] == k) {
                        break;
                    }
                    i = (i + 1) & mask;
                }
                keys[i] = k;
                vals[i] = valueOf(k, values);
                byName.putIfAbsent(k.name(), k);
            }
        }
    }

    private final Supplier<Collection<SettingKey>> activeKeys;
    /** Values set, by short name; a name may have no active key (its plug-in not there yet, or gone). */
    private final Map<String, Long> values = new ConcurrentHashMap<>();
    private volatile Table table;
    private volatile Runnable onChange = () -> { };

    EngineSettings(Supplier<Collection<SettingKey>> activeKeys) {
        this.activeKeys = activeKeys;
        this.table = new Table(activeKeys.get(), values);
    }

    void onChange(Runnable r) {
        onChange = r;
    }

    /** The value to use for {@code k}: the one set for its name if the key accepts it, else its default. */
    private static long valueOf(SettingKey k, Map<String, Long> values) {
        Long v = values.get(k.name());
        return v != null && k.accepts(v) ? v : k.defaultValue();
    }

    /** Re-reads the active keys (the registry calls this when a plug-in declaring settings comes or goes). */
    void rebuild() {
        synchronized (this) {
            table = new Table(activeKeys.get(), values);
        }
        onChange.run();
    }

    @Override
    public long get(SettingKey key) {
        Table t = table;
        SettingKey[] keys = t.keys;
        // the mask from the array's own length: the index needs no bounds check
        int i = key.hashCode() & (keys.length - 1);
        if (keys[i] == key) {
            return t.vals[i];
        }
        return probe(t, key, i);
    }

    /** {@link #get(SettingKey)} past the first slot: collisions, and keys that are not active. */
    private long probe(Table t, SettingKey key, int first) {
        SettingKey[] keys = t.keys;
        for (int i = (first + 1) & t.mask; keys[i] != null && i != first; i = (i + 1) & t.mask) {
            if (keys[i] == key) {
                return t.vals[i];
            }
        }
        return valueOf(key, values);
    }

    @Override
    public long get(String name) {
        return get(require(name));
    }

    @Override
    public void set(String name, long value) {
        String n = shortName(name);
        SettingKey k = key(n);
        if (k != null) {
            set(k, value);
            return;
        }
        synchronized (this) {
            values.put(n, value);
        }
    }

    private SettingKey require(String name) {
        SettingKey k = key(name);
        if (k == null) {
            throw new IllegalArgumentException("unknown setting " + name);
        }
        return k;
    }

    @Override
    public void set(SettingKey key, long value) {
        if (!key.accepts(value)) {
            throw new IllegalArgumentException(key.name() + ": " + value + " is outside " + key.min() + ".." + key.max());
        }
        synchronized (this) {
            values.put(key.name(), value);
            table = new Table(activeKeys.get(), values);
        }
        onChange.run();
    }

    @Override
    public SettingKey key(String name) {
        return table.byName.get(shortName(name));
    }

    @Override
    public Map<String, Long> active() {
        Table t = table;
        Map<String, Long> m = new TreeMap<>();
        for (int i = 0; i < t.keys.length; i++) {
            if (t.keys[i] != null) {
                m.putIfAbsent(t.keys[i].name(), t.vals[i]);
            }
        }
        return m;
    }

    /**
     * The name without the sysctl prefix {@code net.netfilter.} (or {@code net.ipv4.}, where the IPv4 reassembly
     * limits live).
     */
    static String shortName(String name) {
        String n = name.trim();
        if (n.startsWith("net.netfilter.")) {
            return n.substring("net.netfilter.".length());
        }
        return n.startsWith("net.ipv4.") ? n.substring("net.ipv4.".length()) : n;
    }
}
