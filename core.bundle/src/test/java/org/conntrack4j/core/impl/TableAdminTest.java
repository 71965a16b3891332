package org.conntrack4j.core.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionUpdate;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NewConnection;
import org.conntrack4j.core.api.Zone;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.clock.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The table as administered ({@code ConntrackTable}): get, update as ctnetlink does it, delete, and expiry in slices. */
class TableAdminTest {
    private static final int PROTO = IpProto.UDP;
    private final Registry reg = new Registry();
    private final ManualClock clock = new ManualClock(250);
    private final List<ConntrackEvent> events = new ArrayList<>();
    private final Engine net;
    private final Packet p = new Packet();

    TableAdminTest() {
        reg.addTracker(new PortTracker("udp"), PROTO, true, true, reg.localId(), 0, "test");
        clock.setWallNanos(2_000_000_000_000L);
        net = new Engine(reg, "admin", clock, 5);
        net.table().addListener(events::add, true);
    }

    @AfterEach
    void close() {
        net.close();
    }

    private Connection connect(String src, int sport) {
        TestPackets.v4(p, PROTO, src, sport, "10.0.9.9", 53, 4);
        net.packets().runHook(Hook.PRE_ROUTING, p);
        net.packets().runHook(Hook.POST_ROUTING, p);
        return p.ct;
    }

    private static Tuple tuple(String src, int sport) {
        Tuple t = new Tuple().ipv4(TestPackets.ip(src), TestPackets.ip("10.0.9.9"));
        t.proto = PROTO;
        t.srcPort = sport;
        t.dstPort = 53;
        return t;
    }

    @Test
    void getFindsEitherDirectionInItsZoneOnly() {
        connect("10.0.0.1", 1000);
        assertNotNull(net.table().get(tuple("10.0.0.1", 1000), 0));
        Tuple reply = new Tuple().invertL3(tuple("10.0.0.1", 1000));
        reply.srcPort = 53;
        reply.dstPort = 1000;
        assertEquals(1000, net.table().get(reply, 0).orig().srcPort);
        assertNull(net.table().get(tuple("10.0.0.1", 1000), 7), "another zone");
        assertNull(net.table().get(tuple("10.0.0.1", 1001), 0));
    }

    @Test
    void updateChangesMarkUnderItsMaskStatusAndTimeoutWithCtnetlinksEvent() {
        Connection c = connect("10.0.0.1", 1000);
        c.setMark(0xff00);
        events.clear();
        assertEquals(ConnectionUpdate.DONE, net.table().update(c, ConnectionUpdate.NONE.withMark(0x0012, 0x00ff)
            .withStatus(Status.ASSURED).withTimeout(77)));
        assertEquals(0xff12, c.mark(), "(old & ~mask) ^ mark");
        assertTrue(c.hasStatus(Status.ASSURED));
        assertEquals(77L * 250, c.expires(clock.jiffies()));
        assertEquals(1, events.size());
        ConntrackEvent e = events.get(0);
        assertEquals(ConntrackEvent.UPDATE, e.type());
        assertTrue(e.has(CtEvent.MARK) && e.has(CtEvent.ASSURED) && e.has(CtEvent.PROTOINFO) && e.has(CtEvent.HELPER));
        assertFalse(e.has(CtEvent.NEW) || e.has(CtEvent.DESTROY));
    }

    @Test
    void updateRefusesWhatCtnetlinkRefusesAndChangesNothingThen() {
        Connection c = connect("10.0.0.1", 1000);
        int before = c.status();
        events.clear();
        assertEquals(ConnectionUpdate.REFUSED, net.table().update(c, ConnectionUpdate.NONE.withStatus(Status.EXPECTED)
            .withMark(5, -1)));
        assertEquals(before, c.status());
        assertEquals(0, c.mark());
        assertTrue(events.isEmpty());
        // bits userspace may not touch are left alone, the rest is set
        assertEquals(ConnectionUpdate.DONE, net.table().update(c, ConnectionUpdate.NONE.withStatus(Status.SRC_NAT
            | Status.SEEN_REPLY)));
        assertFalse(c.hasStatus(Status.SRC_NAT));
        assertTrue(c.hasStatus(Status.SEEN_REPLY));
        net.packets().kill(c);
        assertEquals(ConnectionUpdate.GONE, net.table().update(c, ConnectionUpdate.NONE.withMark(1, -1)));
    }

