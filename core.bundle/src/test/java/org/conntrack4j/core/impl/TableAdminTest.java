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
}
