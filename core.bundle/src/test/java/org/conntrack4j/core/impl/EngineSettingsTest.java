package org.conntrack4j.core.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.clock.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Setting keys as plain data, owned by the plug-in that declares them; values kept by name in each engine. */
class EngineSettingsTest {
    private final Registry reg = new Registry();
    private final Engine net = new Engine(reg, "settings", new ManualClock(250), 1);

    @AfterEach
    void close() {
        net.close();
    }

    /** A tracker declaring one setting, as a bundle would; each instance makes its own key objects. */
    private static PortTracker trackerWith(SettingKey key) {
        return new PortTracker("declaring") {
            @Override
            public List<SettingKey> settings() {
                return List.of(key);
            }
        };
    }

    @Test
    void aDepartedPluginsKeysLeaveListingsAndNameLookupButTheirValuesWait() {
        SettingKey k = SettingKey.seconds("nf_conntrack_test_timeout", 30, "test");
        PortTracker t = trackerWith(k);
        reg.addTracker(t, 200, true, true, reg.localId(), 0, "test");
        assertSame(k, net.settings().key("net.netfilter.nf_conntrack_test_timeout"));
        net.settings().set("nf_conntrack_test_timeout", 45);
        assertEquals(45, net.settings().get(k));

        reg.removeTracker(t);
        assertNull(net.settings().key("nf_conntrack_test_timeout"), "gone with its bundle");
        assertFalse(net.settings().active().containsKey("nf_conntrack_test_timeout"));

        // The bundle comes back with new key objects: the value set before applies to them.
        SettingKey again = SettingKey.seconds("nf_conntrack_test_timeout", 30, "test");
        reg.addTracker(trackerWith(again), 200, true, true, reg.localId(), 0, "test");
        assertEquals(45, net.settings().get(again));
        assertEquals(45L, net.settings().active().get("nf_conntrack_test_timeout"));
    }

    @Test
    void aValueSetBeforeItsPluginCameAppliesIfTheKeyAcceptsIt() {
        net.settings().set("nf_conntrack_test_limit", 500);
        SettingKey narrow = SettingKey.of("nf_conntrack_test_limit", 10, 0, 100, "test");
        reg.addTracker(trackerWith(narrow), 201, true, true, reg.localId(), 0, "test");
        assertEquals(10, net.settings().get(narrow), "out of the key's range: its default");
        assertThrows(IllegalArgumentException.class, () -> net.settings().set("nf_conntrack_test_limit", 500));
        net.settings().set("nf_conntrack_test_limit", 50);
        assertEquals(50, net.settings().get(narrow));
    }

    @Test
    void keysAreDataComparedByValue() {
        SettingKey a = SettingKey.of("x", 1, 0, 2, "d");
        SettingKey b = SettingKey.of("x", 1, 0, 2, "d");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, SettingKey.of("x", 1, 0, 3, "d"));
        assertThrows(IllegalArgumentException.class, () -> SettingKey.of("y", 5, 0, 2, "d"));
        assertThrows(IllegalArgumentException.class, () -> SettingKey.of(" y", 1, 0, 2, "d"));
        // an equal key that is not the registered object reads the same value
        net.settings().set(CoreSettings.CHECKSUM, 0);
        assertEquals(0, net.settings().get(SettingKey.of(CoreSettings.CHECKSUM.name(), 1, 0, 1,
            CoreSettings.CHECKSUM.description())));
        assertTrue(net.settings().active().containsKey("nf_conntrack_checksum"));
    }

    @Test
    void theCoreKeysKeptAsFieldsFollowEveryChange() {
        for (SettingKey k : List.of(CoreSettings.CHECKSUM, CoreSettings.EVENTS, CoreSettings.GENERIC_TIMEOUT)) {
            assertEquals(k.defaultValue(), net.settings().get(k), k.name());
            net.settings().set("net.netfilter." + k.name(), k.defaultValue() == 0 ? 1 : 0);
            assertEquals(k.defaultValue() == 0 ? 1 : 0, net.settings().get(k), k.name());
            assertEquals(k.defaultValue() == 0 ? 1 : 0, net.settings().get(k.name()), k.name());
            assertEquals(k.defaultValue() == 0 ? 1L : 0L, net.settings().active().get(k.name()), k.name());
            // a plug-in coming recomputes the table: the value stays
            PortTracker t = trackerWith(SettingKey.seconds("nf_conntrack_test_timeout", 30, "test"));
            reg.addTracker(t, 200, true, true, reg.localId(), 0, "test");
            assertEquals(k.defaultValue() == 0 ? 1 : 0, net.settings().get(k), k.name());
            reg.removeTracker(t);
        }
    }
}
