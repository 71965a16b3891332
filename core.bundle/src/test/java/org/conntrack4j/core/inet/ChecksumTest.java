package org.conntrack4j.core.inet;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ChecksumTest {
    /** A UDP packet recorded in the kernel case "udp" (frame 2 of ingress.pcapng, IP part). */
    private static final String UDP_REPLY = "45000030cddc400040110698cb00710ac633640a"
        + "14e9a410001c2e7012348180616e73776572203139322e302e322e31";

    private static Packet packet(String hex) {
        byte[] b = HexFormat.of().parseHex(hex);
        Packet p = new Packet();
        p.load(b, 0, b.length, 0);
        return p;
    }

    @Test
    void ipv4HeaderChecksumIsRecomputedExactly() {
        Packet p = packet("4500001c000000000011" + "0000" + "0a0101010a010102" + "0001000200080000");
        p.put16(10, Checksum.ipv4Header(p));
        assertNull(IpHeaders.validate(p));
        p.put8(8, 5);
        assertEquals("ipv4: bad header checksum", IpHeaders.validate(p));
    }

    @Test
    void incrementalUpdateEqualsFullRecomputation() {
        Packet p = packet("4500001c000000004011" + "0000" + "0a0101010a010102");
        p.put16(10, Checksum.ipv4Header(p));
        int before = p.u16(10);
        int oldAddr = p.u32(12);
        p.put32(12, 0xcb007101);
        int inc = Checksum.replace32(before, oldAddr, 0xcb007101);
        assertEquals(Checksum.ipv4Header(p), inc);
        int ttlWord = p.u16(8);
        p.put8(8, 63);
        assertEquals(Checksum.replace16(inc, ttlWord, p.u16(8)), checksumAfter(p));
    }

    private static int checksumAfter(Packet p) {
        return Checksum.ipv4Header(p);
    }

    @Test
    void l4ChecksumValidationDetectsCorruption() {
        Packet p = packet("45000025000000004011000002020202030303030035003500110000" + "6162636465666768690a");
        p.put16(10, Checksum.ipv4Header(p));
        p.family = Family.IPV4;
        p.put16(26, Checksum.computeL4(p, 20, IpProto.UDP, 26));
        assertTrue(Checksum.l4Valid(p, 20, IpProto.UDP));
        p.put8(30, 'X');
        assertFalse(Checksum.l4Valid(p, 20, IpProto.UDP));
    }

    @Test
    void ipHeadersAreTrimmedToTheirTotalLength() {
        Packet p = packet("4500001c000000004011" + "0000" + "0a0101010a010102" + "0000000000000000" + "ffff");
        p.put16(10, Checksum.ipv4Header(p));
        assertNull(IpHeaders.validate(p));
        assertEquals(28, p.length());
        Packet q = packet("4500ffff000000004011" + "0000" + "0a0101010a010102");
        q.put16(10, Checksum.ipv4Header(q));
        assertTrue(IpHeaders.validate(q).startsWith("ipv4: total length 65535 beyond"));
        assertTrue(IpHeaders.validate(packet("4500")).startsWith("ipv4: truncated header"));
        assertTrue(IpHeaders.validate(packet("60000000")).startsWith("ipv6: truncated header"));
        assertTrue(IpHeaders.validate(packet("20000000")).startsWith("not IPv4 or IPv6"));
    }

    @Test
    void plainAndOptionedIpv4HeadersGiveTheSameAnswers() {
        // the 20-byte header is checked on a path of its own: every answer must be that of the general checks
        Packet p = packet("4500001c000000004011" + "0000" + "0a0101010a010102" + "0001000200080000");
        p.put16(10, Checksum.ipv4Header(p));
        assertNull(IpHeaders.validate(p));
        assertEquals(org.conntrack4j.core.api.Family.IPV4, p.family);
        Packet o = packet("4600002000000000401100000a0101010a01010201010100" + "0001000200080000");
        o.put16(10, Checksum.ipv4Header(o));
        assertNull(IpHeaders.validate(o));
        assertEquals(32, o.length());
        Packet shortTotal = packet("45000013000000004011" + "0000" + "0a0101010a010102" + "0001000200080000");
        shortTotal.put16(10, Checksum.ipv4Header(shortTotal));
        assertEquals("ipv4: total length 19 below header length 20", IpHeaders.validate(shortTotal));
        Packet badSum = packet("4500001c000000004011" + "0000" + "0a0101010a010102" + "0001000200080000");
        badSum.put16(10, Checksum.ipv4Header(badSum) ^ 1);
        assertEquals("ipv4: bad header checksum", IpHeaders.validate(badSum));
        assertEquals("ipv4: truncated header (19 bytes)", IpHeaders.validate(packet("4500001c000000004011" + "0000"
            + "0a0101010a0101")));
    }

    @Test
    void foldGivesTheSixteenBitSumOfAnyLong() {
        java.util.Random r = new java.util.Random(11);
        long[] edges = {0, 1, 0xffff, 0x10000, 0xffffffffL, 0x100000000L, 0x1ffffffffL, -1L, Long.MIN_VALUE,
            Long.MAX_VALUE, 0xffff0000ffffL, 0xffffffff00000000L};
        for (int i = 0; i < edges.length + 10_000; i++) {
            long v = i < edges.length ? edges[i] : r.nextLong() >>> r.nextInt(64);
            // the definition: the sum's 16-bit words added with end-around carry until 16 bits remain
            long ref = v;
            while ((ref >>> 16) != 0) {
                ref = (ref & 0xffff) + (ref >>> 16);
            }
            assertEquals(ref, Checksum.fold(v), Long.toHexString(v));
        }
    }

    @Test
    void recordedUdpDatagramVerifies() {
        Packet p = packet(UDP_REPLY);
        assertNull(IpHeaders.validate(p));
        assertTrue(Checksum.l4Valid(p, 20, IpProto.UDP));
    }

    @Test
    void wideSummationEqualsSixteenBitSummationForEveryLengthAndAlignment() {
        java.util.Random r = new java.util.Random(7);
        byte[] b = new byte[300];
        r.nextBytes(b);
        Packet p = new Packet();
        p.load(b, 0, b.length, 3);
        for (int off = 0; off < 9; off++) {
            for (int n = 0; n < 280; n++) {
                long naive = 0;
                for (int i = 0; i + 1 < n; i += 2) {
                    naive += (p.u8(off + i) << 8) | p.u8(off + i + 1);
                }
                if ((n & 1) != 0) {
                    naive += p.u8(off + n - 1) << 8;
                }
                assertEquals(Checksum.fold(naive), Checksum.fold(Checksum.add(p, off, n, 0)), "off " + off + " n " + n);
            }
        }
    }
}
