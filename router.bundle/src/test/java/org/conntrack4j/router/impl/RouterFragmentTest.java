package org.conntrack4j.router.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.router.Forwarder;
import org.conntrack4j.router.Result;
import org.conntrack4j.router.Router;
import org.conntrack4j.router.RouterConfig;
import org.conntrack4j.router.RouterInterface;
import org.conntrack4j.router.Routers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The router around defragmentation: held fragments, the datagram's verdict for every fragment, the MTU check
 * before forwarding (fragmentation needed / packet too big) and refragmentation on the way out, as Linux does
 * (the fast path keeping the received sizes, the copying path cutting to the limit).
 */
class RouterFragmentTest {
    private static final String LAN_MAC = "02:00:00:00:01:01";
    private static final String WAN_MAC = "02:00:00:00:02:01";

    /** One frame the router sent. */
    static final class Out {
        final String iface;
        final byte[] ip;

        Out(String iface, byte[] ip) {
            this.iface = iface;
            this.ip = ip;
        }

        int u8(int i) {
            return ip[i] & 0xff;
        }

        int u16(int i) {
            return u8(i) << 8 | u8(i + 1);
        }

        long u32(int i) {
            return (long) u16(i) << 16 | u16(i + 2);
        }
    }

    private final ManualClock clock = new ManualClock(250);
    private final List<Out> sent = new ArrayList<>();
    private Engine net;
    private Router router;
    private Forwarder forwarder;
    private final Result result = new Result();
    private long tag;

    @BeforeEach
    void setUp() {
        clock.setWallNanos(1_800_000_000_000_000_000L);
        net = new Engine(new Registry(), "frag", clock, 1);
        net.enableDefrag();
        router = router(600, 1280);
        forwarder = router.forwarder((port, t, b, o, n) -> sent.add(new Out(router.devices().get(port).name(),
            Arrays.copyOfRange(b, o + 14, o + n))));
    }

    private Router router(int lanMtu, int lanMtu6) {
        // The IPv6 tests use their own MTU on lan (IPv6 links are at least 1280).
        return Routers.create(net, RouterConfig.of(List.of(
            RouterInterface.of("lan", LAN_MAC, "02:00:00:00:01:02", lanMtu, "198.51.100.1/24", "2001:db8:1::1/64"),
            RouterInterface.of("wan", WAN_MAC, "02:00:00:00:02:02", 1500, "203.0.113.1/24", "2001:db8:2::1/64"),
            RouterInterface.of("lan6", "02:00:00:00:03:01", "02:00:00:00:03:02", lanMtu6, "2001:db8:3::1/64"))));
    }

    @AfterEach
    void tearDown() {
        router.close();
        net.close();
    }

    // ---- packets ------------------------------------------------------------------------------------------

    private static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    private static void put32(byte[] b, int i, long v) {
        put16(b, i, (int) (v >>> 16));
        put16(b, i + 2, (int) v);
    }

