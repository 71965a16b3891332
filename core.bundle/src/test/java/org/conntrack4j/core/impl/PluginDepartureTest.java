package org.conntrack4j.core.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.text.CtFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A plug-in that leaves is not kept reachable by the engine: a departed tracker is referenced by nothing of the
 * registry, the table, the counters or the events; and NAT is told of every dead connection with a source binding,
 * so that its table of sources does not keep dead connections (and their trackers and helpers) either.
 */
class PluginDepartureTest {
    private final Registry reg = new Registry();
    private final ManualClock clock = new ManualClock(250);
    private final Engine net = new Engine(reg, "test", clock, 7);
    /** The connections the fake NAT was told about. */
    private final List<Connection> done = new ArrayList<>();

    @AfterEach
    void tearDown() {
        net.close();
    }

    private int forward(int sport, boolean natBinding, boolean dropBeforeConfirm) {
        Packet p = TestPackets.v4(new Packet(), IpProto.UDP, "10.0.0.1", sport, "10.0.0.2", 53, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        if (natBinding && p.ct != null) {
            // what NAT's source hook does to every connection it sees
            p.ct.setStatus(Status.SRC_NAT_DONE);
        }
        if (dropBeforeConfirm) {
            // a filter after source NAT and before confirmation
            try (Registration r = net.registerHook(Family.INET, Hook.POST_ROUTING, 200, x -> Verdict.DROP, "drop")) {
                return net.runHook(Hook.POST_ROUTING, p);
            }
        }
        return net.runHook(Hook.POST_ROUTING, p);
    }

    private Registration fakeNat() {
        Nat nat = (Nat) Proxy.newProxyInstance(Nat.class.getClassLoader(), new Class<?>[] {Nat.class}, (x, m, a) -> {
            if (m.getName().equals("connectionDone")) {
                done.add((Connection) a[0]);
            }
            return null;
        });
        return net.provideExtension(Nat.class, nat);
    }

    /** The engine's connection events as text, as they are delivered. */
    private List<String> recordEvents() {
        List<String> events = new ArrayList<>();
        net.addListener(new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                events.add(CtFormat.event(e, false));
            }
        }, true);
        return events;
    }

    @Test
    void aDepartedTrackerIsReferencedByNothingOfTheEngine() throws Exception {
        List<String> events = recordEvents();
        WeakReference<PortTracker> gone = useAndRemoveATracker();
        assertTrue(events.stream().anyMatch(e -> e.startsWith("[DESTROY]")), events.toString());
        for (int i = 0; i < 200 && gone.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertNull(gone.get(), "the removed tracker is still reachable");
        assertSame(GenericTrackerImpl.INSTANCE, reg.tracker(Family.IPV4, IpProto.UDP));
    }

    /** Registers a tracker, gives it connections (one invalid packet too), removes it; keeps it only weakly. */
    private WeakReference<PortTracker> useAndRemoveATracker() {
        PortTracker t = new PortTracker("udp");
        reg.addTracker(t, IpProto.UDP, true, true, reg.localId(), 0, "test");
        forward(1000, false, false);
        forward(1001, false, false);
        Packet invalid = TestPackets.v4(new Packet(), IpProto.UDP, "10.0.0.1", 1002, "10.0.0.2", 9, 4);
        net.runHook(Hook.PRE_ROUTING, invalid);
        assertEquals(1L, net.stats().invalidByReason().get("discard port"));
        assertEquals(2, net.count());
        reg.removeTracker(t);
        assertEquals(0, net.count());
        return new WeakReference<>(t);
    }

    @Test
    void natIsToldWhenABoundConnectionIsDestroyed() {
        reg.addTracker(new PortTracker("udp"), IpProto.UDP, true, true, reg.localId(), 0, "test");
        fakeNat();
        forward(1000, true, false);
        forward(1001, false, false);
        Connection bound = net.connections(c -> c.srcPort(0) == 1000).get(0);
        assertEquals(2, net.delete(null));
        assertEquals(List.of(bound), done, "only the connection with a source binding");
    }

    @Test
    void natIsToldWhenTheFirstPacketOfABoundConnectionIsDropped() {
        reg.addTracker(new PortTracker("udp"), IpProto.UDP, true, true, reg.localId(), 0, "test");
        fakeNat();
        assertEquals(Verdict.DROP, forward(1000, true, true));
        assertEquals(1, done.size());
        assertFalse(done.get(0).isConfirmed());
        assertEquals(Verdict.DROP, forward(1001, false, true));
        assertEquals(1, done.size(), "no binding, nothing to tell");
        assertEquals(0, net.count());
    }

    // ---- a departure while a connection's first packet is between PRE_ROUTING and its confirmation ----------------

    /** PRE_ROUTING only: the connection exists, unconfirmed, outside any read section. */
    private Packet firstHalf(int sport) {
        Packet p = TestPackets.v4(new Packet(), IpProto.UDP, "10.0.0.1", sport, "10.0.0.2", 53, 4);
        net.runHook(Hook.PRE_ROUTING, p);
        assertFalse(p.ct.isConfirmed());
        return p;
    }

    @Test
    void aTrackerLeavingBetweenTheHooks_theConnectionIsNotConfirmedWithIt() {
        PortTracker t = new PortTracker("udp");
        reg.addTracker(t, IpProto.UDP, true, true, reg.localId(), 0, "test");
        List<String> events = recordEvents();
        Packet p = firstHalf(1000);
        assertSame(t, ((ConnEntry) p.ct).tracker);
        reg.removeTracker(t);
        assertEquals(Verdict.DROP, net.runHook(Hook.POST_ROUTING, p), "confirmed with a departed tracker");
        assertEquals(0, net.count());
        assertEquals(1L, net.stats().get("insert_failed"));
        assertEquals(List.of(), events, "a connection never confirmed is never announced");
        // the flow's next packet gets a connection of the generic tracker
        Packet again = firstHalf(1000);
        assertSame(GenericTrackerImpl.INSTANCE, ((ConnEntry) again.ct).tracker);
        assertEquals(Verdict.ACCEPT, net.runHook(Hook.POST_ROUTING, again));
        assertEquals(1, net.count());
    }

    @Test
    void aTrackerLeavingFromAHookBetweenTheTwo_theConnectionIsNotConfirmedWithIt() {
        PortTracker t = new PortTracker("udp");
        reg.addTracker(t, IpProto.UDP, true, true, reg.localId(), 0, "test");
        // a FORWARD hook function of the packet's own thread, between conntrack's PRE_ROUTING and confirmation
        try (Registration r = net.registerHook(Family.INET, Hook.FORWARD, 0, x -> {
            reg.removeTracker(t);
            return Verdict.ACCEPT;
        }, "remover")) {
            Packet p = firstHalf(1000);
            assertEquals(Verdict.ACCEPT, net.runHook(Hook.FORWARD, p));
            assertEquals(Verdict.DROP, net.runHook(Hook.POST_ROUTING, p));
        }
        assertEquals(0, net.count());
        assertEquals(1L, net.stats().get("insert_failed"));
    }

    @Test
    void aHelperLeavingBetweenTheHooks_isNotCalled_andTheConnectionIsNotConfirmedWithIt() {
        reg.addTracker(new PortTracker("udp"), IpProto.UDP, true, true, reg.localId(), 0, "test");
        List<Connection> helped = new ArrayList<>();
        AnnouncingHelper h = new AnnouncingHelper("announce", IpProto.UDP, 1, 30) {
            @Override
            public int help(Conntrack n, Packet pkt, int protoff, Connection ct, int ctinfo) {
                helped.add(ct);
                return Verdict.ACCEPT;
            }
        };
        reg.addHelper(h, reg.localId(), 0, "test");
        Packet p = firstHalf(1000);
        assertTrue(net.assignHelper(p.ct, h));
        reg.removeHelper(h);
        assertEquals(Verdict.DROP, net.runHook(Hook.POST_ROUTING, p));
        assertEquals(List.of(), helped, "the departed helper was called");
        assertEquals(0, net.count());
        assertEquals(1L, net.stats().get("insert_failed"));
        // with the helper registered the same steps confirm (the helper is called once)
        reg.addHelper(h, reg.localId(), 0, "test");
        Packet q = firstHalf(1001);
        assertTrue(net.assignHelper(q.ct, h));
        assertEquals(Verdict.ACCEPT, net.runHook(Hook.POST_ROUTING, q));
        assertEquals(1, helped.size());
        assertEquals(1, net.count());
    }

    @Test
    void natLeavingBetweenTheHooks_theBoundConnectionIsNotConfirmed() {
        reg.addTracker(new PortTracker("udp"), IpProto.UDP, true, true, reg.localId(), 0, "test");
        Registration nat = fakeNat();
        Packet p = firstHalf(1000);
        p.ct.setStatus(Status.SRC_NAT_DONE);
        nat.close();
        assertEquals(Verdict.DROP, net.runHook(Hook.POST_ROUTING, p));
        assertEquals(0, net.count());
        assertEquals(1L, net.stats().get("insert_failed"));
        assertEquals(List.of(), done, "NAT has gone: nothing left to tell it");
    }

    @Test
    void aDepartureBeforeTheFirstPacketChangesNothingForIt() {
        PortTracker t = new PortTracker("udp");
        reg.addTracker(t, IpProto.UDP, true, true, reg.localId(), 0, "test");
        AnnouncingHelper h = new AnnouncingHelper("announce", IpProto.UDP, 1, 30);
        reg.addHelper(h, reg.localId(), 0, "test");
        reg.removeHelper(h);
        assertEquals(Verdict.ACCEPT, forward(1000, false, false));
        assertEquals(1, net.count());
        assertEquals(0L, net.stats().get("insert_failed"));
    }
}
