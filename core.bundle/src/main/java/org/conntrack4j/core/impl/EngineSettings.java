package org.conntrack4j.core.impl;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.api.Settings;

/**
 * One engine's setting values, indexed by {@link SettingKey#index()}. The array is replaced on write
 * (copy-on-write under this object's monitor) and read without locks; keys defined after the last write read
 * as their default.
 */
final class EngineSettings implements Settings {
    private volatile long[] values = new long[0];
    private final Supplier<Collection<SettingKey>> activeKeys;
    private volatile Runnable onChange = () -> { };

    EngineSettings(Supplier<Collection<SettingKey>> activeKeys) {
        this.activeKeys = activeKeys;
    }

    void onChange(Runnable r) {
        onChange = r;
    }

    @Override
    public long get(SettingKey key) {
        long[] v = values;
        int i = key.index();
        return i < v.length ? v[i] : key.defaultValue();
    }

    @Override
    public long get(String name) {
        return get(key(name));
    }

    @Override
    public void set(String name, long value) {
        set(key(name), value);
    }

    private static SettingKey key(String name) {
        SettingKey k = SettingKey.byName(name);
        if (k == null) {
            throw new IllegalArgumentException("unknown setting " + name);
        }
        return k;
    }

    @Override
    public void set(SettingKey key, long value) {
        if (value < key.min() || value > key.max()) {
            throw new IllegalArgumentException(key.name() + ": " + value + " is outside " + key.min() + ".." + key.max());
        }
        synchronized (this) {
            long[] v = values;
            int n = Math.max(v.length, SettingKey.count());
            long[] nv = Arrays.copyOf(v, n);
            for (int i = v.length; i < n; i++) {
                nv[i] = SettingKey.byIndex(i).defaultValue();
            }
            nv[key.index()] = value;
            values = nv;
        }
        onChange.run();
    }

    @Override
    public Map<String, Long> active() {
        Map<String, Long> m = new TreeMap<>();
        for (SettingKey k : activeKeys.get()) {
            m.put(k.name(), get(k));
        }
        return m;
    }
}
