package org.conntrack4j.core.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Stats;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.text.CtFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EngineTest {
    private static final int PROTO = IpProto.UDP;
    private final Registry reg = new Registry();
    private final PortTracker tracker = new PortTracker("udp");
    private final ManualClock clock = new ManualClock(250);
    private final List<String> events = new ArrayList<>();
    private Engine net;
    private final Packet p = new Packet();

    @BeforeEach
    void setUp() {
        reg.addTracker(tracker, PROTO, true, true, reg.localId(), 0, "test");
        clock.setWallNanos(1_000_000_000_000L);
        net = new Engine(reg, "test", clock, 42);
        net.addListener(new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                events.add(CtFormat.event(e, false).replaceAll(" id=\\d+", ""));
            }
        }, true);
    }

    @AfterEach
    void tearDown() {
        net.close();
    }

    /** Runs a packet through PRE_ROUTING and POST_ROUTING as a forwarded packet; returns its state word. */
    private String forward(String src, int sport, String dst, int dport) {
        TestPackets.v4(p, PROTO, src, sport, dst, dport, 4);
        assertEquals(Verdict.ACCEPT, net.runHook(Hook.PRE_ROUTING, p));
        String state = CtInfo.stateName(p.ct != null, p.ctinfo) + "/" + (p.ct == null ? "none"
            : Direction.name(CtInfo.direction(p.ctinfo)));
        assertEquals(Verdict.ACCEPT, net.runHook(Hook.POST_ROUTING, p));
        return state;
    }

    /** 10.0.0.1:1000 to 10.0.0.2:53, the answer, and a second request: an assured flow of three packets. */
    private void requestReplyRequest() {
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        forward("10.0.0.2", 53, "10.0.0.1", 1000);
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
    }

    @Test
    void firstPacketIsNewAndConfirmedAtPostrouting() {
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        assertEquals(CtInfo.NEW, p.ctinfo);
        assertFalse(p.ct.isConfirmed());
        assertEquals(0, net.count(), "unconfirmed connections are not in the table");
        net.runHook(Hook.POST_ROUTING, p);
        assertTrue(p.ct.isConfirmed());
        assertEquals(1, net.count());
        assertEquals(List.of("[NEW] ipv4 2 udp 17 30 src=10.0.0.1 dst=10.0.0.2 sport=1000 dport=53 [UNREPLIED] "
            + "src=10.0.0.2 dst=10.0.0.1 sport=53 dport=1000"), normalise(events));
    }

    @Test
    void batchGivesWhatInAndConfirmGiveOnePacketAtATime() {
        // request, request, reply, request of one flow and a request of another, as a batch
        Packet[] b = new Packet[5];
        for (int i = 0; i < b.length; i++) {
            b[i] = new Packet();
        }
        TestPackets.v4(b[0], PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        TestPackets.v4(b[1], PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        TestPackets.v4(b[2], PROTO, "10.0.0.2", 53, "10.0.0.1", 1000, 4);
        TestPackets.v4(b[3], PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        TestPackets.v4(b[4], PROTO, "10.0.0.3", 1000, "10.0.0.2", 53, 4);
        int[] verdicts = new int[6];
        verdicts[5] = -7;
        Engine other = new Engine(reg, "batch", clock, 42);
        List<String> batched = new ArrayList<>();
        other.addListener(new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                batched.add(CtFormat.event(e, false).replaceAll(" id=\\d+", ""));
            }
        }, true);
        try {
            other.packets().inConfirm(b, 0, 5, verdicts);
            assertEquals(2, other.count());
        } finally {
            other.close();
        }
        String[] states = new String[b.length];
        for (int i = 0; i < b.length; i++) {
            assertEquals(Verdict.ACCEPT, verdicts[i]);
            states[i] = CtInfo.stateName(b[i].ct != null, b[i].ctinfo) + "/" + Direction.name(CtInfo.direction(b[i].ctinfo));
        }
        assertEquals(-7, verdicts[5], "only the packets asked for");
        String[] single = new String[b.length];
        for (int i = 0; i < b.length; i++) {
            Packet q = b[i];
            q.ct = null;
            q.ctinfo = 0;
            assertEquals(Verdict.ACCEPT, net.packets().in(q));
            single[i] = CtInfo.stateName(q.ct != null, q.ctinfo) + "/" + Direction.name(CtInfo.direction(q.ctinfo));
            assertEquals(Verdict.ACCEPT, net.packets().confirm(q));
        }
        assertEquals(List.of(single), List.of(states));
        assertEquals(List.of("new/original", "new/original", "established/reply", "established/original",
            "new/original"), List.of(states));
        assertEquals(normalise(events), normalise(batched));
        assertThrows(IndexOutOfBoundsException.class, () -> net.packets().inConfirm(b, 3, 3, verdicts));
    }

    @Test
    void packetDroppedBeforeConfirmLeavesNoTrace() {
        net.registerHook(org.conntrack4j.core.api.Family.INET, Hook.FORWARD, 0, pkt -> Verdict.DROP, "drop-all");
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        assertEquals(Verdict.DROP, net.runHook(Hook.FORWARD, p));
        assertEquals(0, net.count());
        assertTrue(events.isEmpty());
    }

    @Test
    void replyIsEstablishedReplyAndThenOriginalIsEstablished() {
        assertEquals("new/original", forward("10.0.0.1", 1000, "10.0.0.2", 53));
        assertEquals("new/original", forward("10.0.0.1", 1000, "10.0.0.2", 53));
        assertEquals("established/reply", forward("10.0.0.2", 53, "10.0.0.1", 1000));
        assertEquals("established/original", forward("10.0.0.1", 1000, "10.0.0.2", 53));
        List<String> ev = normalise(events);
        assertEquals(3, ev.size(), ev.toString());
        assertTrue(ev.get(1).startsWith("[UPDATE] ipv4 2 udp 17 30 src=10.0.0.1"), ev.get(1));
        assertFalse(ev.get(1).contains("UNREPLIED"));
        assertTrue(ev.get(2).endsWith("[ASSURED]"), ev.get(2));
    }

    @Test
    void invalidPacketGetsNoConnectionAndIsCountedWithItsReason() {
        net.settings().set(CoreSettings.LOG_INVALID, 255);
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 9, 4);
        assertEquals(Verdict.ACCEPT, net.runHook(Hook.PRE_ROUTING, p));
        assertNull(p.ct);
        assertEquals("invalid", CtInfo.stateName(false, p.ctinfo));
        assertEquals("discard port 9", p.logReason);
        assertEquals(1, net.stats().get(Stats.INVALID));
        assertEquals(1L, net.stats().invalidByReason().get("discard port"));
    }

    @Test
    void reasonIsNotLoggedUnlessLogInvalidAsksForIt() {
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 9, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        assertNull(p.logReason);
        assertEquals("discard port 9", p.reason);
        net.settings().set(CoreSettings.LOG_INVALID, IpProto.TCP);
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 9, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        assertNull(p.logReason, "log_invalid names another protocol");
    }

    @Test
    void truncatedL4HeaderIsInvalid() {
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 0);
        p.trim(22);
        p.put16(2, 22);
        net.runHook(Hook.PRE_ROUTING, p);
        assertNull(p.ct);
        assertEquals(1, net.stats().get(Stats.INVALID));
    }

    @Test
    void nonFirstFragmentIsInvalidForConntrack() {
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        p.put16(6, 10);
        net.runHook(Hook.PRE_ROUTING, p);
        assertNull(p.ct);
        assertEquals(1, net.stats().get(Stats.INVALID));
    }

    @Test
    void protocolWithoutTrackerUsesGenericTrackerWithoutPorts() {
        TestPackets.v4(p, 99, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        net.runHook(Hook.POST_ROUTING, p);
        Connection ct = p.ct;
        assertEquals(0, ct.srcPort(Direction.ORIGINAL));
        assertEquals(600L * 250, ct.timeout() - clock.jiffies());
        assertTrue(normalise(events).get(0).startsWith("[NEW] ipv4 2 unknown 99 600 src=10.0.0.1 dst=10.0.0.2 [UNREPLIED]"));
    }

    @Test
    void ipv6ConnectionsAreTrackedAndPrinted() {
        TestPackets.v6(p, PROTO, 0x10, 1000, 0x20, 53);
        net.runHook(Hook.PRE_ROUTING, p);
        net.runHook(Hook.POST_ROUTING, p);
        assertEquals("[NEW] ipv6 10 udp 17 30 src=2001:db8::10 dst=2001:db8::20 sport=1000 dport=53 [UNREPLIED] "
            + "src=2001:db8::20 dst=2001:db8::10 sport=53 dport=1000", normalise(events).get(0));
    }

    @Test
    void expiredConnectionIsDestroyedOnLookupAndRecreated() {
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        clock.advanceSeconds(31);
        assertEquals("new/original", forward("10.0.0.1", 1000, "10.0.0.2", 53));
        List<String> ev = normalise(events);
        assertEquals(3, ev.size(), ev.toString());
        assertTrue(ev.get(1).startsWith("[DESTROY] ipv4 2 udp 17 src="), "no timeout shown when none is left: " + ev.get(1));
        assertTrue(ev.get(2).startsWith("[NEW]"));
        assertEquals(1, net.count());
    }

    @Test
    void expiryScanDestroysExpiredConnections() {
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        forward("10.0.0.1", 1001, "10.0.0.2", 53);
        net.expire();
        clock.advanceSeconds(100);
        net.expire();
        assertEquals(0, net.count());
        assertEquals(2, normalise(events).stream().filter(e -> e.startsWith("[DESTROY]")).count());
    }

    @Test
    void lateExpiryScanRunsAsOfItsScheduledTime() {
        net.expire(); // the first scan is due a second from now
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        clock.advanceSeconds(31);
        // Linux's scan ran at one second, when the connection had 29 s left, and scheduled the next about a minute
        // later: a scan noticed late must not destroy what expired after its time.
        net.expire();
        assertEquals(1, net.count());
        assertEquals(1, events.size(), events.toString());
        clock.advanceSeconds(30);
        net.expire();
        assertEquals(0, net.count(), "the scan a minute later finds it expired");
        assertTrue(events.get(1).startsWith("[DESTROY]"), events.toString());
    }

    @Test
    void accountingShowsInTheTableAndInDestroyEventsOnly() {
        net.settings().set(CoreSettings.ACCT, 1);
        requestReplyRequest();
        forward("10.0.0.1", 1001, "10.0.0.2", 9); // refused by the tracker: invalid, not counted
        assertTrue(events.stream().noneMatch(e -> e.contains("packets=")), events.toString());
        String line = CtFormat.listLine(net.list(null).get(0));
        assertTrue(line.contains("dport=53 packets=2 bytes=64 src=10.0.0.2"), line);
        assertTrue(line.contains("dport=1000 packets=1 bytes=32 "), line);
        net.kill(net.connections(null).get(0));
        String destroy = events.get(events.size() - 1).strip();
        assertTrue(destroy.startsWith("[DESTROY]") && destroy.contains("packets=2 bytes=64"), destroy);
    }

    @Test
    void timestampsGiveWholeSecondsLived() {
        net.settings().set(CoreSettings.TIMESTAMP, 1);
        clock.setWallNanos(1_000_600_000_000L);
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        clock.setWallNanos(1_002_100_000_000L);
        // conntrack subtracts whole seconds: 1002 - 1000, though 1.5 s passed
        assertTrue(CtFormat.listLine(net.list(null).get(0)).contains("mark=0 delta-time=2 "),
            CtFormat.listLine(net.list(null).get(0)));
        clock.setWallNanos(1_003_000_000_000L);
        net.kill(net.connections(null).get(0));
        assertTrue(events.get(0).strip().startsWith("[NEW]") && !events.get(0).contains("delta-time"), events.toString());
        assertTrue(events.get(1).strip().startsWith("[DESTROY]") && events.get(1).endsWith(" delta-time=3"),
            events.toString());
    }

    @Test
    void tableFullDropsAnUnassuredConnectionFirst() {
        // Early drop looks at 8 buckets (of 2 slots) from the new connection's home slot: with 16 buckets (32
        // slots), pick a new flow whose range covers one of the two existing connections.
        net.settings().set(CoreSettings.BUCKETS, 16);
        net.settings().set(CoreSettings.MAX, 2);
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        forward("10.0.0.1", 1001, "10.0.0.2", 53);
        int port = 1002;
        while (!victimInRange(tuple("10.0.0.1", port, "10.0.0.2", 53))) {
            port++;
        }
        assertEquals("new/original", forward("10.0.0.1", port, "10.0.0.2", 53));
        assertEquals(2, net.count());
        assertEquals(1, net.stats().get(Stats.EARLY_DROP));
    }

    private boolean victimInRange(Tuple t) {
        ConnTable.Tables slots = net.table.tables;
        int home = net.hash(t, 0) & slots.mask;
        for (Connection c : net.connections(null)) {
            int at = slots.slotOf((ConnEntry) c, Direction.ORIGINAL);
            if (((at - home) & slots.mask) < Engine.EVICTION_RANGE * Engine.EVICTION_SLOTS) {
                return true;
            }
        }
        return false;
    }

    @Test
    void tableFullWithNoVictimNearbyDropsTheNewPacket() {
        net.settings().set(CoreSettings.BUCKETS, 16);
        net.settings().set(CoreSettings.MAX, 2);
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        forward("10.0.0.1", 1001, "10.0.0.2", 53);
        int port = 1002;
        while (victimInRange(tuple("10.0.0.1", port, "10.0.0.2", 53))) {
            port++;
        }
        TestPackets.v4(p, PROTO, "10.0.0.1", port, "10.0.0.2", 53, 4);
        assertEquals(Verdict.DROP, net.runHook(Hook.PRE_ROUTING, p));
        assertEquals(2, net.count());
        assertEquals(0, net.stats().get(Stats.EARLY_DROP));
    }

    @Test
    void tableFullOfAssuredConnectionsDropsTheNewPacket() {
        net.settings().set(CoreSettings.MAX, 1);
        requestReplyRequest();
        assertTrue(net.find(new Tuple().ipv4(TestPackets.ip("10.0.0.1"), TestPackets.ip("10.0.0.2")), 0) == null);
        TestPackets.v4(p, PROTO, "10.0.0.1", 1001, "10.0.0.2", 53, 4);
        assertEquals(Verdict.DROP, net.runHook(Hook.PRE_ROUTING, p));
        assertEquals(1, net.stats().get(Stats.DROP));
        assertEquals(1, net.count());
    }

    @Test
    void findLocatesAConnectionByEitherTuple() {
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        Tuple t = new Tuple().ipv4(TestPackets.ip("10.0.0.2"), TestPackets.ip("10.0.0.1"));
        t.proto = PROTO;
        t.srcPort = 53;
        t.dstPort = 1000;
        Connection c = net.find(t, 0);
        assertNotNull(c);
        assertTrue(c.tupleEquals(Direction.REPLY, t));
        assertTrue(net.tupleTaken(t, null));
        assertFalse(net.tupleTaken(t, c));
    }

    @Test
    void clashAtConfirmationIsResolvedWhenTheTrackerAllowsIt() {
        tracker.allowClash = true;
        Packet a = new Packet();
        Packet b = new Packet();
        TestPackets.v4(a, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        TestPackets.v4(b, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        net.runHook(Hook.PRE_ROUTING, a);
        net.runHook(Hook.PRE_ROUTING, b);
        assertNotSame(a.ct, b.ct);
        assertEquals(Verdict.ACCEPT, net.runHook(Hook.POST_ROUTING, a));
        assertEquals(Verdict.ACCEPT, net.runHook(Hook.POST_ROUTING, b));
        assertSame(a.ct, b.ct, "the loser continues with the winner");
        assertEquals(1, net.stats().get(Stats.CLASH_RESOLVE));
    }

    @Test
    void clashAtConfirmationDropsTheLoserOtherwise() {
        Packet a = new Packet();
        Packet b = new Packet();
        TestPackets.v4(a, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        TestPackets.v4(b, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        net.runHook(Hook.PRE_ROUTING, a);
        net.runHook(Hook.PRE_ROUTING, b);
        net.runHook(Hook.POST_ROUTING, a);
        assertEquals(Verdict.DROP, net.runHook(Hook.POST_ROUTING, b));
        assertEquals(1, net.stats().get(Stats.INSERT_FAILED));
    }

    @Test
    void repeatVerdictMakesTheEngineStartANewConnection() {
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        Connection first = net.find(tuple("10.0.0.1", 1000, "10.0.0.2", 53), 0);
        tracker.repeatOnPort = 53;
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        assertNotSame(first, p.ct);
        assertEquals(CtInfo.NEW, p.ctinfo);
        assertTrue(first.isDying());
    }

    @Test
    void killEmitsDestroyOnceAndRemovesTheConnection() {
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        Connection c = net.find(tuple("10.0.0.1", 1000, "10.0.0.2", 53), 0);
        assertTrue(net.kill(c));
        assertFalse(net.kill(c));
        assertEquals(0, net.count());
        assertNull(net.find(tuple("10.0.0.1", 1000, "10.0.0.2", 53), 0));
        assertEquals(1, normalise(events).stream().filter(e -> e.startsWith("[DESTROY] ipv4 2 udp 17 30 ")).count());
    }

    @Test
    void flushDestroysTheSelectedConnections() {
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        forward("10.0.0.1", 1001, "10.0.0.2", 53);
        assertEquals(1, net.delete(c -> c.srcPort(Direction.ORIGINAL) == 1001));
        assertEquals(1, net.count());
        assertEquals(1, net.delete(null));
        assertEquals(0, net.count());
    }

    @Test
    void listShowsLiveConnectionsInConntrackFormat() {
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        clock.advanceSeconds(5);
        List<String> l = new ArrayList<>();
        net.list(null).forEach(s -> l.add(CtFormat.listLine(s).replaceAll(" id=\\d+", "")));
        assertEquals(List.of("ipv4     2 udp      17 25 src=10.0.0.1 dst=10.0.0.2 sport=1000 dport=53 [UNREPLIED] "
            + "src=10.0.0.2 dst=10.0.0.1 sport=53 dport=1000 mark=0 use=1"), l);
    }

    @Test
    void trackerLeavingDestroysItsConnectionsAndFallsBackToGeneric() {
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        reg.removeTracker(tracker);
        assertEquals(0, net.count());
        assertTrue(normalise(events).get(1).startsWith("[DESTROY] ipv4 2 udp 17 30 src=10.0.0.1"));
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        Connection c = net.connections(null).get(0);
        assertEquals(0, c.srcPort(Direction.ORIGINAL), "generic tracking has no ports");
    }

    @Test
    void trackerArrivingTakesOverFromGenericAndOthersAreUntouched() {
        TestPackets.v4(p, 99, "10.0.0.1", 1, "10.0.0.2", 2, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        net.runHook(Hook.POST_ROUTING, p);
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        PortTracker other = new PortTracker("proto99");
        reg.addTracker(other, 99, true, true, reg.localId(), 0, "test2");
        assertEquals(1, net.count(), "the generic protocol-99 connection is replaced, UDP stays");
        assertEquals(PROTO, net.connections(null).get(0).protocol());
        TestPackets.v4(p, 99, "10.0.0.1", 1, "10.0.0.2", 2, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        assertSame(other, reg.tracker(2, 99));
        assertEquals(1, p.ct.srcPort(Direction.ORIGINAL));
    }

    @Test
    void higherRankedTrackerWinsAndTheOtherWaits() {
        PortTracker better = new PortTracker("udp-better");
        reg.addTracker(better, PROTO, true, true, reg.localId(), 10, "better");
        assertSame(better, reg.tracker(2, PROTO));
        reg.removeTracker(better);
        assertSame(tracker, reg.tracker(2, PROTO), "the standby takes over again");
    }

    @Test
    void settingsKeepUnknownNamesAndRejectOutOfRangeValues() {
        net.settings().set("nf_conntrack_bogus", 1);
        assertNull(net.settings().key("nf_conntrack_bogus"), "kept for a plug-in to come, not a setting");
        assertThrows(IllegalArgumentException.class, () -> net.settings().get("nf_conntrack_bogus"));
        assertFalse(net.settings().active().containsKey("nf_conntrack_bogus"));
        assertThrows(IllegalArgumentException.class, () -> net.settings().set("nf_conntrack_checksum", 2));
        net.settings().set("net.netfilter.test_port_timeout", 7);
        assertEquals(7, net.settings().get(PortTracker.TIMEOUT));
        assertTrue(net.settings().active().containsKey("test_port_timeout"));
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        assertEquals(7L * 250, net.connections(null).get(0).timeout() - clock.jiffies());
    }

    @Test
    void untrackedPacketsAreLeftAlone() {
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        p.ctinfo = CtInfo.UNTRACKED;
        net.runHook(Hook.PRE_ROUTING, p);
        assertNull(p.ct);
        assertEquals("untracked", CtInfo.stateName(false, p.ctinfo));
    }

    @Test
    void hookFunctionsRunInPriorityOrderAndAFailingOneDropsThePacket() {
        List<String> order = new ArrayList<>();
        net.registerHook(2, Hook.FORWARD, 10, pkt -> {
            order.add("b");
            return Verdict.ACCEPT;
        }, "b");
        net.registerHook(2, Hook.FORWARD, -10, pkt -> {
            order.add("a");
            return Verdict.ACCEPT;
        }, "a");
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        assertEquals(Verdict.ACCEPT, net.runHook(Hook.FORWARD, p));
        assertEquals(List.of("a", "b"), order);
        var reg2 = net.registerHook(2, Hook.FORWARD, 0, pkt -> {
            throw new IllegalStateException("plug-in bug");
        }, "buggy");
        assertEquals(Verdict.DROP, net.runHook(Hook.FORWARD, p));
        reg2.close();
        assertEquals(Verdict.ACCEPT, net.runHook(Hook.FORWARD, p));
    }

    @Test
    void markIsCopiedAndStatusBitsAreAtomic() {
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        Connection c = net.connections(null).get(0);
        assertTrue(c.setStatus(Status.FIXED_TIMEOUT));
        assertFalse(c.setStatus(Status.FIXED_TIMEOUT));
        long before = c.timeout();
        clock.advanceSeconds(3);
        forward("10.0.0.1", 1000, "10.0.0.2", 53);
        assertEquals(before, c.timeout(), "FIXED_TIMEOUT stops refreshes");
    }

    private static Tuple tuple(String src, int sport, String dst, int dport) {
        Tuple t = new Tuple().ipv4(TestPackets.ip(src), TestPackets.ip(dst));
        t.proto = PROTO;
        t.srcPort = sport;
        t.dstPort = dport;
        return t;
    }

    private static List<String> normalise(List<String> ev) {
        List<String> out = new ArrayList<>();
        for (String e : ev) {
            out.add(String.join(" ", e.trim().split("\\s+")));
        }
        return out;
    }
}
