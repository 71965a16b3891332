package org.conntrack4j.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatRange;
import org.junit.jupiter.api.Test;

/** NAT coming and going, and connections bound to an interface that changes. */
class NatLifecycleTest {
    private final NatRig rig = new NatRig();

    @Test
    void removingNatDestroysBoundConnectionsAndKeepsTheOthers() {
        Nat first = rig.nat;
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        NatRig.Fwd bound = rig.forward(Pkts.udp("198.51.100.10", 40000, "203.0.113.10", 9000, "a", true), rig.lan);
        NatRig.Fwd plain = rig.forward(Pkts.udp("198.51.100.10", 40001, "198.51.100.30", 9000, "b", true), rig.lan);
        assertTrue(plain.ct.natState() != null && plain.ct.hasStatus(Status.SRC_NAT_DONE));
        rig.events.clear();

        rig.lab.natRegistration.close();
        assertNull(rig.net.services().extension(Nat.class));
        assertTrue(rig.net.packets().describeHooks(Family.IPV4).stream().noneMatch(h -> h.contains("nat")));
        assertTrue(bound.ct.isDying());
        assertEquals(List.of(plain.ct), rig.net.table().connections(null));
        assertEquals(1, rig.events.size());
        assertTrue(rig.events.get(0).startsWith("[DESTROY] ipv4     2 udp      17 30 src=198.51.100.10 dst=203.0.113.10"),
            rig.events.get(0));
        assertNull(plain.ct.natState(), "no reference to NAT's classes is left");
        assertEquals(0, plain.ct.status() & Status.SRC_NAT_DONE);
        assertThrows(IllegalStateException.class, () -> first.registerChain(Family.INET, Hook.POST_ROUTING,
            Priority.NAT_SRC, p -> Verdict.ACCEPT, "late"));

        // Without NAT the surviving connection goes on untranslated.
        NatRig.Fwd again = rig.forward(Pkts.udp("198.51.100.10", 40001, "198.51.100.30", 9000, "c", true), rig.lan);
        assertEquals(plain.ct, again.ct);

        rig.lab.plugins.addExtension(new NatComponent(), "nat");
        Nat second = rig.net.services().extension(Nat.class);
        assertNotNull(second);
        second.registerChain(Family.INET, Hook.POST_ROUTING, Priority.NAT_SRC,
            p -> p.out == rig.wan ? second.masquerade(p, NatRange.ports(-1, -1, 0), "again") : Verdict.ACCEPT,
            "test masquerade");
        NatRig.Fwd fresh = rig.forward(Pkts.udp("198.51.100.10", 40000, "203.0.113.10", 9000, "d", true), rig.lan);
        assertEquals("new/original", fresh.state());
        assertEquals("203.0.113.1", Pkts.src(fresh.bytes));
        assertEquals("again", second.origin(fresh.ct, 0));
    }

    @Test
    void closingTheEngineDetachesNat() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        rig.net.close();
        assertNull(rig.net.services().extension(Nat.class));
    }

    @Test
    void aMasqueradedConnectionLeavingByAnotherInterfaceIsDestroyed() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        NatRig.Fwd f = rig.forward(Pkts.udp("198.51.100.10", 40000, "203.0.113.10", 9000, "a", true), rig.lan);
        assertEquals(rig.wan, f.out);
        Connection ct = f.ct;
        // The route to the server moves to wan2 (nf_nat_oif_changed).
        rig.devices = (List.of(rig.lan, NatRig.device("wan", 2, "203.0.112.1", 24, "2001:db8:9::1", 64),
            NatRig.device("wan2", 3, "203.0.113.2", 24, "2001:db8:3::1", 64)));
        NatRig.Fwd moved = rig.forward(Pkts.udp("198.51.100.10", 40000, "203.0.113.10", 9000, "b", true), rig.lan);
        assertEquals("wan2", moved.out.name());
        assertEquals(Verdict.DROP, moved.verdict);
        assertTrue(ct.isDying());
    }
}
