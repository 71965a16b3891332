package org.conntrack4j.proto.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.proto.gre.keymap.GreKeymap;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The key map as Linux 6.18's {@code nf_ct_gre_keymap_add}, {@code _destroy} and {@code gre_keymap_lookup} behave:
 * one entry per master and direction, the same mapping again is fine and another refused, lookups by addresses and
 * destination key return the first entry added, and entries go with their master.
 */
class KeymapTest {
    private final Keymap map = new Keymap();
    private final Rig rig = new Rig(new Plugins());

    @AfterEach
    void close() {
        rig.close();
    }

    private static Tuple t(String src, String dst, int srcKey, int dstKey) {
        Tuple t = new Tuple().ipv4(Addr.parseV4(src), Addr.parseV4(dst));
        t.proto = IpProto.GRE;
        t.srcPort = srcKey;
        t.dstPort = dstKey;
        return t;
    }

    /** A confirmed connection of the engine (generic, protocol 253) to stand for PPTP control connection {@code n}. */
    private Connection master(int n) {
        String src = "10." + (n >>> 16 & 0xff) + "." + (n >>> 8 & 0xff) + "." + (n & 0xff);
        return rig.forward(Packets.ip(src, "10.1.0.1", 253, new byte[0])).ct;
    }

    @Test
    void aCallsTwoDirectionsAreLookedUpByTheirDestinationKeys() {
        Connection m = master(41723);
        assertEquals(GreKeymap.ADDED, map.add(m, Direction.ORIGINAL, t("198.51.100.10", "203.0.113.10", 257, 16385)));
        assertEquals(GreKeymap.ADDED, map.add(m, Direction.REPLY, t("203.0.113.10", "203.0.113.1", 16385, 41723)));
        assertEquals(257, map.sourceKey(t("198.51.100.10", "203.0.113.10", 0, 16385)));
        assertEquals(16385, map.sourceKey(t("203.0.113.10", "203.0.113.1", 0, 41723)));
        assertEquals(0, map.sourceKey(t("203.0.113.10", "203.0.113.1", 0, 0xdead)), "an unknown key");
        assertEquals(0, map.sourceKey(t("198.51.100.11", "203.0.113.10", 0, 16385)), "another host");
    }

    @Test
    void theSameMappingAgainIsKnownAnotherIsTakenAndTheSourceKeyIsNotCompared() {
        Connection m = master(1);
        map.add(m, Direction.ORIGINAL, t("198.51.100.10", "203.0.113.10", 257, 16385));
        assertEquals(GreKeymap.KNOWN, map.add(m, Direction.ORIGINAL, t("198.51.100.10", "203.0.113.10", 258, 16385)));
        assertEquals(257, map.sourceKey(t("198.51.100.10", "203.0.113.10", 0, 16385)), "the first mapping stays");
        assertEquals(GreKeymap.TAKEN, map.add(m, Direction.ORIGINAL, t("198.51.100.10", "203.0.113.10", 257, 16386)));
        assertEquals(1, map.size());
    }

    @Test
    void theFirstEntryAddedWinsAmongEqualOnes() {
        map.add(master(1), Direction.ORIGINAL, t("198.51.100.10", "203.0.113.10", 257, 16385));
        map.add(master(2), Direction.ORIGINAL, t("198.51.100.10", "203.0.113.10", 999, 16385));
        assertEquals(257, map.sourceKey(t("198.51.100.10", "203.0.113.10", 0, 16385)));
    }

    @Test
    void destroyRemovesTheMastersEntriesOnly() {
        Connection a = master(1);
        Connection b = master(2);
        map.add(a, Direction.ORIGINAL, t("198.51.100.10", "203.0.113.10", 257, 16385));
        map.add(a, Direction.REPLY, t("203.0.113.10", "198.51.100.10", 16385, 257));
        map.add(b, Direction.ORIGINAL, t("198.51.100.11", "203.0.113.10", 257, 16386));
        map.destroy(a);
        map.destroy(a);
        assertEquals(1, map.size());
        assertEquals(0, map.sourceKey(t("198.51.100.10", "203.0.113.10", 0, 16385)));
        assertEquals(257, map.sourceKey(t("198.51.100.11", "203.0.113.10", 0, 16386)));
        assertEquals(GreKeymap.ADDED, map.add(a, Direction.ORIGINAL, t("198.51.100.10", "203.0.113.10", 260, 16385)));
    }

    @Test
    void manyEntriesKeepTheirOrderThroughResizes() {
        Connection first = master(0);
        map.add(first, Direction.ORIGINAL, t("198.51.100.10", "203.0.113.10", 7, 16385));
        for (int i = 1; i < 3000; i++) {
            map.add(master(i), Direction.ORIGINAL, t("198.51.100.10", "203.0.113.10", 1000 + i, 16385 + (i % 50)));
        }
        assertEquals(3000, map.size());
        assertEquals(7, map.sourceKey(t("198.51.100.10", "203.0.113.10", 0, 16385)));
        assertEquals(1001, map.sourceKey(t("198.51.100.10", "203.0.113.10", 0, 16386)));
    }

    @Test
    void entriesOfDeadMastersAreDroppedAsTheMapGrows() {
        for (int i = 0; i < 100; i++) {
            Connection m = master(i);
            map.add(m, Direction.ORIGINAL, t("198.51.100.10", "203.0.113.10", i, i));
            rig.net().packets().kill(m);
        }
        assertTrue(map.size() < 40, "at most about twice the live masters plus the last ones: " + map.size());
    }

    @Test
    void aDirectionIsOriginalOrReply() {
        assertThrows(IllegalArgumentException.class, () -> map.add(master(1), 2, t("198.51.100.10", "203.0.113.10", 1, 2)));
    }
}
