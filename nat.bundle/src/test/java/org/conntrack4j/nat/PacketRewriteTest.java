package org.conntrack4j.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.nat.NatRange;
import org.junit.jupiter.api.Test;

/** Packet rewriting: checksums, UDP's zero checksum, ICMP ids, IPv6 masquerade. */
class PacketRewriteTest {
    private final NatRig rig = new NatRig();

    PacketRewriteTest() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
    }

    @Test
    void aZeroUdpChecksumStaysZero() {
        NatRig.Fwd f = rig.forward(Pkts.udp("198.51.100.10", 40000, "203.0.113.10", 9000, "no checksum", false),
            rig.lan);
        assertEquals("203.0.113.1", Pkts.src(f.bytes));
        assertEquals(0, Pkts.u16(f.bytes, 26));
        NatRig.Fwd r = rig.forward(Pkts.udp("203.0.113.10", 9000, "203.0.113.1", 40000, "back", false), rig.wan);
        assertEquals(0, Pkts.u16(r.bytes, 26));
        assertEquals("198.51.100.10", Pkts.dst(r.bytes));
    }

    @Test
    void checksumsVerifyAfterTranslationBothWaysForIpv4AndIpv6() {
        for (String[] a : new String[][] {{"198.51.100.10", "203.0.113.10", "203.0.113.1"},
            {"2001:db8:1::10", "2001:db8:2::10", "2001:db8:2::1"}}) {
            NatRig.Fwd u = rig.forward(Pkts.udp(a[0], 40000, a[1], 9000, "odd length", true), rig.lan);
            NatRig.Fwd t = rig.forward(Pkts.tcp(a[0], 40000, a[1], 80, 1, 0, Pkts.SYN, ""), rig.lan);
            for (NatRig.Fwd f : new NatRig.Fwd[] {u, t}) {
                assertEquals(a[2], Pkts.src(f.bytes), "masquerade uses the wan address");
                assertTrue(Pkts.ipHeaderOk(f.bytes) && Pkts.l4Ok(f.bytes));
            }
            NatRig.Fwd ur = rig.forward(Pkts.udp(a[1], 9000, a[2], 40000, "x", true), rig.wan);
            NatRig.Fwd tr = rig.forward(Pkts.tcp(a[1], 80, a[2], 40000, 5, 2, Pkts.SYN | Pkts.ACK, ""), rig.wan);
            for (NatRig.Fwd f : new NatRig.Fwd[] {ur, tr}) {
                assertEquals("established/reply", f.state());
                assertEquals(a[0], Pkts.dst(f.bytes));
                assertTrue(Pkts.ipHeaderOk(f.bytes) && Pkts.l4Ok(f.bytes));
            }
        }
    }

    @Test
    void aBadChecksumStaysBadByTheSameAmount() {
        rig.net.settings().set("nf_conntrack_checksum", 0);
        byte[] in = Pkts.tcp("198.51.100.10", 40000, "203.0.113.10", 80, 1, 0, Pkts.SYN, "");
        int good = Pkts.u16(in, 36);
        Pkts.put16(in, 36, good ^ 0x0101);
        NatRig.Fwd f = rig.forward(in, rig.lan);
        assertEquals("new/original", f.state());
        assertFalse(Pkts.l4Ok(f.bytes));
        Packet p = Pkts.wrap(f.bytes);
        int correct = Checksum.computeL4(p, 20, 6, 36);
        assertEquals(correct ^ 0x0101, Pkts.u16(f.bytes, 36), "incremental update, as the kernel does");
    }

    @Test
    void clashingIcmpEchoIdsAreMovedAndRepliesGoBack() {
        for (String[] a : new String[][] {{"198.51.100.10", "198.51.100.11", "203.0.113.10", "203.0.113.1"},
            {"2001:db8:1::10", "2001:db8:1::11", "2001:db8:2::10", "2001:db8:2::1"}}) {
            NatRig.Fwd one = rig.forward(Pkts.echo(a[0], a[2], true, 77, 1), rig.lan);
            NatRig.Fwd two = rig.forward(Pkts.echo(a[1], a[2], true, 77, 1), rig.lan);
            int off = Pkts.l4off(one.bytes);
            assertEquals(77, Pkts.u16(one.bytes, off + 4), "a unique id is kept");
            int id = Pkts.u16(two.bytes, off + 4);
            assertNotEquals(77, id);
            assertTrue(Pkts.l4Ok(one.bytes) && Pkts.l4Ok(two.bytes));
            NatRig.Fwd reply = rig.forward(Pkts.echo(a[2], a[3], false, id, 1), rig.wan);
            assertEquals("established/reply", reply.state());
            assertEquals(a[1], Pkts.dst(reply.bytes));
            assertEquals(77, Pkts.u16(reply.bytes, off + 4));
            assertTrue(Pkts.l4Ok(reply.bytes));
        }
    }
}
