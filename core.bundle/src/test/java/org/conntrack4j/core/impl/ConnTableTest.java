package org.conntrack4j.core.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.clock.ManualClock;
import org.junit.jupiter.api.Test;

/**
 * The open-addressing connection table: colliding tuples, tombstones and their reuse, growth, and lookups that run
 * while other entries are deleted and the table is rebuilt.
 */
class ConnTableTest {
    /** An entry whose two tuples hash to {@code hashOrig} and {@code hashReply}, whatever the tuples are. */
    private static ConnEntry entry(int n, int hashOrig, int hashReply) {
        Tuple o = new Tuple().ipv4(0x0a000001, 0x0a000002);
        o.proto = IpProto.UDP;
        o.srcPort = 1000 + n;
        o.dstPort = 53;
        Tuple r = new Tuple().ipv4(0x0a000002, 0x0a000001);
        r.proto = IpProto.UDP;
        r.srcPort = 53;
        r.dstPort = 1000 + n;
        ConnEntry e = ConnEntry.of(null, o, r, 0, hashOrig, n, null, 0);
        e.hashReply = hashReply;
        return e;
    }

    private static void insert(ConnTable table, ConnEntry e) {
        table.ensureRoom();
        table.link(table.tables, e);
    }

    @Test
    void entriesOfOneHashShareAProbeSequenceAndEachIsFoundPastTheOthersTombstones() {
        ConnTable table = new ConnTable(16, 1);
        ConnTable.Tables t = table.tables;
        assertEquals(32, t.size());
        List<ConnEntry> es = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            // both directions of all six at one home slot (5): twelve slots in a row
            ConnEntry e = entry(i, 0x1225, 0x1225);
            insert(table, e);
            es.add(e);
        }
        assertSame(t, table.tables, "no rebuild for 12 of 32 slots");
        Set<Integer> slots = new HashSet<>();
        for (ConnEntry e : es) {
            int o = t.slotOf(e, Direction.ORIGINAL);
            int r = t.slotOf(e, Direction.REPLY);
            assertTrue(o >= 5 && o < 17 && r >= 5 && r < 17, o + " " + r);
            slots.add(o);
            slots.add(r);
        }
        assertEquals(12, slots.size());
        int used = t.used.get();
        // the first three go: the last three are still found, past their tombstones
        for (int i = 0; i < 3; i++) {
            table.unlink(t, es.get(i));
            assertEquals(-1, t.slotOf(es.get(i), Direction.ORIGINAL));
            assertEquals(-1, t.slotOf(es.get(i), Direction.REPLY));
        }
        for (int i = 3; i < 6; i++) {
            assertTrue(t.slotOf(es.get(i), Direction.ORIGINAL) >= 0);
            assertTrue(t.slotOf(es.get(i), Direction.REPLY) >= 0);
        }
        int tombstones = 0;
        for (int i = 0; i < t.size(); i++) {
            if (t.tag(i) == ConnTable.DELETED) {
                tombstones++;
                assertNull(t.ref(i), "a tombstone keeps no entry alive");
            }
        }
        assertEquals(6, tombstones);
        // new entries of the same hash take the tombstones: no slot is used up
        for (int i = 6; i < 9; i++) {
            ConnEntry e = entry(i, 0x1225, 0x1225);
            insert(table, e);
            assertTrue(t.slotOf(e, Direction.ORIGINAL) < 17);
        }
        assertEquals(used, t.used.get());
        int visited = 0;
        for (int i = 0; i < t.size(); i++) {
            if (ConnTable.live(t.tag(i))) {
                visited++;
            }
        }
        assertEquals(12, visited);
    }

    @Test
    void aTagNeverEqualsTheMarksOfFreeSlotsAndKeepsTheDirection() {
        for (int h : new int[] {0, 1, 2, 3, 7, 0xffff, -1, Integer.MIN_VALUE, 0x7ffffff8, 0x80000}) {
            for (int dir = 0; dir < 2; dir++) {
                int v = ConnTable.tag(h, dir);
                assertTrue(ConnTable.live(v));
                assertNotEquals(ConnTable.EMPTY, v);
                assertNotEquals(ConnTable.DELETED, v);
                assertNotEquals(ConnTable.CLAIMED, v);
                assertEquals(dir, ConnTable.dir(v));
                assertTrue(ConnTable.matches(v, h));
                assertTrue(!ConnTable.matches(v, h ^ 0x100000));
            }
        }
        assertTrue(!ConnTable.live(ConnTable.EMPTY) && !ConnTable.live(ConnTable.DELETED)
            && !ConnTable.live(ConnTable.CLAIMED));
    }

    @Test
    void growsBeforeThreeQuartersFullAndAConfiguredSizeKeepsEveryEntry() {
        ConnTable table = new ConnTable(16, 2);
        List<ConnEntry> es = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < 1000; i++) {
            ConnEntry e = entry(i, r.nextInt(), r.nextInt());
            insert(table, e);
            es.add(e);
            ConnTable.Tables t = table.tables;
            assertTrue(t.used.get() <= t.limit, t.used.get() + " of " + t.size());
        }
        assertTrue(table.tables.size() >= 4 * 1000, "live slots at most half: " + table.tables.size());
        table.resize(16);
        for (ConnEntry e : es) {
            assertTrue(table.tables.slotOf(e, Direction.ORIGINAL) >= 0);
            assertTrue(table.tables.slotOf(e, Direction.REPLY) >= 0);
        }
        // deleting all but a few and filling again with others rebuilds at a size for what is live
        for (int i = 10; i < 1000; i++) {
            table.unlink(table.tables, es.get(i));
        }
        int before = table.tables.size();
        for (int i = 0; i < 4000; i++) {
            ConnEntry e = entry(2000 + i, r.nextInt(), r.nextInt());
            insert(table, e);
            table.unlink(table.tables, e);
        }
        assertTrue(table.tables.size() <= before, "tombstones are purged, the table does not grow for them");
        int[] n = new int[1];
        table.forEach(e -> n[0]++);
        assertEquals(10, n[0]);
    }

    /**
     * A zone's lists hold exactly its linked entries in any order of removal (the last entry moves into the hole), and
     * give their arrays back when the zone empties.
     */
    @Test
    void aZoneListsItsEntriesThroughRemovalsInAnyOrderAndShrinksWhenEmptied() {
        ConnTable table = new ConnTable(16, 3);
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        List<ConnEntry> live = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            ConnEntry e = entry(i, r.nextInt(), r.nextInt());
            insert(table, e);
            live.add(e);
        }
        for (int round = 0; round < 2900; round++) {
            ConnEntry e = live.remove(r.nextInt(live.size()));
            table.unlink(table.tables, e);
            assertEquals(-1, e.zoneSlot);
            if (round % 500 == 0) {
                List<ConnEntry> listed = new ArrayList<>();
                table.zoneEntries(0, listed);
                assertEquals(new HashSet<>(live), new HashSet<>(listed));
                assertEquals(live.size(), listed.size());
            }
        }
        // unlinking twice changes nothing
        ConnEntry gone = entry(9999, r.nextInt(), r.nextInt());
        insert(table, gone);
        table.unlink(table.tables, gone);
        table.unlink(table.tables, gone);
        List<ConnEntry> listed = new ArrayList<>();
        table.zoneEntries(0, listed);
        assertEquals(new HashSet<>(live), new HashSet<>(listed));
        for (ConnEntry e : live) {
            table.unlink(table.tables, e);
        }
        listed.clear();
        table.zoneEntries(0, listed);
        assertTrue(listed.isEmpty());
        ConnTable.ZoneList[] lists = new ConnTable.ZoneList[ConnTable.ZONE_LISTS];
        int cap = 0;
        for (int k = 0; k < ConnTable.ZONE_LISTS; k++) {
            lists[k] = table.zoneListForTest(0, k);
            cap += lists[k] == null ? 0 : lists[k].items.length;
        }
        assertTrue(cap <= 4 * 16 * ConnTable.ZONE_LISTS, "arrays of an emptied zone shrank: " + cap);
    }

    /**
     * Readers look up a fixed set of connections while a writer creates and destroys others in the same small table
     * (tombstones, their reuse, growth) and the configured size changes (rebuilds): no reader ever misses.
     */
    @Test
    void lookupsNeverMissWhileOtherEntriesComeAndGoAndTheTableIsRebuilt() throws Exception {
        Registry reg = new Registry();
        reg.addTracker(new PortTracker("udp"), IpProto.UDP, true, true, reg.localId(), 0, "t");
        ManualClock clock = new ManualClock(250);
        Engine net = new Engine(reg, "t", clock, 5);
        net.settings().set(CoreSettings.BUCKETS, 16);
        int stable = 40;
        Packet p = new Packet();
        for (int i = 0; i < stable; i++) {
            TestPackets.v4(p, IpProto.UDP, "10.0.0.1", 1000 + i, "10.0.0.2", 53, 0);
            net.runHook(Hook.PRE_ROUTING, p);
            net.runHook(Hook.POST_ROUTING, p);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> readers = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            readers.add(new Thread(() -> {
                try {
                    go.await();
                    Tuple o = new Tuple().ipv4(TestPackets.ip("10.0.0.1"), TestPackets.ip("10.0.0.2"));
                    o.proto = IpProto.UDP;
                    o.dstPort = 53;
                    Tuple rep = new Tuple().ipv4(TestPackets.ip("10.0.0.2"), TestPackets.ip("10.0.0.1"));
                    rep.proto = IpProto.UDP;
                    rep.srcPort = 53;
                    while (!stop.get()) {
                        for (int i = 0; i < stable; i++) {
                            o.srcPort = 1000 + i;
                            Connection c = net.find(o, 0);
                            assertNotNull(c, "original tuple of " + i);
                            assertEquals(1000 + i, c.srcPort(Direction.ORIGINAL));
                            rep.dstPort = 1000 + i;
                            assertSame(c, net.find(rep, 0), "reply tuple of " + i);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        readers.forEach(Thread::start);
        go.countDown();
        try {
            Packet q = new Packet();
            Tuple t = new Tuple().ipv4(TestPackets.ip("10.0.0.3"), TestPackets.ip("10.0.0.2"));
            t.proto = IpProto.UDP;
            t.dstPort = 53;
            for (int round = 0; round < 60 && failure.get() == null; round++) {
                for (int i = 0; i < 300; i++) {
                    TestPackets.v4(q, IpProto.UDP, "10.0.0.3", 2000 + i, "10.0.0.2", 53, 0);
                    net.runHook(Hook.PRE_ROUTING, q);
                    net.runHook(Hook.POST_ROUTING, q);
                }
                for (int i = 0; i < 300; i++) {
                    t.srcPort = 2000 + i;
                    Connection c = net.find(t, 0);
                    assertNotNull(c);
                    assertTrue(net.kill(c));
                }
                if (round % 10 == 5) {
                    net.settings().set(CoreSettings.BUCKETS, round % 20 == 5 ? 1024 : 16);
                }
            }
        } finally {
            stop.set(true);
            for (Thread r : readers) {
                r.join();
            }
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(stable, net.count());
        net.close();
    }
}
