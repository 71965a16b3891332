package org.conntrack4j.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.junit.jupiter.api.Test;

/** The kit's packets pass the core's IP checks with right checksums, and read back what was written. */
class PacketsTest {
    @Test
    void everyTransportGetsItsChecksumInBothFamilies() {
        for (String[] a : new String[][] {{"198.51.100.10", "203.0.113.10"}, {"2001:db8:1::10", "2001:db8:2::10"}}) {
            byte[][] all = {
                Packets.udp(a[0], 40000, a[1], 53, Packets.ascii("q")),
                Packets.tcp(a[0], 40000, a[1], 80, 1000, 0, Packets.SYN, new byte[0]),
                Packets.ip(a[0], a[1], IpProto.TCP, Packets.tcp(40000, 80).flags("SA").options(Packets.mss(1460),
                    Packets.wscale(7), Packets.sackPermitted()).data(10).bytes()),
                Packets.echo(a[0], a[1], true, 7, 1),
                Packets.sctp(a[0], 40001, a[1], 3868, 0, Packets.sctpChunk(1, 0, new byte[16])),
            };
            for (byte[] p : all) {
                assertTrue(Packets.checksumsOk(p), a[0] + " proto " + Packets.proto(p));
                assertEquals(a[0], Packets.src(p));
                assertEquals(a[1], Packets.dst(p));
                assertEquals(p.length, Packets.packet(p).length(), "passes the IP layer's checks");
            }
        }
    }

    @Test
    void fieldsReadBack() {
        byte[] p = Packets.tcp("198.51.100.10", 40000, "203.0.113.10", 80, 1000, 2000, Packets.PSH | Packets.ACK,
            Packets.ascii("USER x\r\n"));
        assertEquals(40000, Packets.sport(p));
        assertEquals(80, Packets.dport(p));
        assertEquals(1000, Packets.seq(p));
        assertEquals(2000, Packets.ack(p));
        assertEquals("USER x\r\n", Packets.tcpPayload(p));
        assertEquals(p.length, Packets.ipLength(p));
        byte[] err = Packets.icmpError("203.0.113.1", "198.51.100.10", 3, 3, p, 28);
        assertArrayEquals(java.util.Arrays.copyOf(p, 28), Packets.inner(err));
        assertTrue(Packets.checksumsOk(err));
    }

    @Test
    void spoiltChecksumsAndFragmentsAreAsAsked() {
        byte[] bad = Packets.ip("198.51.100.10", "203.0.113.10").payload(IpProto.UDP, Packets.udp(1, 2, new byte[3]))
            .badChecksum().build();
        assertTrue(Packets.ipHeaderOk(bad));
        assertFalse(Packets.l4ChecksumOk(bad));
        byte[] frag = Packets.ip("198.51.100.10", "203.0.113.10").id(7).fragment(0x2000)
            .payload(IpProto.UDP, Packets.udp(1, 2, new byte[16])).build();
        assertEquals(0x2000, Packets.u16(frag, 6));
        assertEquals(0, Packets.u16(frag, 26), "a fragment's transport checksum is left alone");
        assertEquals(0x4000, Packets.u16(Packets.ip("198.51.100.10", "203.0.113.10").df()
            .payload(IpProto.UDP, Packets.udp(1, 2, new byte[0])).build(), 6));
    }

    @Test
    void ipv6ExtensionHeadersPrecedeTheTransport() {
        byte[] hop = {(byte) IpProto.UDP, 0, 0, 0, 0, 0, 0, 0};
        byte[] p = Packets.ip("2001:db8:1::10", "2001:db8:2::10")
            .payload(0, Packets.concat(hop, Packets.udp(40000, 53, new byte[4])), IpProto.UDP, 8).build();
        try (Rig rig = new Rig(new Plugins())) {
            Packet seen = rig.forward(p).packet;
            assertEquals(IpProto.UDP, seen.l4proto, "conntrack found the transport behind the hop-by-hop header");
            assertEquals(48, seen.l4off);
        }
        assertTrue(Packets.checksumsOk(p) || !Packets.l4ChecksumOk(p), "the checksum is the UDP header's at 48");
    }

    @Test
    void badInputIsNamed() {
        assertThrows(IllegalArgumentException.class, () -> Packets.ip("198.51.100.10", "2001:db8::1"));
        assertEquals("TCP flag X", assertThrows(IllegalArgumentException.class, () -> Packets.flagBits("SX"))
            .getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Packets.packet(new byte[] {0x45, 0, 0, 10}));
        assertTrue(e.getMessage().startsWith("not a valid IP packet: "), e.getMessage());
    }
}
