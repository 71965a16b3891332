package org.conntrack4j.core.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.ConnLabels;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.PluginServices;
import org.conntrack4j.core.api.TimeoutPolicy;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.api.Zone;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.core.text.LabelMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's side of the conntrack features rules drive: zones of one direction (Linux's {@code nf_ct_zone_id},
 * {@code nf_ct_zone_equal} and {@code nf_conntrack_tuple_taken}), labels and their events, timeout policies and
 * their removal, expectations made without a helper.
 */
class ConntrackFeaturesTest {
    private static final int PROTO = IpProto.UDP;
    private final Registry reg = new Registry();
    private final ManualClock clock = new ManualClock(250);
    private final List<String> events = new ArrayList<>();
    private final List<String> expectEvents = new ArrayList<>();
    private Engine net;
    private final Packet p = new Packet();

    @BeforeEach
    void setUp() {
        reg.addTracker(new PortTracker("udp"), PROTO, true, true, reg.localId(), 0, "test");
        clock.setWallNanos(1_000_000_000_000L);
        net = new Engine(reg, "test", clock, 42);
        net.addListener(new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                events.add(CtFormat.event(e, false, LabelMap.numeric()).replaceAll(" id=\\d+", ""));
            }

            @Override
            public void onExpectationEvent(ExpectationEvent e) {
                expectEvents.add(CtFormat.expectationEvent(e, false));
            }
        }, true);
    }

    @AfterEach
    void tearDown() {
        net.close();
    }

    /** PRE_ROUTING (with a zone template) then POST_ROUTING; returns the packet's connection. */
    private Connection forward(int zone, String src, int sport, String dst, int dport) {
        TestPackets.v4(p, PROTO, src, sport, dst, dport, 4);
        p.zone = zone;
        assertEquals(Verdict.ACCEPT, net.runHook(Hook.PRE_ROUTING, p));
        Connection ct = p.ct;
        assertEquals(Verdict.ACCEPT, net.runHook(Hook.POST_ROUTING, p));
        return ct;
    }

    private static Tuple tuple(String src, int sport, String dst, int dport) {
        Tuple t = new Tuple().ipv4(Addr.parseV4(src), Addr.parseV4(dst));
        t.proto = PROTO;
        t.srcPort = sport;
        t.dstPort = dport;
        return t;
    }

    @Test
    void theSameTupleInTwoZonesOfTheOriginalDirectionIsTwoConnectionsWhoseRepliesMeetInZoneZero() {
        int z1 = Zone.template(1, Zone.DIR_ORIGINAL);
        int z2 = Zone.template(2, Zone.DIR_ORIGINAL);
        Connection a = forward(z1, "10.0.0.1", 1000, "10.0.0.2", 53);
        assertEquals(1, a.zone());
        assertEquals(Zone.DIR_ORIGINAL, a.zoneDir());
        assertEquals(1, a.zoneId(Direction.ORIGINAL));
        assertEquals(0, a.zoneId(Direction.REPLY));
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        p.zone = z2;
        net.runHook(Hook.PRE_ROUTING, p);
        Connection b = p.ct;
        assertNotSame(a, b, "the same original tuple in another zone: a new connection");
        // NAT's question for it: its reply tuple is taken in zone 0 by the first, whose original tuple is the same
        // but in another zone (no exception for "the same flow")
        assertTrue(net.tupleTaken(b.tuple(Direction.REPLY, new Tuple()), b));
        // without NAT to move it, it clashes at confirmation, as in Linux
        assertEquals(Verdict.DROP, net.runHook(Hook.POST_ROUTING, p));
        assertEquals(1, net.count());
        // a reply without a template (zone 0) finds the first by its reply tuple
        assertSame(a, forward(0, "10.0.0.2", 53, "10.0.0.1", 1000));
        assertEquals(CtInfo.ESTABLISHED_REPLY, p.ctinfo);
        assertTrue(events.get(0).contains("dport=53 zone-orig=1 [UNREPLIED]"), events.get(0));
    }

    @Test
    void aZoneOfBothDirectionsHoldsBothTuplesAndPrintsAsZone() {
        int z = Zone.template(7, Zone.DIR_BOTH);
        Connection a = forward(z, "10.0.0.1", 1000, "10.0.0.2", 53);
        assertNull(net.find(tuple("10.0.0.2", 53, "10.0.0.1", 1000), 0), "not in zone 0");
        assertSame(a, net.find(tuple("10.0.0.2", 53, "10.0.0.1", 1000), 7));
        // a reply in zone 0 is a connection of its own
        Connection r = forward(0, "10.0.0.2", 53, "10.0.0.1", 1000);
        assertNotSame(a, r);
        assertSame(a, forward(z, "10.0.0.2", 53, "10.0.0.1", 1000));
        String line = CtFormat.listLine(net.snapshot(a));
        assertTrue(line.contains(" [ASSURED] mark=0 zone=7 use=1") || line.contains(" mark=0 zone=7 use=1"), line);
    }

    @Test
    void aZoneOfTheReplyDirectionPrintsAfterTheReplyTuple() {
        Connection a = forward(Zone.template(4, Zone.DIR_REPLY), "10.0.0.1", 1000, "10.0.0.2", 53);
        assertSame(a, net.find(tuple("10.0.0.1", 1000, "10.0.0.2", 53), 0));
        assertNull(net.find(tuple("10.0.0.2", 53, "10.0.0.1", 1000), 0));
        // the lookup of a zone of one direction tries the bucket of the other direction's zone too
        assertSame(a, net.find(tuple("10.0.0.2", 53, "10.0.0.1", 1000), Zone.template(4, Zone.DIR_REPLY)));
        assertSame(a, forward(Zone.template(4, Zone.DIR_REPLY), "10.0.0.2", 53, "10.0.0.1", 1000));
        assertEquals(CtInfo.ESTABLISHED_REPLY, p.ctinfo);
        assertTrue(events.get(0).endsWith("sport=53 dport=1000 zone-reply=4"), events.get(0));
    }

    @Test
    void theTemplateLeavesThePacketAtConntrack() {
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        p.zone = Zone.template(3, Zone.DIR_BOTH);
        net.runHook(Hook.PRE_ROUTING, p);
        assertFalse(Zone.isTemplate(p.zone));
        assertEquals(3, p.ct.zone());
    }

    @Test
    void labelsChangeWithAnEventThatCarriesThemAndListingsShowThem() {
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        Connection ct = p.ct;
        PluginServices s = net.services();
        assertTrue(s.replaceLabels(ct, ConnLabels.mask(3), 0, ConnLabels.mask(3), 0));
        assertFalse(s.replaceLabels(ct, ConnLabels.mask(3), 0, ConnLabels.mask(3), 0), "no change, no event");
        assertTrue(s.replaceLabels(ct, 0, ConnLabels.mask(100), 0, ConnLabels.mask(100)));
        net.runHook(Hook.POST_ROUTING, p);
        assertTrue(events.get(0).trim().startsWith("[NEW]") && events.get(0).endsWith("labels=3,100"), events.get(0));
        forward(0, "10.0.0.2", 53, "10.0.0.1", 1000);
        assertFalse(events.get(1).contains("labels"), "the reply's UPDATE does not change them: " + events.get(1));
        String line = CtFormat.listLine(net.snapshot(ct), true, true, LabelMap.numeric());
        assertTrue(line.endsWith(" labels=3,100"), line);
        assertFalse(CtFormat.listLine(net.snapshot(ct)).contains("labels"), "no map, no labels");
        // a map naming none of them: conntrack prints the word alone
        LabelMap other = LabelMap.parse(List.of("5 five"));
        assertTrue(CtFormat.listLine(net.snapshot(ct), true, true, other).endsWith(" labels"));
        // replacing with a mask clears
        assertTrue(s.replaceLabels(ct, 0, 0, ConnLabels.mask(3), 0));
        assertEquals(0, ct.labelsLo());
        assertEquals(ConnLabels.mask(100), ct.labelsHi());
    }

    @Test
    void aPolicyGivesItsStatesTimeoutsForLifeUntilItIsCleared() {
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        Connection ct = p.ct;
        TimeoutPolicy policy = TimeoutPolicy.of("short", Family.IPV4, PROTO, Map.of("test_port_timeout", 5L));
        assertTrue(net.setTimeoutPolicy(ct, policy));
        assertSame(policy, ct.timeoutPolicy());
        net.runHook(Hook.POST_ROUTING, p);
        assertFalse(net.setTimeoutPolicy(ct, policy), "confirmed");
        assertEquals(5 * 250, net.timeout(ct, PortTracker.TIMEOUT));
        forward(0, "10.0.0.2", 53, "10.0.0.1", 1000);
        assertEquals(5 * 250, ct.expires(net.now()));
        assertEquals(1, net.clearTimeoutPolicy(policy));
        assertNull(ct.timeoutPolicy());
        assertEquals(30 * 250, net.timeout(ct, PortTracker.TIMEOUT));
        forward(0, "10.0.0.1", 1000, "10.0.0.2", 53);
        assertEquals(30 * 250, ct.expires(net.now()));
    }

    @Test
    void anExpectationWithItsOwnTimeoutNeedsNoHelper() {
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 53, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        Connection master = p.ct;
        ExpectationRequest req = new ExpectationRequest(master).init(0, Family.IPV4,
            new long[] {0, Addr.parseV4("10.0.0.2") & 0xffffffffL}, new long[] {0, Addr.parseV4("10.0.0.1") & 0xffffffffL},
            PROTO, -1, 6001);
        assertEquals(PluginServices.EXPECT_NO_HELPER, net.expectRelated(req));
        assertEquals(0, net.expectRelated(req.timeoutSeconds(30000)));
        assertEquals(1, net.expecting(master, 0));
        net.runHook(Hook.POST_ROUTING, p);
        assertEquals("    [NEW] 30000 proto=17 src=10.0.0.2 dst=10.0.0.1 sport=0 dport=6001 mask-src=255.255.255.255 "
            + "mask-dst=255.255.255.255 sport=0 dport=65535 master-src=10.0.0.1 master-dst=10.0.0.2 sport=1000 dport=53 "
            + "class=0", expectEvents.get(0));
        Connection related = forward(0, "10.0.0.2", 4444, "10.0.0.1", 6001);
        assertSame(master, related.master());
        assertEquals(0, net.expecting(master, 0));
        assertNotNull(expectEvents.get(1));
    }
}
