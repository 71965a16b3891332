package org.conntrack4j.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatRange;
import org.junit.jupiter.api.Test;

/**
 * The by-source table forgets dead connections: at once those the engine reports (destroyed ones, and ones whose
 * first packet a hook dropped before confirmation), and the ones nobody reports within one round of insertions over
 * the table.
 */
class BySourceTest {
    private final NatLab lab = new NatLab();
    private final ManualClock clock = new ManualClock(250);
    private final Conntrack net;
    private final NatEngine nat;
    private boolean dropBeforeConfirm;
    private final NetDevice lan;
    private final NetDevice wan;

    BySourceTest() {
        clock.setWallNanos(1_000_000_000_000L);
        // The smallest by-source table: 256 chains.
        net = lab.engine("bysource", clock, Map.of("nf_conntrack_buckets", "256"));
        NatRig probe = new NatRig();
        lan = probe.lan;
        wan = probe.wan;
        nat = (NatEngine) net.services().extension(Nat.class);
        nat.registerChain(Family.INET, Hook.POST_ROUTING, 100, p -> nat.masquerade(p, NatRange.ports(-1, -1, 0), "m"),
            "test");
        net.packets().registerHook(Family.INET, Hook.POST_ROUTING, 200, p -> dropBeforeConfirm ? Verdict.DROP : Verdict.ACCEPT,
            "test drop");
    }

    private Packet packet(int i) {
        byte[] b = Pkts.udp("198.51.100." + (10 + i % 200), 1024 + i, "203.0.113.10", 53, "q", true);
        Packet p = new Packet();
        p.load(b, 0, b.length, 0);
        IpHeaders.validate(p);
        p.in = lan;
        return p;
    }

    private void send(int i) {
        Packet p = packet(i);
        net.packets().runHook(Hook.PRE_ROUTING, p);
        p.out = wan;
        net.packets().runHook(Hook.POST_ROUTING, p);
    }

    @Test
    void destroyedConnectionsLeaveTheTableAtOnce() {
        for (int i = 0; i < 100; i++) {
            send(i);
        }
        assertEquals(100, nat.bySourceSize());
        net.table().delete(null);
        assertEquals(0, nat.bySourceSize());
        for (int i = 1000; i < 1300; i++) {
            send(i);
        }
        assertEquals(300, nat.bySourceSize());
        assertEquals(300, net.table().count());
    }

    @Test
    void connectionsWhoseFirstPacketAHookDroppedLeaveTheTableAtOnce() {
        dropBeforeConfirm = true;
        for (int i = 0; i < 50; i++) {
            send(i);
        }
        assertEquals(0, net.table().count());
        assertEquals(0, nat.bySourceSize());
    }

    @Test
    void unreportedDeadEntriesLeaveWithinOneRoundOfInsertions() {
        // conntrack and masquerade by hand, then the caller drops the packet: the engine never learns of it
        for (int i = 0; i < 50; i++) {
            Packet p = packet(i);
            p.hook = Hook.POST_ROUTING;
            net.packets().in(p);
            p.out = wan;
            assertEquals(Verdict.ACCEPT, nat.masquerade(p, NatRange.ports(-1, -1, 0), "m"));
        }
        assertEquals(0, net.table().count());
        assertEquals(50, nat.bySourceSize());
        clock.setWallNanos(clock.wallNanos() + 2_000_000_000L);
        for (int i = 1000; i < 1300; i++) {
            send(i);
        }
        assertEquals(300, nat.bySourceSize());
    }
}
