package org.conntrack4j.io.afpacket;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OffloadTest {

    @Test
    void partialUdpChecksumIsCompletedAsTheHardwareWould() {
        byte[] whole = Frames.udp4(37);
        byte[] partial = whole.clone();
        // what the stack leaves for the device: the folded pseudo-header sum in the field
        Offload.put16(partial, 40, Offload.fold(Offload.pseudoHeader(partial, 14, false, 17, 45)));
        assertTrue(Offload.completeChecksum(partial, 0, partial.length, 34, 6));
        assertArrayEquals(whole, partial);
        assertTrue(Frames.l4valid(partial, 0, 14, false, 17, 34, 45));
    }

    @Test
    void partialChecksumOutsideTheFrameIsRefused() {
        byte[] f = Frames.udp4(10);
        assertFalse(Offload.completeChecksum(f, 0, f.length, f.length - 1, 6));
        assertFalse(Offload.completeChecksum(f, 0, f.length, 10, 0));
    }

    @Test
    void tcp4SuperFrameIsCutIntoMssSegmentsWithTheirOwnHeaders() {
        int payload = 2500;
        byte[] big = Frames.tcp4(payload, 1000, 0x19, true, 77); // FIN|PSH|ACK, with options
        Offload o = new Offload();
        assertTrue(o.prepare(big, 0, big.length, Offload.GSO_TCPV4, 1000));
        assertEquals(3, o.segments());
        assertEquals(14 + 20 + 32 + 1000, o.longestSegment());
        byte[] out = new byte[3 * 2048];
        for (int i = 0; i < 3; i++) {
            int at = i * 2048;
            int n = o.writeSegment(i, out, at);
            int seg = i < 2 ? 1000 : 500;
            assertEquals(14 + 20 + 32 + seg, n);
            assertEquals(20 + 32 + seg, Offload.u16(out, at + 16), "IPv4 total length");
            assertEquals(77 + i, Offload.u16(out, at + 18), "IPv4 id");
            assertTrue(Frames.ipv4valid(out, at));
            assertEquals(1000 + i * 1000, Offload.u32(out, at + 38), "sequence number");
            int flags = out[at + 47] & 0xff;
            assertEquals(i == 2 ? 0x19 : 0x10, flags, "FIN and PSH on the last segment only");
            assertTrue(Frames.l4valid(out, at, 14, false, 6, 34, 32 + seg));
            assertArrayEquals(Arrays.copyOfRange(big, 66 + i * 1000, 66 + i * 1000 + seg),
                    Arrays.copyOfRange(out, at + 66, at + 66 + seg));
            assertArrayEquals(Arrays.copyOfRange(big, 54, 66), Arrays.copyOfRange(out, at + 54, at + 66), "options");
        }
    }

    @Test
    void cwrStaysOnTheFirstSegmentOnly() {
        byte[] big = Frames.tcp4(300, 5, 0x90, false, 1); // CWR|ACK
        Offload o = new Offload();
        assertTrue(o.prepare(big, 0, big.length, Offload.GSO_TCPV4 | Offload.GSO_ECN, 100));
        byte[] out = new byte[4096];
        o.writeSegment(0, out, 0);
        assertEquals(0x90, out[47] & 0xff);
        o.writeSegment(1, out, 2048);
        assertEquals(0x10, out[2048 + 47] & 0xff);
    }

    @Test
    void tcp6SuperFrameWithDestinationOptionsIsSegmented() {
        byte[] big = Frames.l4v6(6, 60, 3000, 7, 0x18);
        Offload o = new Offload();
        assertTrue(o.prepare(big, 0, big.length, Offload.GSO_TCPV6, 1400));
        assertEquals(3, o.segments());
        byte[] out = new byte[2048];
        for (int i = 0; i < 3; i++) {
            int n = o.writeSegment(i, out, 0);
            int seg = Math.min(1400, 3000 - i * 1400);
            assertEquals(14 + 40 + 8 + 20 + seg, n);
            assertEquals(8 + 20 + seg, Offload.u16(out, 18), "IPv6 payload length");
            assertEquals(7 + i * 1400, Offload.u32(out, 62 + 4));
            assertTrue(Frames.l4valid(out, 0, 14, true, 6, 62, 20 + seg));
        }
    }

    @Test
    void udpL4SuperFrameBecomesDatagramsWithTheirLengths() {
        byte[] big = Frames.l4v6(17, 0, 2500, 0, 0);
        Offload o = new Offload();
        assertTrue(o.prepare(big, 0, big.length, Offload.GSO_UDP_L4, 1000));
        assertEquals(3, o.segments());
        byte[] out = new byte[2048];
        int n = o.writeSegment(2, out, 0);
        assertEquals(14 + 40 + 8 + 500, n);
        assertEquals(508, Offload.u16(out, 54 + 4), "UDP length");
        assertTrue(Frames.l4valid(out, 0, 14, true, 17, 54, 508));
        assertArrayEquals(Arrays.copyOfRange(big, 62 + 2000, 62 + 2500), Arrays.copyOfRange(out, 62, 62 + 500));
    }

    @Test
    void whatCannotBeUndoneIsRefused() {
        Offload o = new Offload();
        byte[] tcp = Frames.tcp4(3000, 1, 0x10, false, 1);
        assertFalse(o.prepare(tcp, 0, tcp.length, Offload.GSO_UDP, 1000), "UFO (IPv4 fragmentation)");
        assertFalse(o.prepare(tcp, 0, tcp.length, Offload.GSO_TCPV4, 0), "no gso_size");
        assertFalse(o.prepare(tcp, 0, tcp.length, Offload.GSO_TCPV6, 1000), "type and headers disagree");
        assertFalse(o.prepare(tcp, 0, tcp.length, Offload.GSO_UDP_L4, 1000), "UDP type on TCP");
        assertFalse(o.prepare(tcp, 0, 40, Offload.GSO_TCPV4, 1000), "truncated");
        byte[] routed = Frames.l4v6(6, 43, 3000, 1, 0x10);
        assertFalse(o.prepare(routed, 0, routed.length, Offload.GSO_TCPV6, 1000), "routing header");
        byte[] arp = new byte[60];
        Frames.eth(arp, 0x0806);
        assertFalse(o.prepare(arp, 0, 60, Offload.GSO_TCPV4, 1000), "not IP");
    }

    @Test
    void vlanTaggedSuperFrameKeepsItsTag() {
        byte[] plain = Frames.tcp4(200, 1, 0x10, false, 1);
        byte[] tagged = new byte[plain.length + 4];
        System.arraycopy(plain, 0, tagged, 0, 12);
        Offload.put16(tagged, 12, 0x8100);
        Offload.put16(tagged, 14, 42);
        System.arraycopy(plain, 12, tagged, 16, plain.length - 12);
        Offload o = new Offload();
        assertTrue(o.prepare(tagged, 0, tagged.length, Offload.GSO_TCPV4, 100));
        byte[] out = new byte[2048];
        int n = o.writeSegment(1, out, 0);
        assertEquals(18 + 20 + 20 + 100, n);
        assertEquals(42, Offload.u16(out, 14));
        assertTrue(Frames.l4valid(out, 0, 18, false, 6, 38, 120));
    }
}
