package org.conntrack4j.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conntrack4j.core.nat.NatRange;
import org.junit.jupiter.api.Test;

/**
 * The replay-side renaming of a NAT port the recorded kernel picked at random ({@link org.conntrack4j.replay.run.RecordedPortAdoption}):
 * replies and ICMP errors sent to the kernel's port reach the flow that got another port here.
 */
class KernelPortAdoptionTest {
    @Test
    void repliesAndErrorsForTheKernelsPortReachTheFlow() {
        NatRig rig = new NatRig();
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        org.conntrack4j.replay.run.RecordedPortAdoption.install(rig.net, rig.devices);
        rig.forward(Pkts.udp("198.51.100.10", 40000, "203.0.113.10", 9000, "a", true), rig.lan);
        NatRig.Fwd b = rig.forward(Pkts.udp("198.51.100.11", 40000, "203.0.113.10", 9000, "b", true), rig.lan);
        int ours = Pkts.sport(b.bytes);
        int kernels = ours == 33333 ? 33334 : 33333;
        assertNotEquals(40000, ours);

        NatRig.Fwd reply = rig.forward(Pkts.udp("203.0.113.10", 9000, "203.0.113.1", kernels, "r", true), rig.wan);
        assertEquals("established/reply", reply.state());
        assertEquals("198.51.100.11", Pkts.dst(reply.bytes));
        assertEquals(40000, Pkts.dport(reply.bytes));
        assertTrue(Pkts.l4Ok(reply.bytes));

        // The kernel's datagram as the server got it, quoted in a port unreachable.
        byte[] sent = Pkts.udp("203.0.113.1", kernels, "203.0.113.10", 9000, "b", true);
        NatRig.Fwd error = rig.forward(Pkts.error("203.0.113.10", "203.0.113.1", 3, 3, sent, 1000), rig.wan);
        assertEquals("related/reply", error.state());
        byte[] inner = Pkts.inner(error.bytes);
        assertEquals("198.51.100.11", Pkts.src(inner));
        assertEquals(40000, Pkts.sport(inner));
        assertTrue(Pkts.l4Ok(error.bytes) && Pkts.l4Ok(inner));
    }
    @Test
    void twoFlowsGivenOnePortHereAreAdoptedEachUnderTheirOwnKernelPort() {
        // A one-port range: the engine gives both flows (to different server ports) port 20000, where the
        // recording kernel had picked 20016 and 20006. Each reply must still find its flow.
        NatRig rig = new NatRig();
        rig.snat("wan", NatRig.to4("203.0.113.1", 20000, 20000, 0));
        org.conntrack4j.replay.run.RecordedPortAdoption.install(rig.net, rig.devices);
        NatRig.Fwd a = rig.forward(Pkts.udp("198.51.100.10", 35600, "203.0.113.10", 7006, "a", true), rig.lan);
        NatRig.Fwd b = rig.forward(Pkts.udp("198.51.100.11", 35601, "203.0.113.10", 7007, "b", true), rig.lan);
        assertEquals(20000, Pkts.sport(a.bytes));
        assertEquals(20000, Pkts.sport(b.bytes));

        NatRig.Fwd ra = rig.forward(Pkts.udp("203.0.113.10", 7006, "203.0.113.1", 20016, "ra", true), rig.wan);
        assertEquals("established/reply", ra.state());
        assertEquals("198.51.100.10", Pkts.dst(ra.bytes));
        NatRig.Fwd rb = rig.forward(Pkts.udp("203.0.113.10", 7007, "203.0.113.1", 20006, "rb", true), rig.wan);
        assertEquals("established/reply", rb.state());
        assertEquals("198.51.100.11", Pkts.dst(rb.bytes));
        assertEquals(35601, Pkts.dport(rb.bytes));
        assertTrue(Pkts.l4Ok(rb.bytes));
    }
}
