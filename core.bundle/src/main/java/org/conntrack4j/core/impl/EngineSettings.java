package org.conntrack4j.core.impl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.api.Settings;
import org.conntrack4j.core.text.Names;

/**
 * One engine's setting values. Values are kept by name ({@link #values}), so that they outlive the key objects of a
 * plug-in that leaves and apply again when a key of that name comes back. The packet path reads through
 * {@link Table}: the active keys (the registry's, {@link #rebuild}) and their current values, indexed by the key's
 * precomputed hash with every active key in a slot of its own and compared by identity (the core's few settings
 * read for every packet are fields of it besides); replaced as a whole on every change (copy-on-write under this
 * object's monitor, a leaf in the lock order) and read without locks.
 */
final class EngineSettings implements Settings {
    /**
     * The active keys and their values; immutable once published. Each active key has a slot of its own (no
     * collisions): the slot of a key is {@code (hash >>> shift) & (length - 1)}, with the table size and the shift
     * chosen when the table is built, so that a lookup is one probe and no loop.
     */
    private static final class Table {
        final SettingKey[] keys;
        final long[] vals;
        final int shift;
        final int mask;
        final Map<String, SettingKey> byName;
        /** The core's settings read for every packet, as fields (see {@link EngineSettings#get(SettingKey)}). */
        final long checksum;
        final long events;
        final long genericTimeout;

        Table(Collection<SettingKey> active, Map<String, Long> values) {
            byName = new HashMap<>();
            List<SettingKey> distinct = new ArrayList<>();
            Set<SettingKey> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            for (SettingKey k : active) {
                if (seen.add(k)) {
                    distinct.add(k);
                }
                byName.putIfAbsent(k.name(), k);
            }
            int size = Integer.highestOneBit(Math.max(16, distinct.size() * 4) - 1) << 1;
            int sh = -1;
            while (sh < 0) {
                sh = collisionFreeShift(distinct, size);
                if (sh < 0) {
                    size <<= 1;
                }
            }
            shift = sh;
            mask = size - 1;
            keys = new SettingKey[size];
            vals = new long[size];
            for (SettingKey k : distinct) {
                int i = (k.hashCode() >>> shift) & (size - 1);
                keys[i] = k;
                vals[i] = valueOf(k, values);
            }
            checksum = valueOf(CoreSettings.CHECKSUM, values);
            events = valueOf(CoreSettings.EVENTS, values);
            genericTimeout = valueOf(CoreSettings.GENERIC_TIMEOUT, values);
        }

        /** A shift under which every key has its own slot in a table of {@code size}, or -1. */
        private static int collisionFreeShift(List<SettingKey> ks, int size) {
            boolean[] used = new boolean[size];
            for (int sh = 0; sh <= 32 - Integer.numberOfTrailingZeros(size); sh++) {
                Arrays.fill(used, false);
                boolean ok = true;
                for (SettingKey k : ks) {
                    int i = (k.hashCode() >>> sh) & (size - 1);
                    if (used[i]) {
                        ok = false;
                        break;
                    }
                    used[i] = true;
                }
                if (ok) {
                    return sh;
                }
            }
            return -1;
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
        // The core's own per-packet settings are fields, as Linux keeps them in struct netns_ct: where the key is
        // a constant (a static final at the call site) these tests are decided when the caller is compiled, and
        // the read is one field load.
        if (key == CoreSettings.CHECKSUM) {
            return t.checksum;
        }
        if (key == CoreSettings.EVENTS) {
            return t.events;
        }
        if (key == CoreSettings.GENERIC_TIMEOUT) {
            return t.genericTimeout;
        }
        int i = (key.hashCode() >>> t.shift) & t.mask;
        SettingKey k = t.keys[i];
        long v = t.vals[i];
        if (k == key) {
            return v;
        }
        // a key that is not active (a plug-in not registered, a test's own key)
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
            throw new IllegalArgumentException("unknown setting " + name + Names.suggestion(shortName(name), active().keySet()));
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
        return Names.setting(name);
    }
}