    private static int sum(byte[] b, int from, int n) {
        long s = 0;
        for (int i = 0; i + 1 < n; i += 2) {
            s += (b[from + i] & 0xff) << 8 | (b[from + i + 1] & 0xff);
        }
        if ((n & 1) != 0) {
            s += (b[from + n - 1] & 0xff) << 8;
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    /** An IPv4 UDP datagram with {@code data} payload bytes, {@code ihl} header bytes (options after 20). */
    static byte[] udp4(String src, String dst, int id, int data, int flags, byte[] options) {
        int ihl = 20 + options.length;
        int total = ihl + 8 + data;
        byte[] b = new byte[total];
        b[0] = (byte) (0x40 | ihl / 4);
        put16(b, 2, total);
        put16(b, 4, id);
        put16(b, 6, flags);
        b[8] = 64;
        b[9] = 17;
        put32(b, 12, Addr.parseV4(src) & 0xffffffffL);
        put32(b, 16, Addr.parseV4(dst) & 0xffffffffL);
        System.arraycopy(options, 0, b, 20, options.length);
        put16(b, ihl, 35000);
        put16(b, ihl + 2, 6666);
        put16(b, ihl + 4, 8 + data);
        for (int i = 0; i < data; i++) {
            b[ihl + 8 + i] = (byte) (i * 11 + 5);
        }
        put16(b, 10, ~sum(b, 0, ihl) & 0xffff);
        return b;
    }

    /** A fragment of an IPv4 datagram: payload {@code [off, off + len)}. */
    static byte[] frag4(byte[] dg, int off, int len, boolean more, int flags) {
        int ihl = (dg[0] & 0x0f) * 4;
        byte[] f = new byte[ihl + len];
        System.arraycopy(dg, 0, f, 0, ihl);
        System.arraycopy(dg, ihl + off, f, ihl, len);
        put16(f, 2, ihl + len);
        put16(f, 6, off >>> 3 | (more ? 0x2000 : 0) | flags);
        put16(f, 10, 0);
        put16(f, 10, ~sum(f, 0, ihl) & 0xffff);
        return f;
    }

    static byte[] udp6(String src, String dst, int data) {
        byte[] b = new byte[48 + data];
        put32(b, 0, 6L << 28);
        put16(b, 4, 8 + data);
        b[6] = 17;
        b[7] = 64;
        long[] s = Addr.parseV6(src);
        long[] d = Addr.parseV6(dst);
        put32(b, 8, s[0] >>> 32);
        put32(b, 12, s[0]);
        put32(b, 16, s[1] >>> 32);
        put32(b, 20, s[1]);
        put32(b, 24, d[0] >>> 32);
        put32(b, 28, d[0]);
        put32(b, 32, d[1] >>> 32);
        put32(b, 36, d[1]);
        put16(b, 40, 35000);
        put16(b, 42, 6666);
        put16(b, 44, 8 + data);
        for (int i = 0; i < data; i++) {
            b[48 + i] = (byte) (i * 13 + 1);
        }
        return b;
    }

    static byte[] frag6(byte[] dg, int id, int off, int len, boolean more) {
        byte[] f = new byte[48 + len];
        System.arraycopy(dg, 0, f, 0, 40);
        f[6] = 44;
        put16(f, 4, 8 + len);
        f[40] = dg[6];
        put16(f, 42, off | (more ? 1 : 0));
        put32(f, 44, id & 0xffffffffL);
        System.arraycopy(dg, 40 + off, f, 48, len);
        return f;
    }

    /** The Ethernet frame carrying {@code ip} to {@code dstMac}. */
    static byte[] ethernet(byte[] dstMac, byte[] ip) {
        byte[] frame = new byte[14 + ip.length];
        System.arraycopy(dstMac, 0, frame, 0, 6);
        int type = (ip[0] & 0xf0) == 0x60 ? 0x86dd : 0x0800;
        frame[12] = (byte) (type >>> 8);
        frame[13] = (byte) type;
        System.arraycopy(ip, 0, frame, 14, ip.length);
        return frame;
    }

    private void receive(String iface, byte[] ip) throws IOException {
        byte[] frame = ethernet(router.devices().get(router.port(iface)).mac(), ip);
        clock.advanceSeconds(0.001);
        forwarder.receive(iface, Forwarder.LINKTYPE_ETHERNET, frame, 0, frame.length, clock.wallNanos(), ++tag, result);
    }

    /** Payload of an IPv4 packet: bytes after its header. */
    private static byte[] payload4(Out o) {
        int ihl = (o.u8(0) & 0x0f) * 4;
        return Arrays.copyOfRange(o.ip, ihl, o.u16(2));
    }

    private static void assertHeaderChecksumOk(Out o) {
        assertEquals(0xffff, sum(o.ip, 0, (o.u8(0) & 0x0f) * 4), "IPv4 header checksum");
    }

    // ---- IPv4 ---------------------------------------------------------------------------------------------

    @Test
    void fragmentsAreHeldAndAllGetTheDatagramsVerdict() throws IOException {
        byte[] dg = udp4("198.51.100.10", "203.0.113.10", 0x1111, 876, 0, new byte[0]);
        receive("lan", frag4(dg, 384, 400, true, 0));
        assertTrue(result.held);
        assertEquals(0, result.absorbedCount);
        receive("lan", frag4(dg, 0, 256, true, 0));
        assertTrue(result.held);
        receive("lan", frag4(dg, 784, 100, false, 0));
        assertTrue(result.held);
        assertTrue(sent.isEmpty(), "nothing leaves before the datagram is complete");
        receive("lan", frag4(dg, 256, 128, true, 0));
        assertFalse(result.held);
        assertEquals("new", result.ctState);
        assertEquals("original", result.ctDir);
        assertArrayEquals(new long[] {1, 2, 3, 4}, Arrays.copyOf(result.absorbed, result.absorbedCount));
        // Every received fragment fits: they leave in their own sizes, in offset order, DF clear, id kept.
        assertEquals(4, sent.size());
        int[] sizes = {256, 128, 400, 100};
        int off = 0;
        for (int i = 0; i < 4; i++) {
            Out o = sent.get(i);
            assertEquals("wan", o.iface);
            assertEquals(20 + sizes[i], o.u16(2));
            assertEquals(0x1111, o.u16(4));
            assertEquals(off / 8 | (i < 3 ? 0x2000 : 0), o.u16(6));
            assertEquals(63, o.u8(8));
            assertHeaderChecksumOk(o);
            assertArrayEquals(Arrays.copyOfRange(dg, 20 + off, 20 + off + sizes[i]), payload4(o));
            off += sizes[i];
        }
    }

    @Test
    void aDatagramWhoseFragmentsDoNotFitTheLinkIsCutToItsMtu() throws IOException {
        byte[] dg = udp4("203.0.113.10", "198.51.100.10", 12417, 3000, 0, new byte[0]);
        receive("wan", frag4(dg, 0, 1480, true, 0));
        receive("wan", frag4(dg, 1480, 1480, true, 0));
        receive("wan", frag4(dg, 2960, 48, false, 0));
        assertEquals(3, result.absorbedCount);
        assertEquals(6, sent.size());
        int off = 0;
        for (int i = 0; i < 6; i++) {
            Out o = sent.get(i);
            assertEquals("lan", o.iface);
            int len = i < 5 ? 576 : 128;
            assertEquals(20 + len, o.u16(2));
            assertEquals(off / 8 | (i < 5 ? 0x2000 : 0), o.u16(6));
            assertArrayEquals(Arrays.copyOfRange(dg, 20 + off, 20 + off + len), payload4(o));
            off += len;
        }
    }

    /** An IPv4 TCP segment (ACK and PSH, valid checksum) with {@code data} payload bytes. */
    static byte[] tcp4(String src, String dst, int id, int data) {
        int total = 40 + data;
        byte[] b = new byte[total];
        b[0] = 0x45;
        put16(b, 2, total);
        put16(b, 4, id);
        b[8] = 64;
        b[9] = 6;
        put32(b, 12, Addr.parseV4(src) & 0xffffffffL);
        put32(b, 16, Addr.parseV4(dst) & 0xffffffffL);
        put16(b, 20, 45930);
        put16(b, 22, 7930);
        put32(b, 24, 0x11110961L);
        put32(b, 28, 0x22220001L);
        b[32] = 0x50;
        b[33] = 0x18;
        put16(b, 34, 502);
        for (int i = 0; i < data; i++) {
            b[40 + i] = (byte) (i * 7 + 3);
        }
        byte[] pseudo = new byte[12 + 20 + data];
        System.arraycopy(b, 12, pseudo, 0, 8);
        pseudo[9] = 6;
        put16(pseudo, 10, 20 + data);
        System.arraycopy(b, 20, pseudo, 12, 20 + data);
        put16(b, 36, ~sum(pseudo, 0, pseudo.length) & 0xffff);
        put16(b, 10, ~sum(b, 0, 20) & 0xffff);
        return b;
    }

    @Test
    void aTcpDatagramWhoseFirstFragmentSplitsTheTcpHeaderIsCutToItsLargestFragment() throws IOException {
        // Early demux made the TCP header linear on the way in (20 bytes, not a multiple of 8): the received
        // 8 + 112 geometry cannot be reused, so the datagram is cut at its largest fragment: 112, then 8.
        byte[] dg = tcp4("198.51.100.10", "203.0.113.10", 0x3303, 100);
        receive("lan", frag4(dg, 0, 8, true, 0));
        receive("lan", frag4(dg, 8, 112, false, 0));
        assertEquals(2, result.absorbedCount);
        assertEquals(2, sent.size());
        int[] sizes = {112, 8};
        int off = 0;
        for (int i = 0; i < 2; i++) {
            Out o = sent.get(i);
            assertEquals("wan", o.iface);
            assertEquals(20 + sizes[i], o.u16(2));
            assertEquals(off / 8 | (i == 0 ? 0x2000 : 0), o.u16(6));
            assertHeaderChecksumOk(o);
            assertArrayEquals(Arrays.copyOfRange(dg, 20 + off, 20 + off + sizes[i]), payload4(o));
            off += sizes[i];
        }
    }

    @Test
    void aTcpDatagramWhoseFirstFragmentHoldsTheTcpHeaderKeepsItsFragments() throws IOException {
        byte[] dg = tcp4("198.51.100.10", "203.0.113.10", 0x3304, 100);
        receive("lan", frag4(dg, 0, 24, true, 0));
        receive("lan", frag4(dg, 24, 96, false, 0));
        assertEquals(2, sent.size());
        assertEquals(20 + 24, sent.get(0).u16(2));
        assertEquals(20 + 96, sent.get(1).u16(2));
    }

    @Test
    void aWholePacketTooBigForTheLinkIsFragmentedUnlessDfForbidsIt() throws IOException {
        byte[] dg = udp4("203.0.113.10", "198.51.100.10", 12410, 1400, 0, new byte[0]);
        receive("wan", dg);
        assertEquals("new", result.ctState);
        assertEquals(3, sent.size());
        assertArrayEquals(new int[] {596, 596, 276}, sent.stream().mapToInt(o -> o.u16(2)).toArray());
        sent.clear();

        byte[] df = udp4("203.0.113.10", "198.51.100.10", 0, 1400, 0x4000, new byte[0]);
        receive("wan", df);
        assertTrue(result.fateText().contains("fragmentation needed"), result.fateText());
        assertEquals(1, sent.size(), "only the router's own error");
        Out icmp = sent.get(0);
        assertEquals("wan", icmp.iface);
        assertEquals(1, icmp.u8(9));
        assertEquals(Addr.parseV4("203.0.113.1") & 0xffffffffL, icmp.u32(12));
        assertEquals(Addr.parseV4("203.0.113.10") & 0xffffffffL, icmp.u32(16));
        assertEquals(3, icmp.u8(20));
        assertEquals(4, icmp.u8(21));
        assertEquals(600, icmp.u16(26), "next-hop MTU");
        assertEquals(64, icmp.u8(28 + 8), "the quote is the packet as received (TTL not decreased)");
        assertEquals(576, icmp.u16(2));
    }

    @Test
    void aDatagramRebuiltFromDfFragmentsThatFitLeavesInThemWithoutDf() throws IOException {
        byte[] dg = udp4("198.51.100.10", "203.0.113.10", 0x2222, 604, 0x4000, new byte[0]);
        receive("lan", frag4(dg, 0, 256, true, 0x4000));
        receive("lan", frag4(dg, 256, 256, true, 0x4000));
        receive("lan", frag4(dg, 512, 100, false, 0x4000));
        assertEquals(3, sent.size());
        assertArrayEquals(new int[] {0x2000, 0x2020, 0x0040}, sent.stream().mapToInt(o -> o.u16(6)).toArray(),
            "Linux's frag_list path writes MF and the offset only (checked on a 6.18 kernel)");
    }

    @Test
    void aDfDatagramWhoseFragmentsExceedTheLinkGetsFragmentationNeeded() throws IOException {
        byte[] dg = udp4("203.0.113.10", "198.51.100.10", 0x3333, 2000, 0x4000, new byte[0]);
        receive("wan", frag4(dg, 0, 1480, true, 0x4000));
        receive("wan", frag4(dg, 1480, 528, false, 0x4000));
        assertEquals(2, result.absorbedCount);
        assertEquals(1, sent.size());
        Out icmp = sent.get(0);
        assertEquals(3, icmp.u8(20));
        assertEquals(4, icmp.u8(21));
        assertEquals(600, icmp.u16(26));
        assertEquals(2028, icmp.u16(28 + 2), "the quote is the rebuilt datagram");
    }

    @Test
    void laterFragmentsCarryOnlyTheOptionsMarkedCopied() throws IOException {
        // Record route (7, not copied) then a copied option (0x94: router alert, 4 bytes).
        byte[] opts = {7, 7, 4, 0, 0, 0, 0, 1, (byte) 0x94, 4, 0, 0};
        byte[] dg = udp4("203.0.113.10", "198.51.100.10", 0x4444, 1400, 0, opts);
        receive("wan", dg);
        assertTrue(sent.size() >= 3);
        Out first = sent.get(0);
        Out second = sent.get(1);
        assertEquals(0x48, first.u8(0));
        // the first fragment has them all, record route filled in with the outgoing (LAN) address
        assertArrayEquals(new byte[] {7, 7, 8, (byte) 198, 51, 100, 1, 1, (byte) 0x94, 4, 0, 0},
            Arrays.copyOfRange(first.ip, 20, 32));
        assertArrayEquals(new byte[] {1, 1, 1, 1, 1, 1, 1, 1, (byte) 0x94, 4, 0, 0},
            Arrays.copyOfRange(second.ip, 20, 32));
        assertHeaderChecksumOk(second);
        assertEquals(568, second.u16(2) - 32, "600 - 32 header bytes, rounded down to 8");
    }

    @Test
    void fragmentsOfADatagramThatNeverCompletesStayHeldAndSendNothing() throws IOException {
        byte[] dg = udp4("198.51.100.10", "203.0.113.10", 0x5555, 876, 0, new byte[0]);
        receive("lan", frag4(dg, 0, 256, true, 0));
        assertTrue(result.held);
        assertEquals("-", result.ctState);
        clock.advanceSeconds(31);
        net.expire();
        receive("lan", frag4(dg, 256, 620, false, 0));
        assertTrue(result.held, "the first part expired: this one waits alone");
        assertTrue(sent.isEmpty());
    }

    @Test
    void theRoutersOwnAnswerToABigPingIsFragmentedForTheLink() throws IOException {
        byte[] ping = new byte[20 + 8 + 1400];
        ping[0] = 0x45;
        put16(ping, 2, ping.length);
        put16(ping, 4, 0x777);
        ping[8] = 64;
        ping[9] = 1;
        put32(ping, 12, Addr.parseV4("198.51.100.10") & 0xffffffffL);
        put32(ping, 16, Addr.parseV4("198.51.100.1") & 0xffffffffL);
        put16(ping, 10, ~sum(ping, 0, 20) & 0xffff);
        ping[20] = 8;
        put16(ping, 24, 99);
        put16(ping, 22, ~sum(ping, 20, ping.length - 20) & 0xffff);
        receive("lan", frag4(ping, 0, 576, true, 0));
        receive("lan", frag4(ping, 576, 576, true, 0));
        receive("lan", frag4(ping, 1152, 256, false, 0));
        assertEquals("answered locally: ICMP echo reply", result.fateText());
        assertEquals(3, sent.size());
        assertArrayEquals(new int[] {596, 596, 276}, sent.stream().mapToInt(o -> o.u16(2)).toArray());
        assertEquals(0, sent.get(0).u8(20), "echo reply");
        assertEquals(sent.get(0).u16(4), sent.get(2).u16(4), "one identification for the reply's fragments");
    }

    // ---- IPv6 ---------------------------------------------------------------------------------------------

    @Test
    void anIpv6DatagramIsRefragmentedToTheLargestReceivedFragmentWithANewIdentification() throws IOException {
        byte[] dg = udp6("2001:db8:3::10", "2001:db8:2::10", 3000);
        int fl = dg.length - 40;
        receive("lan6", frag6(dg, 0xd0b0fb8d, 0, 1232, true));
        receive("lan6", frag6(dg, 0xd0b0fb8d, 1232, 1232, true));
        receive("lan6", frag6(dg, 0xd0b0fb8d, 2464, fl - 2464, false));
        assertEquals("new", result.ctState);
        assertEquals(3, sent.size());
        long id = sent.get(0).u32(44);
        assertNotEquals(0xd0b0fb8dL, id);
        int off = 0;
        int[] sizes = {1232, 1232, fl - 2464};
        for (int i = 0; i < 3; i++) {
            Out o = sent.get(i);
            assertEquals("wan", o.iface);
            assertEquals(44, o.u8(6));
            assertEquals(63, o.u8(7));
            assertEquals(8 + sizes[i], o.u16(4));
            assertEquals(17, o.u8(40));
            assertEquals(off | (i < 2 ? 1 : 0), o.u16(42));
            assertEquals(id, o.u32(44));
            assertArrayEquals(Arrays.copyOfRange(dg, 40 + off, 40 + off + sizes[i]), Arrays.copyOfRange(o.ip, 48,
                o.ip.length));
            off += sizes[i];
        }
    }

    @Test
    void anIpv6DatagramWithFragmentsBiggerThanTheLinkGetsPacketTooBig() throws IOException {
        byte[] dg = udp6("2001:db8:2::10", "2001:db8:3::10", 3000);
        int fl = dg.length - 40;
        receive("wan", frag6(dg, 0x8667e500, 0, 1448, true));
        receive("wan", frag6(dg, 0x8667e500, 1448, 1448, true));
        receive("wan", frag6(dg, 0x8667e500, 2896, fl - 2896, false));
        assertEquals(3, result.absorbedCount);
        assertEquals(1, sent.size());
        Out ptb = sent.get(0);
        assertEquals("wan", ptb.iface);
        assertEquals(58, ptb.u8(6));
        assertEquals(2, ptb.u8(40));
        assertEquals(1280, ptb.u32(44));
        assertEquals(1280, ptb.ip.length, "quotes up to the minimum MTU");
        assertEquals(fl, ptb.u16(48 + 4), "the quote is the rebuilt datagram, without fragment header");
        assertEquals(17, ptb.u8(48 + 6));
        assertEquals(64, ptb.u8(48 + 7), "hop limit not decreased yet");
    }

    @Test
    void anIpv6DatagramNoLargerThanItsLargestFragmentLeavesWhole() throws IOException {
        byte[] dg = udp6("2001:db8:3::10", "2001:db8:2::10", 400);
        receive("lan6", frag6(dg, 0x6666, 0, 400, true));
        receive("lan6", frag6(dg, 0x6666, 400, 8, false));
        assertEquals(1, sent.size(), "checked on a 6.18 kernel");
        assertEquals(17, sent.get(0).u8(6));
        assertEquals(408, sent.get(0).u16(4));
    }

    @Test
    void anOverlappingIpv6FragmentIsDroppedBeforeConntrack() throws IOException {
        byte[] dg = udp6("2001:db8:3::10", "2001:db8:2::10", 3000);
        receive("lan6", frag6(dg, 9, 0, 1232, true));
        receive("lan6", frag6(dg, 9, 1200, 64, true));
        assertFalse(result.held);
        assertEquals("-", result.ctState);
        assertEquals("fragment dropped by defragmentation", result.note);
        assertTrue(sent.isEmpty());
    }
}