    @Test
    void deleteAndFlushDestroyWithEvents() {
        connect("10.0.0.1", 1000);
        connect("10.0.0.2", 1001);
        connect("10.0.0.3", 1002);
        events.clear();
        assertEquals(1, net.table().delete(c -> c.srcPort(Direction.ORIGINAL) == 1001));
        assertEquals(2, net.table().flush());
        assertEquals(0, net.table().count());
        assertEquals(3, events.stream().filter(e -> e.type() == ConntrackEvent.DESTROY).count());
    }

    private Connection connectIn(int zoneTemplate, String src, int sport) {
        TestPackets.v4(p, PROTO, src, sport, "10.0.9.9", 53, 4);
        p.zone = zoneTemplate;
        net.packets().runHook(Hook.PRE_ROUTING, p);
        net.packets().runHook(Hook.POST_ROUTING, p);
        return p.ct;
    }

    @Test
    void deleteOfAZoneTakesThatZonesConnectionsOnlyWithEvents() {
        for (int i = 0; i < 200; i++) {
            connectIn(Zone.template(1, Zone.DIR_BOTH), "10.0.1." + (i & 0xff), 2000 + i);
        }
        for (int i = 0; i < 30; i++) {
            // a zone of the original direction only is still zone 2 ({@code zone->id})
            connectIn(Zone.template(2, Zone.DIR_ORIGINAL), "10.0.2.1", 3000 + i);
            connect("10.0.0.1", 3000 + i);
        }
        assertEquals(260, net.table().count());
        events.clear();
        assertEquals(100, net.table().delete(1, c -> c.srcPort(Direction.ORIGINAL) % 2 == 0));
        // one killed by a plain delete leaves its zone's list too
        assertEquals(1, net.table().delete(c -> c.zone() == 1 && c.srcPort(Direction.ORIGINAL) == 2001));
        assertEquals(99, net.table().delete(1, null));
        assertEquals(0, net.table().delete(1, null), "zone 1 is empty now");
        assertEquals(0, net.table().delete(65535, null), "a zone never used");
        assertEquals(0, net.table().delete(-1, null));
        assertEquals(0, net.table().delete(1 << 16, null));
        assertEquals(200, events.stream().filter(e -> e.type() == ConntrackEvent.DESTROY).count());
        assertEquals(60, net.table().count());
        assertTrue(net.table().list(c -> c.zone() == 1).isEmpty());
        // the zone fills again and flushes again
        for (int i = 0; i < 10; i++) {
            assertTrue(connectIn(Zone.template(1, Zone.DIR_BOTH), "10.0.1.1", 2000 + i).isConfirmed());
        }
        assertEquals(10, net.table().delete(1, null));
        assertEquals(30, net.table().delete(2, null));
        assertEquals(30, net.table().delete(0, null));
        assertEquals(0, net.table().count());
    }

    @Test
    void expiryInSlicesDestroysWhatAFullScanAtItsTimeWould() {
        // four slices' worth of buckets, entries spread over all of them
        net.settings().set(CoreSettings.BUCKETS, 4 * Collector.SLICE_BUCKETS);
        net.settings().set(PortTracker.TIMEOUT, 10);
        for (int i = 0; i < 2000; i++) {
            connect("10.1." + (i >>> 8) + "." + (i & 0xff), 2000 + i);
        }
        net.settings().set(PortTracker.TIMEOUT, 100);
        for (int i = 0; i < 500; i++) {
            connect("10.2." + (i >>> 8) + "." + (i & 0xff), 3000 + i);
        }
        clock.advanceSeconds(15);
        net.table().expire(); // arms the schedule: the first run is due a second later
        clock.advanceSeconds(1);
        // the live thread's way: one slice per call, more due until the pass ends
        int slices = 1;
        while (net.expireSlice()) {
            slices++;
        }
        assertEquals(4, slices, "one pass of four slices, run back to back");
        assertEquals(500, net.table().count(), "the 10-second entries are gone, the others stay");
        assertFalse(net.expireSlice(), "nothing due until the next run");
    }

