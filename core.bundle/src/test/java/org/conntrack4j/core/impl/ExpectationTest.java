package org.conntrack4j.core.impl;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionUpdate;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Stats;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.text.CtFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The core part of expectations: insertion with the policy's limits, matching new connections, removal. */
class ExpectationTest {
    private static final int PROTO = IpProto.UDP;
    private final Registry reg = new Registry();
    private final ManualClock clock = new ManualClock(250);
    private final List<String> expEvents = new ArrayList<>();
    private final List<String> ctEvents = new ArrayList<>();
    private Engine net;
    private final Packet p = new Packet();
    private final PortTracker tracker = new PortTracker("udp");

    /** Expects a data connection from the peer to the port given in the control payload's first two bytes. */
    private final AnnouncingHelper helper = new AnnouncingHelper("test", PROTO, 1, 300);

    @BeforeEach
    void setUp() {
        tracker.allowClash = true;
        reg.addTracker(tracker, PROTO, true, true, reg.localId(), 0, "test");
        reg.addHelper(helper, reg.localId(), 0, "test");
        clock.setWallNanos(5_000_000_000_000L);
        net = new Engine(reg, "test", clock, 7);
        net.addListener(new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                ctEvents.add(CtFormat.event(e, false));
            }

            @Override
            public void onExpectationEvent(ExpectationEvent e) {
                expEvents.add(CtFormat.expectationEvent(e, false).replaceAll("\\s+", " ").trim());
            }
        }, true);
    }

    @AfterEach
    void tearDown() {
        net.close();
    }

    /** A control packet 10.0.0.1:1000 -> 10.0.0.2:21 announcing {@code port}; assigns the helper on the first one. */
    private void control(int port, boolean reply) {
        if (reply) {
            TestPackets.v4(p, PROTO, "10.0.0.2", 21, "10.0.0.1", 1000, 4);
        } else {
            TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 21, 4);
        }
        p.put16(28, port);
        net.runHook(Hook.PRE_ROUTING, p);
        if (!p.ct.isConfirmed()) {
            net.assignHelper(p.ct, helper);
        }
        net.runHook(Hook.POST_ROUTING, p);
    }

    @Test
    void anAnnouncedConnectionIsRelatedAndConsumesItsExpectation() {
        control(0, false);
        control(5000, true);
        assertEquals(1, net.stats().expectCount());
        assertEquals("[NEW] 300 proto=17 src=10.0.0.2 dst=10.0.0.1 sport=0 dport=5000 mask-src=255.255.255.255 "
            + "mask-dst=255.255.255.255 sport=0 dport=65535 master-src=10.0.0.1 master-dst=10.0.0.2 sport=1000 dport=21 "
            + "class=0 helper=test", expEvents.get(0));
        clock.advanceSeconds(0.5);
        TestPackets.v4(p, PROTO, "10.0.0.2", 20, "10.0.0.1", 5000, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        assertEquals(CtInfo.RELATED, p.ctinfo);
        assertTrue(p.ct.hasStatus(Status.EXPECTED));
        assertSame(net.find(tupleOfMaster(), 0), p.ct.master());
        net.runHook(Hook.POST_ROUTING, p);
        assertEquals(0, net.stats().expectCount());
        assertTrue(expEvents.get(1).startsWith("[DESTROY] 299 proto=17"), expEvents.get(1));
        assertEquals(1, net.stats().get(Stats.EXPECT_NEW));
        assertEquals(1, net.stats().get(Stats.EXPECT_CREATE));
        assertEquals(1, net.stats().get(Stats.EXPECT_DELETE));
    }

    private org.conntrack4j.core.api.Tuple tupleOfMaster() {
        org.conntrack4j.core.api.Tuple t = new org.conntrack4j.core.api.Tuple().ipv4(TestPackets.ip("10.0.0.1"),
            TestPackets.ip("10.0.0.2"));
        t.proto = PROTO;
        t.srcPort = 1000;
        t.dstPort = 21;
        return t;
    }

    /**
     * A related connection NATed by its expectation (as NAT's followMaster does) whose first packet its tracker then
     * refuses dies there, as Linux frees it with its last reference: NAT is told (its by-source table must not keep
     * the connection, nor through it the tracker's bundle) and so is the tracker.
     */
    @Test
    void aRelatedConnectionRefusedByItsTrackerReleasesWhatItsExpectationSetUp() {
        List<Connection> natDone = new ArrayList<>();
        org.conntrack4j.core.nat.Nat nat = (org.conntrack4j.core.nat.Nat) java.lang.reflect.Proxy.newProxyInstance(
            org.conntrack4j.core.nat.Nat.class.getClassLoader(), new Class<?>[] {org.conntrack4j.core.nat.Nat.class},
            (x, m, a) -> {
                if (m.getName().equals("connectionDone")) {
                    natDone.add((Connection) a[0]);
                }
                return null;
            });
        net.provideExtension(org.conntrack4j.core.nat.Nat.class, nat);
        control(0, false);
        Connection master = net.find(tupleOfMaster(), 0);
        ExpectationRequest e = new ExpectationRequest(master);
        // PortTracker refuses destination port 9
        e.init(0, Family.IPV4, null, new long[] {0, TestPackets.ip("10.0.0.1") & 0xffffffffL}, PROTO, -1, 9);
        e.expectFn((ct, exp) -> ct.setStatus(Status.SRC_NAT_DONE));
        assertEquals(0, net.expectRelated(e));
        TestPackets.v4(p, PROTO, "10.0.0.2", 20, "10.0.0.1", 9, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        assertNull(p.ct, "refused by its tracker");
        assertEquals(1, natDone.size(), "NAT told once");
        Connection related = natDone.get(0);
        assertTrue(related.hasStatus(Status.EXPECTED) && !related.isConfirmed(), "the related connection");
        assertEquals(List.of(related), tracker.destroyed, "its tracker told once");
        assertEquals(1, net.count(), "only the master is in the table");
        assertEquals(0, net.stats().expectCount(), "the expectation was consumed");
    }

    @Test
    void theMasterMustBeConfirmedBeforeItsExpectationsMatch() {
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 21, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        net.assignHelper(p.ct, helper);
        ExpectationRequest e = new ExpectationRequest(p.ct);
        e.init(0, Family.IPV4, null, new long[] {0, TestPackets.ip("10.0.0.1") & 0xffffffffL}, PROTO, -1, 6000);
        assertEquals(0, net.expectRelated(e));
        Packet q = new Packet();
        TestPackets.v4(q, PROTO, "10.0.0.2", 20, "10.0.0.1", 6000, 4);
        net.runHook(Hook.PRE_ROUTING, q);
        assertEquals(CtInfo.NEW, q.ctinfo, "an unconfirmed master's expectation is not matched");
    }

    @Test
    void theOldestExpectationIsEvictedBeyondThePolicyLimit() {
        control(0, false);
        control(5000, true);
        control(5001, true);
        assertEquals(1, net.stats().expectCount());
        assertEquals(3, expEvents.size(), expEvents.toString());
        assertTrue(expEvents.get(1).startsWith("[DESTROY] 300") && expEvents.get(1).contains("dport=5000"));
        assertTrue(expEvents.get(2).startsWith("[NEW]") && expEvents.get(2).contains("dport=5001"));
    }

    @Test
    void expectationsExpireAndAreNotMatchedAfterwards() {
        control(0, false);
        control(5000, true);
        clock.advanceSeconds(301);
        TestPackets.v4(p, PROTO, "10.0.0.2", 20, "10.0.0.1", 5000, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        assertEquals(CtInfo.NEW, p.ctinfo);
        assertEquals(0, net.stats().expectCount());
    }

    @Test
    void destroyingTheMasterRemovesItsExpectations() {
        control(0, false);
        control(5000, true);
        net.kill(net.find(tupleOfMaster(), 0));
        assertEquals(0, net.stats().expectCount());
        assertTrue(expEvents.get(expEvents.size() - 1).startsWith("[DESTROY]"));
    }

    @Test
    void helperLeavingRemovesItsExpectationsAndDetachesFromConnections() {
        control(0, false);
        control(5000, true);
        Connection master = net.find(tupleOfMaster(), 0);
        assertSame(helper, master.helper());
        reg.removeHelper(helper);
        assertEquals(0, net.stats().expectCount());
        assertNull(master.helper());
        assertEquals(1, net.count(), "the connection itself survives");
        assertTrue(ctEvents.get(ctEvents.size() - 1).contains("[UPDATE]")
            && ctEvents.get(ctEvents.size() - 1).contains("helper=test"), ctEvents.toString());
    }

    @Test
    void expectationWithoutHelperOnMasterIsRefused() {
        TestPackets.v4(p, PROTO, "10.0.0.1", 1000, "10.0.0.2", 21, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        net.runHook(Hook.POST_ROUTING, p);
        ExpectationRequest e = new ExpectationRequest(p.ct);
        e.init(0, Family.IPV4, null, new long[] {0, 1}, PROTO, -1, 1);
        assertEquals(-4, net.expectRelated(e));
    }

    @Test
    void theExpectationTableHasAMaximum() {
        net.settings().set("nf_conntrack_expect_max", 1);
        control(0, false);
        control(5000, true);
        Packet q = new Packet();
        TestPackets.v4(q, PROTO, "10.0.0.1", 1001, "10.0.0.2", 21, 4);
        net.runHook(Hook.PRE_ROUTING, q);
        net.assignHelper(q.ct, helper);
        net.runHook(Hook.POST_ROUTING, q);
        ExpectationRequest e = new ExpectationRequest(q.ct);
        e.init(0, Family.IPV4, null, new long[] {0, 5}, PROTO, -1, 7);
        assertEquals(-3, net.expectRelated(e));
    }

    @Test
    void theNewEventOfAHelpedConnectionNamesItsHelper() {
        control(0, false);
        assertTrue(ctEvents.get(0).contains("helper=test"), ctEvents.get(0));
    }

    /** ctnetlink's helper change to an empty name: expectations go (with events), the helper is detached. */
    @Test
    void anUpdateTakingTheHelperAwayRemovesItsExpectations() {
        control(5000, false);
        Connection ct = p.ct;
        assertEquals(1, net.table().expectations().size());
        expEvents.clear();
        ctEvents.clear();
        assertEquals(ConnectionUpdate.DONE, net.table().update(ct, ConnectionUpdate.NONE.withoutHelper()));
        assertNull(ct.helper());
        assertEquals(0, net.table().expectations().size());
        assertEquals(1, expEvents.size());
        assertTrue(expEvents.get(0).startsWith("[DESTROY]"), expEvents.toString());
        assertEquals(1, ctEvents.size());
        assertTrue(ctEvents.get(0).contains("[UPDATE]") && !ctEvents.get(0).contains("helper="), ctEvents.toString());
        control(5001, false);
        assertEquals(0, net.table().expectations().size(), "no longer helped");
        assertEquals(ConnectionUpdate.DONE, net.table().update(ct, ConnectionUpdate.NONE.withoutHelper()), "again");
    }

    @Test
    void anExpectedConnectionsHelperCannotBeTakenAway() {
        control(0, false);
        control(5000, true);
        TestPackets.v4(p, PROTO, "10.0.0.2", 4000, "10.0.0.1", 5000, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        net.runHook(Hook.POST_ROUTING, p);
        assertNotNull(p.ct.master());
        assertEquals(ConnectionUpdate.REFUSED, net.table().update(p.ct, ConnectionUpdate.NONE.withoutHelper()));
    }

    /** A control packet from 10.0.0.1:1000 announcing {@code port}, up to its confirmation, in a packet of its own. */
    private Packet firstPacketUpToConfirm(int port) {
        Packet q = new Packet();
        TestPackets.v4(q, PROTO, "10.0.0.1", 1000, "10.0.0.2", 21, 4);
        q.put16(28, port);
        net.runHook(Hook.PRE_ROUTING, q);
        net.assignHelper(q.ct, helper);
        return q;
    }

    @Test
    void theLoserOfAClashTakesTheExpectationsOfItsFirstPacketWithIt() {
        // two first packets of one flow race: each creates a connection, the helper of each expects at confirmation
        Packet a = firstPacketUpToConfirm(5000);
        Packet b = firstPacketUpToConfirm(6000);
        Connection winner = a.ct;
        Connection loser = b.ct;
        net.runHook(Hook.POST_ROUTING, a);
        net.runHook(Hook.POST_ROUTING, b);
        assertSame(winner, b.ct, "the loser's packet goes on with the winner");
        assertEquals(1, net.stats().get(Stats.CLASH_RESOLVE));
        // Linux frees the loser and its expectations with it (nf_ct_destroy)
        assertEquals(1, net.stats().expectCount());
        assertEquals(List.of(), net.expectations(loser));
        assertEquals(1, net.expectations(winner).size());
    }

    @Test
    void anExpectationOfADyingMasterIsNotKept() {
        control(0, false);
        Connection master = p.ct;
        assertTrue(net.kill(master));
        ExpectationRequest e = helper.request(master, CtInfo.ESTABLISHED, 7000);
        // the helper is told it worked (Linux inserts it, then the master's last reference takes it away)
        assertEquals(0, net.expectRelated(e));
        assertEquals(0, net.stats().expectCount());
        assertEquals(List.of(), net.expectations(master));
    }

    @Test
    void aDeadMasterOfALiveConnectionLetsGoOfItsDepartedHelper() {
        control(0, false);
        control(5000, true);
        Connection master = p.ct;
        TestPackets.v4(p, PROTO, "10.0.0.2", 20, "10.0.0.1", 5000, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        net.runHook(Hook.POST_ROUTING, p);
        Connection related = p.ct;
        assertSame(master, related.master());
        assertTrue(net.kill(master));
        assertSame(helper, master.helper());
        reg.removeHelper(helper);
        // the related connection still refers to its master, as in Linux, but the helper's bundle could not unload
        assertSame(master, related.master());
        assertNull(master.helper());
    }
}
