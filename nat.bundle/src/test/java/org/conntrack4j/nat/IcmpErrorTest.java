package org.conntrack4j.nat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.NatRange;
import org.junit.jupiter.api.Test;

/**
 * ICMP errors about NATed connections ({@code nf_nat_icmp_reply_translation}): the outer header is translated like
 * the connection's packets, the quoted packet the opposite way, and every checksum still verifies.
 */
class IcmpErrorTest {
    private final NatRig rig = new NatRig();

    @Test
    void portUnreachableFromTheServerReachesTheMasqueradedClient() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        for (String[] a : new String[][] {{"198.51.100.10", "198.51.100.11", "203.0.113.10", "203.0.113.1", "3", "3"},
            {"2001:db8:1::10", "2001:db8:1::11", "2001:db8:2::10", "2001:db8:2::1", "1", "4"}}) {
            rig.forward(Pkts.udp(a[0], 40000, a[2], 9000, "first", true), rig.lan);
            // The second client's flow clashes: its port is moved, so the quote's port must be translated too.
            NatRig.Fwd out = rig.forward(Pkts.udp(a[1], 40000, a[2], 9000, "second", true), rig.lan);
            int port = Pkts.sport(out.bytes);
            assertNotEquals(40000, port);
            byte[] error = Pkts.error(a[2], a[3], Integer.parseInt(a[4]), Integer.parseInt(a[5]), out.bytes, 1000);
            NatRig.Fwd e = rig.forward(error, rig.wan);
            assertEquals("related/reply", e.state());
            assertEquals(Verdict.ACCEPT, e.verdict);
            assertEquals(a[2], Pkts.src(e.bytes));
            assertEquals(a[1], Pkts.dst(e.bytes), "outer destination: the LAN client");
            byte[] inner = Pkts.inner(e.bytes);
            assertEquals(a[1], Pkts.src(inner), "quoted source: the LAN client");
            assertEquals(40000, Pkts.sport(inner));
            assertEquals(a[2], Pkts.dst(inner));
            assertEquals(9000, Pkts.dport(inner));
            assertTrue(Pkts.ipHeaderOk(e.bytes) && Pkts.l4Ok(e.bytes), "outer checksums");
            assertTrue(Pkts.ipHeaderOk(inner) && Pkts.l4Ok(inner), "quoted checksums");
        }
    }

    @Test
    void timeExceededFromAHopOnTheWayQuotingEightBytesOfTcp() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        rig.forward(Pkts.tcp("198.51.100.11", 5555, "203.0.113.10", 80, 1, 0, Pkts.SYN, ""), rig.lan);
        NatRig.Fwd out = rig.forward(Pkts.tcp("198.51.100.10", 5555, "203.0.113.10", 80, 1000, 0, Pkts.SYN, ""),
            rig.lan);
        int port = Pkts.sport(out.bytes);
        assertNotEquals(5555, port);
        byte[] error = Pkts.error("203.0.113.99", "203.0.113.1", 11, 0, out.bytes, 28);
        NatRig.Fwd e = rig.forward(error, rig.wan);
        assertEquals("related/reply", e.state());
        byte[] inner = Pkts.inner(e.bytes);
        assertEquals(28, inner.length);
        assertEquals("198.51.100.10", Pkts.src(inner));
        assertEquals(5555, Pkts.sport(inner));
        assertEquals("198.51.100.10", Pkts.dst(e.bytes));
        assertEquals(1000, (int) Pkts.u32(inner, 24), "the sequence number is untouched");
        assertTrue(Pkts.ipHeaderOk(inner) && Pkts.l4Ok(e.bytes) && Pkts.ipHeaderOk(e.bytes));
    }

    @Test
    void anErrorFromTheForwardedServerLeavesFromTheRouter() {
        rig.dnat("wan", NatRig.to4("198.51.100.20", 5353, 5353, 0));
        NatRig.Fwd in = rig.forward(Pkts.udp("203.0.113.30", 5000, "203.0.113.1", 53, "query", true), rig.wan);
        assertEquals("198.51.100.20", Pkts.dst(in.bytes));
        byte[] error = Pkts.error("198.51.100.20", "203.0.113.30", 3, 3, in.bytes, 1000);
        NatRig.Fwd e = rig.forward(error, rig.lan);
        assertEquals("related/reply", e.state());
        assertEquals("203.0.113.1", Pkts.src(e.bytes));
        assertEquals("203.0.113.30", Pkts.dst(e.bytes));
        byte[] inner = Pkts.inner(e.bytes);
        assertEquals("203.0.113.1", Pkts.dst(inner));
        assertEquals(53, Pkts.dport(inner));
        assertEquals("203.0.113.30", Pkts.src(inner));
        assertTrue(Pkts.l4Ok(e.bytes) && Pkts.ipHeaderOk(e.bytes) && Pkts.ipHeaderOk(inner) && Pkts.l4Ok(inner));
    }

    @Test
    void anErrorAboutAConnectionWithoutNatPassesUnchanged() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        NatRig.Fwd in = rig.forward(Pkts.udp("203.0.113.30", 5000, "198.51.100.20", 53, "q", true), rig.wan);
        byte[] error = Pkts.error("198.51.100.20", "203.0.113.30", 3, 3, in.bytes, 1000);
        NatRig.Fwd e = rig.forward(error, rig.lan);
        assertEquals("related/reply", e.state());
        // Only forwarding's TTL decrement (and the header checksum with it) differs.
        assertEquals(error[8] - 1, e.bytes[8]);
        assertTrue(Pkts.ipHeaderOk(e.bytes));
        e.bytes[8] = error[8];
        e.bytes[10] = error[10];
        e.bytes[11] = error[11];
        assertArrayEquals(error, e.bytes);
    }

    @Test
    void aRedirectAboutANatedConnectionIsDropped() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        NatRig.Fwd out = rig.forward(Pkts.udp("198.51.100.10", 40000, "203.0.113.10", 9000, "x", true), rig.lan);
        byte[] redirect = Pkts.error("203.0.113.99", "203.0.113.1", 5, 1, out.bytes, 28);
        Pkts.put32(redirect, 24, (int) NatRig.ip4("203.0.113.98"));
        redirect = fixIcmp(redirect);
        NatRig.Fwd e = rig.forward(redirect, rig.wan);
        assertEquals("related/reply", e.state());
        assertEquals(Verdict.DROP, e.verdict);
    }

    @Test
    void anErrorWithABadChecksumIsDropped() {
        rig.net.settings().set("nf_conntrack_checksum", 0);
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        NatRig.Fwd out = rig.forward(Pkts.udp("198.51.100.10", 40000, "203.0.113.10", 9000, "x", true), rig.lan);
        byte[] error = Pkts.error("203.0.113.10", "203.0.113.1", 3, 3, out.bytes, 1000);
        error[22] ^= 0x40;
        NatRig.Fwd e = rig.forward(error, rig.wan);
        assertEquals("related/reply", e.state(), "conntrack did not check it");
        assertEquals(Verdict.DROP, e.verdict);
    }

    private static byte[] fixIcmp(byte[] b) {
        Pkts.put16(b, 22, 0);
        long s = 0;
        for (int i = 20; i + 1 < b.length; i += 2) {
            s += Pkts.u16(b, i);
        }
        if ((b.length & 1) == 1) {
            s += (b[b.length - 1] & 0xff) << 8;
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        Pkts.put16(b, 22, (int) ~s & 0xffff);
        return b;
    }
}