    @Test
    void createInsertsAConfirmedConnectionAsCtnetlinkDoes() {
        NewConnection c = NewConnection.of(tuple("10.0.0.1", 1000), 100).withStatus(Status.ASSURED | Status.SRC_NAT)
            .withMark(7).withZone(3).withLabels(1L << 5, 1L);
        assertEquals(NewConnection.CREATED, net.table().create(c));
        assertEquals(1, net.table().count());
        assertEquals(1, net.stats().get("insert"));
        Connection ct = net.table().connections(null).get(0);
        assertTrue(ct.isConfirmed());
        assertEquals(Status.ASSURED | Status.CONFIRMED, ct.status(), "NAT bits are not userspace's to set");
        assertEquals(7, ct.mark());
        assertEquals(3, ct.zone());
        assertEquals(1L << 5, ct.labelsLo());
        assertEquals(1L, ct.labelsHi());
        // the reply is the tracker's inverse, the timeout runs from the insertion
        assertEquals(53, ct.srcPort(Direction.REPLY));
        assertEquals(1000, ct.dstPort(Direction.REPLY));
        clock.advanceSeconds(1.5);
        assertEquals(98, net.table().snapshot(ct).timeoutSeconds());
        // one NEW event with ctnetlink's bits for a creation, labels included
        assertEquals(1, events.size());
        assertEquals(ConntrackEvent.NEW, events.get(0).type());
        int bits = events.get(0).bits();
        for (int b : new int[] {CtEvent.NEW, CtEvent.REPLY, CtEvent.ASSURED, CtEvent.MARK, CtEvent.LABEL}) {
            assertTrue((bits & 1 << b) != 0, "bit " + b);
        }
        // a packet of it finds it, in its zone
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.9.9", 53, 4);
        p.zone = Zone.template(3, Zone.DIR_BOTH);
        net.packets().runHook(Hook.PRE_ROUTING, p);
        assertEquals(ct, p.ct);
    }

    @Test
    void createRefusesATakenTupleInEitherDirectionAndWhatCtnetlinkRefuses() {
        assertEquals(NewConnection.CREATED, net.table().create(NewConnection.of(tuple("10.0.0.1", 1000), 30)));
        assertEquals(NewConnection.EXISTS, net.table().create(NewConnection.of(tuple("10.0.0.1", 1000), 30)));
        // another original whose reply is taken; the reply direction of the first as an original
        Tuple reply = new Tuple().invertL3(tuple("10.0.0.1", 1000));
        reply.srcPort = 53;
        reply.dstPort = 1000;
        assertEquals(NewConnection.EXISTS, net.table().create(NewConnection.of(tuple("10.0.0.7", 1000), 30)
            .withReply(reply)));
        assertEquals(NewConnection.EXISTS, net.table().create(NewConnection.of(reply, 30)));
        // the same tuple in another zone is another connection
        assertEquals(NewConnection.CREATED, net.table().create(NewConnection.of(tuple("10.0.0.1", 1000), 30)
            .withZone(9)));
        assertEquals(NewConnection.INVALID, net.table().create(NewConnection.of(tuple("10.0.0.2", 1000), 30)
            .withStatus(Status.EXPECTED)));
        Tuple v6 = tuple("10.0.0.3", 1000);
        v6.family = org.conntrack4j.core.api.Family.IPV6;
        assertEquals(NewConnection.INVALID, net.table().create(NewConnection.of(tuple("10.0.0.3", 1000), 30)
            .withReply(v6)));
        assertEquals(2, net.table().count());
        assertEquals(2, net.stats().get("insert"));
        assertEquals(0, net.stats().get("insert_failed"), "Linux counted no refusal (conntrack -S)");
        // full, and nothing that early drop may take
        for (Connection c : net.table().connections(null)) {
            net.table().update(c, ConnectionUpdate.NONE.withStatus(Status.ASSURED));
        }
        net.settings().set(CoreSettings.MAX, 2);
        assertEquals(NewConnection.TABLE_FULL, net.table().create(NewConnection.of(tuple("10.0.0.4", 1000), 30)
            .withStatus(Status.ASSURED)));
    }

