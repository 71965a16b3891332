package org.conntrack4j.io.afpacket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Super-frames kept whole: the full checksum a received one gets, the virtio_net_hdr and partial checksum a sent one
 * carries (after NAT rewrote its addresses and ports), and that the kernel's per-segment fix-up of that partial
 * checksum (tcp_gso_segment / __udp_gso_segment: the whole length in the pseudo-header swapped for the segment's)
 * yields each segment's right checksum.
 */
class VnetHeaderTest {

    private static int le16(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
    }

    /** One's complement add of 16-bit values. */
    private static int add(int a, int b) {
        return Offload.fold((long) a + b);
    }

    @Test
    void aReceivedSuperFrameGetsAChecksumOverAllOfIt() {
        byte[] f = Frames.tcp4(5000, 1, 0x18, true, 9);
        Offload.put16(f, 34 + 16, 0x1234); // as GRO leaves it: a partial sum, not the checksum
        Offload o = new Offload();
        assertEquals(Offload.GSO_TCPV4, o.parse(f, 0, f.length));
        assertTrue(o.dontFragment());
        o.fullChecksum();
        assertTrue(Frames.l4valid(f, 0, 14, false, 6, 34, 32 + 5000));
    }

    @Test
    void ipv4WithoutDfIsNotToLeaveInSegments() {
        byte[] f = Frames.tcp4(3000, 1, 0x10, false, 9);
        Offload.put16(f, 20, 0);
        Offload o = new Offload();
        assertEquals(Offload.GSO_TCPV4, o.parse(f, 0, f.length));
        assertFalse(o.dontFragment());
        assertEquals(-1, o.parse(Frames.udp4(0), 0, 42), "no payload: nothing to segment");
    }

    @Test
    void tcp4HeaderAndPartialChecksumAfterNat() {
        int payload = 4000;
        int mss = 1448;
        byte[] f = Frames.tcp4(payload, 1000, 0x18, true, 77);
        // masquerade as NAT does it: new source address and port, the full checksum updated incrementally
        int check = 34 + 16;
        int c = ~Offload.u16(f, check) & 0xffff;
        c = add(c, ~Offload.u16(f, 26) & 0xffff);
        c = add(c, ~Offload.u16(f, 28) & 0xffff);
        c = add(c, ~Offload.u16(f, 34) & 0xffff);
        f[26] = (byte) 203;
        f[27] = 0;
        f[28] = 113;
        f[29] = 1;
        Offload.put16(f, 34, 61000);
        c = add(c, Offload.u16(f, 26));
        c = add(c, Offload.u16(f, 28));
        c = add(c, 61000);
        Offload.put16(f, check, ~c & 0xffff);
        assertTrue(Frames.l4valid(f, 0, 14, false, 6, 34, 32 + payload), "the rewritten frame verifies");
        byte[] withHdr = new byte[10 + f.length];
        System.arraycopy(f, 0, withHdr, 10, f.length);
        Offload o = new Offload();
        assertEquals(Offload.GSO_TCPV4, o.parse(withHdr, 10, f.length));
        assertEquals(20 + 32 + mss, o.vnetHeader(withHdr, 0, mss), "the largest segment's network length");
        assertEquals(Offload.F_NEEDS_CSUM, withHdr[0]);
        assertEquals(Offload.GSO_TCPV4, withHdr[1]);
        assertEquals(14 + 20 + 32, le16(withHdr, 2), "hdr_len");
        assertEquals(mss, le16(withHdr, 4), "gso_size");
        assertEquals(34, le16(withHdr, 6), "csum_start");
        assertEquals(16, le16(withHdr, 8), "csum_offset");
        int partial = Offload.u16(withHdr, 10 + check);
        assertEquals(Offload.fold(Offload.pseudoHeader(withHdr, 10 + 14, false, 6, 32 + payload)), partial,
            "the pseudo-header sum of the new addresses");
        // the device completes it: the same as a checksum computed afresh
        byte[] done = java.util.Arrays.copyOfRange(withHdr, 10, withHdr.length);
        assertTrue(Offload.completeChecksum(done, 0, done.length, 34, 16));
        assertTrue(Frames.l4valid(done, 0, 14, false, 6, 34, 32 + payload));
        // the kernel's segmentation swaps the whole length for each segment's, then the device adds the payload
        for (int start = 0; start < payload; start += mss) {
            int seg = Math.min(mss, payload - start);
            int segPartial = add(add(partial, ~(32 + payload) & 0xffff), 32 + seg);
            byte[] s = Frames.tcp4(seg, 1000 + start, 0x10, true, 0);
            System.arraycopy(done, 26, s, 26, 8);
            Offload.put16(s, 34, 61000);
            Offload.put16(s, 16, 20 + 32 + seg);
            assertEquals(Offload.fold(Offload.pseudoHeader(s, 14, false, 6, 32 + seg)), segPartial);
        }
    }

    @Test
    void tcp6AndUdpHeadersAndEcn() {
        byte[] t6 = Frames.l4v6(6, 60, 3000, 5, 0x90); // CWR|ACK, behind destination options
        byte[] b = new byte[10 + t6.length];
        System.arraycopy(t6, 0, b, 10, t6.length);
        Offload o = new Offload();
        assertEquals(Offload.GSO_TCPV6, o.parse(b, 10, t6.length));
        assertTrue(o.dontFragment());
        assertEquals(8 + 40 + 20 + 1200, o.vnetHeader(b, 0, 1200), "IPv6 header, options, TCP, payload");
        assertEquals(Offload.GSO_TCPV6 | Offload.GSO_ECN, b[1] & 0xff, "CWR: the ECN flag GRO would set");
        assertEquals(14 + 40 + 8, le16(b, 6), "csum_start after the extension header");
        assertEquals(Offload.fold(Offload.pseudoHeader(b, 10 + 14, true, 6, 20 + 3000)),
            Offload.u16(b, 10 + 62 + 16), "the pseudo-header counts the transport length only");

        byte[] u = Frames.udp4(3000);
        byte[] ub = new byte[10 + u.length];
        System.arraycopy(u, 0, ub, 10, u.length);
        assertEquals(Offload.GSO_UDP_L4, o.parse(ub, 10, u.length));
        assertEquals(20 + 8 + 1400, o.vnetHeader(ub, 0, 1400));
        assertEquals(Offload.GSO_UDP_L4, ub[1]);
        assertEquals(6, le16(ub, 8), "the UDP checksum's place");
        assertEquals(Offload.fold(Offload.pseudoHeader(ub, 10 + 14, false, 17, 3008)), Offload.u16(ub, 10 + 40));
    }
}
