package org.conntrack4j.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.junit.jupiter.api.Test;

/** Destination NAT and redirect: port forwarding, ranges, and replies translated back. */
class DestinationNatTest {
    private static final String W = "203.0.113.30";
    private static final String R = "203.0.113.1";
    private static final String L = "198.51.100.20";

    private final NatRig rig = new NatRig();

    @Test
    void aPortForwardRewritesTheDestinationAndRepliesComeFromTheRouter() {
        rig.dnat("wan", NatRig.to4(L, 80, 80, 0));
        NatRig.Fwd syn = rig.forward(Pkts.tcp(W, 40828, R, 8080, 100, 0, Pkts.SYN, ""), rig.wan);
        assertEquals("new/original", syn.state());
        assertEquals(rig.lan, syn.out, "routed after DNAT");
        assertEquals(L, Pkts.dst(syn.bytes));
        assertEquals(80, Pkts.dport(syn.bytes));
        assertTrue(Pkts.ipHeaderOk(syn.bytes) && Pkts.l4Ok(syn.bytes));
        assertTrue(syn.ct.hasStatus(Status.DST_NAT));
        assertEquals("ipv4     2 tcp      6 120 SYN_SENT src=203.0.113.30 dst=203.0.113.1 sport=40828 dport=8080 "
            + "[UNREPLIED] src=198.51.100.20 dst=203.0.113.30 sport=80 dport=40828 mark=0 use=1", rig.line(syn.ct));
        NatRig.Fwd synAck = rig.forward(Pkts.tcp(L, 80, W, 40828, 900, 101, Pkts.SYN | Pkts.ACK, ""), rig.lan);
        assertEquals("established/reply", synAck.state());
        assertEquals(R, Pkts.src(synAck.bytes));
        assertEquals(8080, Pkts.sport(synAck.bytes));
        assertEquals(W, Pkts.dst(synAck.bytes));
        assertTrue(Pkts.ipHeaderOk(synAck.bytes) && Pkts.l4Ok(synAck.bytes));
        assertEquals("dnat to 198.51.100.20:80", rig.nat.origin(syn.ct, NatManip.DST));
    }

    @Test
    void aDestinationPortRangeStartsAtItsFirstFreePort() {
        rig.dnat("wan", NatRig.to4(L, 8000, 8010, 0));
        NatRig.Fwd a = rig.forward(Pkts.udp(W, 5000, R, 7000, "a", true), rig.wan);
        assertEquals(8000, Pkts.dport(a.bytes));
        NatRig.Fwd b = rig.forward(Pkts.udp("203.0.113.31", 5000, R, 7000, "b", true), rig.wan);
        assertEquals(8000, Pkts.dport(b.bytes), "another client: the tuple is unique with the first port");
        NatRig.Fwd c = rig.forward(Pkts.udp(W, 5000, R, 7001, "c", true), rig.wan);
        assertEquals(8001, Pkts.dport(c.bytes), "same client and port: the next one, searched from the start");
        NatRig.Fwd kept = rig.forward(Pkts.udp(W, 5001, R, 8005, "d", true), rig.wan);
        assertEquals(8005, Pkts.dport(kept.bytes), "a port already in the range is kept");
    }

    @Test
    void withoutAPortTheDestinationPortIsKept() {
        rig.dnat("wan", NatRig.to4(L, -1, -1, 0));
        NatRig.Fwd a = rig.forward(Pkts.tcp(W, 1000, R, 22, 1, 0, Pkts.SYN, ""), rig.wan);
        assertEquals(L, Pkts.dst(a.bytes));
        assertEquals(22, Pkts.dport(a.bytes));
    }

    @Test
    void anAddressRangePicksTheKernelsAddressPerClient() {
        // As the kernel picked them: testdata/probes/nat/range_dnat4.
        rig.dnat("wan", NatRig.range4("198.51.100.30", "198.51.100.40", -1, -1, 0));
        assertEquals("198.51.100.37", Pkts.dst(rig.forward(Pkts.udp("203.0.113.10", 5000, R, 7000, "x", true),
            rig.wan).bytes));
        assertEquals("198.51.100.33", Pkts.dst(rig.forward(Pkts.udp("203.0.113.11", 5000, R, 7000, "x", true),
            rig.wan).bytes));
        assertEquals("198.51.100.39", Pkts.dst(rig.forward(Pkts.udp("203.0.113.77", 5001, R, 7000, "x", true),
            rig.wan).bytes));
    }

    @Test
    void ipv6PortForward() {
        long[] l6 = AddressRangeTest.address("2001:db8:1::20");
        rig.dnat("wan", NatRange.to(Family.IPV6, l6[0], l6[1], 8080, 8080, 0));
        NatRig.Fwd f = rig.forward(Pkts.tcp("2001:db8:2::30", 5555, "2001:db8:2::1", 80, 7, 0, Pkts.SYN, ""), rig.wan);
        assertEquals("2001:db8:1::20", Pkts.dst(f.bytes));
        assertEquals(8080, Pkts.dport(f.bytes));
        assertTrue(Pkts.l4Ok(f.bytes));
        NatRig.Fwd r = rig.forward(Pkts.tcp("2001:db8:1::20", 8080, "2001:db8:2::30", 5555, 9, 8,
            Pkts.SYN | Pkts.ACK, ""), rig.lan);
        assertEquals("2001:db8:2::1", Pkts.src(r.bytes));
        assertEquals(80, Pkts.sport(r.bytes));
        assertTrue(Pkts.l4Ok(r.bytes));
    }

    @Test
    void redirectSendsToTheAddressOfTheIncomingInterface() {
        rig.chain(Hook.PRE_ROUTING, p -> p.in == rig.lan ? rig.nat.redirect(p, NatRange.ports(3128, 3128, 0),
            "redirect to :3128") : Verdict.ACCEPT);
        NatRig.Fwd f = rig.forward(Pkts.tcp("198.51.100.10", 41000, "203.0.113.10", 80, 1, 0, Pkts.SYN, ""), rig.lan);
        assertEquals("198.51.100.1", Pkts.dst(f.bytes));
        assertEquals(3128, Pkts.dport(f.bytes));
        assertEquals(null, f.out, "delivered locally");
        NatRig.Fwd f6 = rig.forward(Pkts.tcp("2001:db8:1::10", 41000, "2001:db8:2::10", 80, 1, 0, Pkts.SYN, ""),
            rig.lan);
        assertEquals("2001:db8:1::1", Pkts.dst(f6.bytes));
        assertEquals(3128, Pkts.dport(f6.bytes));
    }

    @Test
    void redirectOfLocalPacketsGoesToLoopback() {
        rig.chain(Hook.LOCAL_OUT, p -> rig.nat.redirect(p, NatRange.ports(-1, -1, 0), "redirect"));
        NatRig.Fwd f = rig.output(Pkts.udp("203.0.113.1", 5353, "203.0.113.10", 53, "q", true));
        assertEquals("127.0.0.1", Pkts.dst(f.bytes));
        assertEquals(53, Pkts.dport(f.bytes));
        NatRig.Fwd f6 = rig.output(Pkts.udp("2001:db8:2::1", 5353, "2001:db8:2::10", 53, "q", true));
        assertEquals("::1", Pkts.dst(f6.bytes));
    }
}