    @Test
    void createTakesAMasterBySeqAdjAndRefusesAMissingMasterOrHelper() {
        Tuple master = tuple("10.0.0.1", 1000);
        assertEquals(NewConnection.NOT_FOUND, net.table().create(NewConnection.of(tuple("10.0.0.2", 2000), 30)
            .withMaster(master)), "ENOENT: the master must be there first");
        assertEquals(NewConnection.CREATED, net.table().create(NewConnection.of(master, 30)));
        assertEquals(NewConnection.CREATED, net.table().create(NewConnection.of(tuple("10.0.0.2", 2000), 30)
            .withMaster(master).withSeqAdj(Direction.ORIGINAL, 1000, 0, 5).withSeqAdj(Direction.REPLY, 7, 1, 2)));
        Connection related = net.table().get(tuple("10.0.0.2", 2000), 0) == null ? null
            : net.table().connections(c -> c.srcPort(Direction.ORIGINAL) == 2000).get(0);
        assertTrue(related.hasStatus(Status.EXPECTED | Status.SEQ_ADJUST));
        assertEquals(1000, related.master().srcPort(Direction.ORIGINAL));
        assertEquals(5, related.seqAdj().offsetAfter(Direction.ORIGINAL));
        assertEquals(1000, related.seqAdj().correctionPos(Direction.ORIGINAL));
        assertEquals(7, related.seqAdj().correctionPos(Direction.REPLY));
        assertEquals(1, related.seqAdj().offsetBefore(Direction.REPLY));
        // a helper nobody registered (EOPNOTSUPP), and in another zone the master is not found
        assertEquals(NewConnection.NOT_FOUND, net.table().create(NewConnection.of(tuple("10.0.0.3", 3000), 30)
            .withHelper("ftp")));
        assertEquals(NewConnection.NOT_FOUND, net.table().create(NewConnection.of(tuple("10.0.0.4", 4000), 30)
            .withMaster(master).withZone(5)));
        assertEquals(2, net.table().count());
    }

    @Test
    void aListenerWhoseQueueIsFullLosesEventsAndIsToldBeforeTheQueuedOnes() throws InterruptedException {
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(3);
        org.conntrack4j.core.api.Registration r = net.table().addListener(new org.conntrack4j.core.spi.ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                seen.add("event " + e.connection().orig().srcPort);
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                }
                done.countDown();
            }

            @Override
            public void onOverflow(long lost) {
                seen.add("overflow " + lost);
            }
        }, 2);
        try {
            net.table().create(NewConnection.of(tuple("10.0.0.1", 1000), 30));
            assertTrue(entered.await(10, java.util.concurrent.TimeUnit.SECONDS));
            // the listener is busy with the first: two fit its queue, seven are lost
            for (int port = 1001; port < 1010; port++) {
                net.table().create(NewConnection.of(tuple("10.0.0.1", port), 30));
            }
            assertEquals(7, net.stats().eventsLost());
            release.countDown();
            assertTrue(done.await(10, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(List.of("event 1000", "overflow 7", "event 1001", "event 1002"), seen);
        } finally {
            release.countDown();
            r.close();
        }
    }
}
