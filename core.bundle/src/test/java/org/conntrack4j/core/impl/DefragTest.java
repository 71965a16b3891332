package org.conntrack4j.core.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Defragmentation before conntrack (nf_defrag_ipv4 / nf_defrag_ipv6), driven through the PRE_ROUTING chain. */
class DefragTest {
    private final Registry reg = new Registry();
    private final ManualClock clock = new ManualClock(250);
    private Engine net;
    private final Packet p = new Packet(70000);

    @BeforeEach
    void setUp() {
        reg.addTracker(new PortTracker("udp"), IpProto.UDP, true, true, reg.localId(), 0, "test");
        clock.setWallNanos(1_000_000_000_000L);
        net = new Engine(reg, "test", clock, 7);
        net.enableDefrag();
    }

    @AfterEach
    void tearDown() {
        net.close();
    }

    // ---- packet builders ----------------------------------------------------------------------------------

    /** A whole IPv4 UDP datagram 198.51.100.10:35000 > 203.0.113.10:6666 with {@code data} bytes of payload. */
    static byte[] datagram4(int id, int data, int sport) {
        int total = 20 + 8 + data;
        byte[] b = new byte[total];
        b[0] = 0x45;
        put16(b, 2, total);
        put16(b, 4, id);
        b[8] = 64;
        b[9] = (byte) IpProto.UDP;
        put32(b, 12, TestPackets.ip("198.51.100.10"));
        put32(b, 16, TestPackets.ip("203.0.113.10"));
        put16(b, 20, sport);
        put16(b, 22, 6666);
        put16(b, 24, 8 + data);
        for (int i = 0; i < data; i++) {
            b[28 + i] = (byte) (i * 7 + 3);
        }
        put16(b, 10, ipChecksum(b, 20));
        return b;
    }

    /** One fragment of an IPv4 datagram: payload bytes {@code [off, off + len)} after the 20-byte header. */
    static byte[] frag4(byte[] dg, int off, int len, boolean more, int flags) {
        byte[] f = new byte[20 + len];
        System.arraycopy(dg, 0, f, 0, 20);
        System.arraycopy(dg, 20 + off, f, 20, len);
        put16(f, 2, 20 + len);
        put16(f, 6, off >>> 3 | (more ? 0x2000 : 0) | flags);
        put16(f, 10, 0);
        put16(f, 10, ipChecksum(f, 20));
        return f;
    }

    static final long SRC6_LO = 0x10;
    static final long DST6_LO = 0x10;

    /**
     * A whole IPv6 UDP datagram 2001:db8:1::10 > 2001:db8:2::10; {@code dstopts} bytes of destination options
     * (0 or a multiple of 8) come before the UDP header.
     */
    static byte[] datagram6(int data, int dstopts) {
        int total = 40 + dstopts + 8 + data;
        byte[] b = new byte[total];
        put32(b, 0, 6 << 28);
        put16(b, 4, total - 40);
        b[6] = (byte) (dstopts > 0 ? IpProto.DSTOPTS : IpProto.UDP);
        b[7] = 64;
        put32(b, 8, 0x20010db8);
        put32(b, 12, 0x00010000);
        b[23] = (byte) SRC6_LO;
        put32(b, 24, 0x20010db8);
        put32(b, 28, 0x00020000);
        b[39] = (byte) DST6_LO;
        int l4 = 40;
        if (dstopts > 0) {
            b[40] = (byte) IpProto.UDP;
            b[41] = (byte) (dstopts / 8 - 1);
            b[42] = 1;
            b[43] = (byte) (dstopts - 4);
            l4 += dstopts;
        }
        put16(b, l4, 35000);
        put16(b, l4 + 2, 6666);
        put16(b, l4 + 4, 8 + data);
        for (int i = 0; i < data; i++) {
            b[l4 + 8 + i] = (byte) (i * 5 + 1);
        }
        return b;
    }

    /**
     * One fragment of an IPv6 datagram whose unfragmentable part is the 40-byte header: fragmentable bytes
     * {@code [off, off + len)}.
     */
    static byte[] frag6(byte[] dg, int id, int off, int len, boolean more) {
        byte[] f = new byte[48 + len];
        System.arraycopy(dg, 0, f, 0, 40);
        f[6] = (byte) IpProto.FRAGMENT;
        put16(f, 4, 8 + len);
        f[40] = dg[6];
        put16(f, 42, off | (more ? 1 : 0));
        put32(f, 44, id);
        System.arraycopy(dg, 40 + off, f, 48, len);
        return f;
    }

    private static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    private static void put32(byte[] b, int i, int v) {
        put16(b, i, v >>> 16);
        put16(b, i + 2, v);
    }

    private static int ipChecksum(byte[] b, int n) {
        long s = 0;
        for (int i = 0; i < n; i += 2) {
            s += (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) ~s & 0xffff;
    }

    private int feed(byte[] ip, long tag) {
        p.reset();
        p.load(ip, 0, ip.length, 14);
        assertNull(IpHeaders.validate(p), "test packet passes the IP layer");
        p.cookie = tag;
        return net.runHook(Hook.PRE_ROUTING, p);
    }

    private long counter(String name) {
        return net.stats().defrag().get(name);
    }

    private void assertEmpty() {
        Map<String, Long> c = net.stats().defrag();
        assertEquals(0L, c.get("IpFragQueues"));
        assertEquals(0L, c.get("IpFragMemory"));
        assertEquals(0L, c.get("Ip6FragQueues"));
        assertEquals(0L, c.get("Ip6FragMemory"));
    }

    // ---- IPv4 ---------------------------------------------------------------------------------------------

    @Test
    void fragmentsAreHeldUntilTheDatagramIsCompleteThenTrackedOnce() {
        byte[] dg = datagram4(6753, 1400, 35000);
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 0, 576, true, 0), 1));
        assertNull(p.ct, "conntrack does not see a held fragment");
        assertEquals(Packet.DEFRAG_HELD, p.defrag, "the packet says what defragmentation did with it");
        assertEquals(1L, counter("IpFragQueues"));
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 576, 576, true, 0), 2));
        assertEquals(Verdict.ACCEPT, feed(frag4(dg, 1152, 256, false, 0), 3));
        assertEquals(Packet.DEFRAG_REBUILT, p.defrag);
        assertArrayEquals(dg, p.toBytes(), "the datagram as sent, header included");
        assertEquals(CtInfo.NEW, p.ctinfo);
        assertEquals(IpProto.UDP, p.l4proto);
        assertEquals(3, p.fragCount);
        assertArrayEquals(new long[] {1, 2, 3}, Arrays.copyOf(p.fragCookies, 3));
        assertArrayEquals(new int[] {576, 576, 256}, Arrays.copyOf(p.fragLengths, 3));
        assertEquals(596, p.fragMaxSize);
        assertEquals(Verdict.ACCEPT, net.runHook(Hook.POST_ROUTING, p));
        assertEquals(1, net.count(), "one connection for the datagram");
        assertEquals(3L, counter("IpReasmReqds"));
        assertEquals(1L, counter("IpReasmOKs"));
        assertEquals(0L, counter("IpReasmFails"));
        assertEmpty();
    }

    @Test
    void fragmentsArrivingLastFirstAreReassembledInOffsetOrder() {
        byte[] dg = datagram4(17185, 1000, 35001);
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 768, 240, false, 0), 14));
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 512, 256, true, 0), 15));
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 256, 256, true, 0), 16));
        assertEquals(Verdict.ACCEPT, feed(frag4(dg, 0, 256, true, 0), 17));
        assertArrayEquals(dg, p.toBytes());
        assertArrayEquals(new long[] {14, 15, 16, 17}, Arrays.copyOf(p.fragCookies, 4), "tags in arrival order");
        assertArrayEquals(new int[] {256, 256, 256, 240}, Arrays.copyOf(p.fragLengths, 4), "lengths in offset order");
        assertEquals(276, p.fragMaxSize);
    }

    @Test
    void aPacketThatIsNoFragmentPassesUntouched() {
        byte[] dg = datagram4(1, 100, 35000);
        assertEquals(Verdict.ACCEPT, feed(dg, 9));
        assertEquals(0, p.fragCount);
        assertEquals(0, p.fragMaxSize);
        assertEquals(0L, counter("IpReasmReqds"));
    }

    @Test
    void aDuplicateFragmentIsDroppedAloneAndTheDatagramStillCompletes() {
        byte[] dg = datagram4(7, 600, 35000);
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 0, 304, true, 0), 1));
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 0, 304, true, 0), 2));
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 0, 152, true, 0), 3), "inside a held range: a duplicate too");
        assertEquals(2L, counter("IpFragDuplicates"));
        assertEquals(Verdict.ACCEPT, feed(frag4(dg, 304, 304, false, 0), 4));
        assertArrayEquals(dg, p.toBytes());
        assertArrayEquals(new long[] {1, 4}, Arrays.copyOf(p.fragCookies, p.fragCount), "duplicates are not part of it");
        assertEquals(0L, counter("IpReasmFails"));
    }

    @Test
    void anOverlappingFragmentKillsTheWholeIpv4Datagram() {
        byte[] dg = datagram4(8, 600, 35000);
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 0, 304, true, 0), 1));
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 296, 160, true, 0), 2), "straddles the held range");
        assertEquals(1L, counter("IpReasmOverlaps"));
        assertEquals(1L, counter("IpReasmFails"));
        assertEquals(0L, counter("IpFragQueues"), "the queue and its fragments are gone");
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 304, 304, false, 0), 3), "the rest starts a new datagram");
        assertEquals(1L, counter("IpFragQueues"));
    }

    @Test
    void aFinalFragmentContradictingTheKnownLengthKillsTheQueue() {
        byte[] dg = datagram4(9, 600, 35000);
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 304, 304, false, 0), 1));
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 8, 200, false, 0), 2), "ends before the known end");
        assertEquals(0L, counter("IpFragQueues"));
        assertEquals(1L, counter("IpReasmFails"));
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 304, 304, false, 0), 3));
        assertEquals(Verdict.STOLEN, feed(frag4(datagram4(9, 800, 35000), 400, 216, true, 0), 4), "data beyond the end");
        assertEquals(0L, counter("IpFragQueues"));
    }

    @Test
    void anEmptyFragmentKillsItsQueue() {
        byte[] dg = datagram4(10, 600, 35000);
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 0, 304, true, 0), 1));
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 304, 7, true, 0), 2), "less than 8 bytes before more fragments");
        assertEquals(0L, counter("IpFragQueues"));
        assertEquals(1L, counter("IpReasmFails"));
    }

    @Test
    void aDatagramLongerThan65535BytesFailsWhenItCompletes() {
        byte[] dg = datagram4(11, 66000, 35000);
        int dataLen = dg.length - 20;
        long tag = 1;
        int v = -1;
        for (int off = 0; off < dataLen; off += 1480) {
            int len = Math.min(1480, dataLen - off);
            boolean last = off + len >= dataLen;
            v = feed(frag4(dg, off, len, !last, 0), tag++);
            assertEquals(Verdict.STOLEN, v, "every fragment is taken, the last one too");
        }
        assertEquals(Verdict.STOLEN, v);
        assertEquals(0L, counter("IpReasmOKs"));
        assertEquals(1L, counter("IpReasmFails"), "given up at completion: 20 + " + dataLen + " > 65535");
        assertEmpty();
    }

    @Test
    void anIncompleteDatagramExpiresAfterIpfragTime() {
        byte[] dg = datagram4(12, 600, 35000);
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 0, 304, true, 0), 1));
        assertTrue(counter("IpFragMemory") > 0);
        clock.advanceSeconds(29.9);
        net.expire();
        assertEquals(1L, counter("IpFragQueues"));
        clock.advanceSeconds(0.2);
        net.expire();
        assertEquals(1L, counter("IpReasmTimeout"));
        assertEquals(1L, counter("IpReasmFails"));
        assertEmpty();
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 304, 304, false, 0), 2), "a late fragment starts afresh");
    }

    @Test
    void aLaterFragmentFindsAnExpiredQueueGoneWithoutAnExpiryRun() {
        net.settings().set("ipfrag_time", 5);
        byte[] dg = datagram4(13, 600, 35000);
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 0, 304, true, 0), 1));
        clock.advanceSeconds(6);
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 304, 304, false, 0), 2), "its first half expired meanwhile");
        assertEquals(1L, counter("IpReasmTimeout"));
        assertEquals(1L, counter("IpFragQueues"));
    }

    @Test
    void aboveTheHighThresholdNoFragmentIsQueuedUntilQueuesExpire() {
        net.settings().set("ipfrag_high_thresh", 20000);
        byte[] dg = datagram4(0, 600, 35000);
        int queued = 0;
        for (int id = 1; id <= 100; id++) {
            dg = datagram4(id, 600, 35000);
            feed(frag4(dg, 0, 304, true, 0), id);
            long mem = counter("IpFragMemory");
            assertTrue(mem <= 20000 + FragDir.truesize(324) + FragDir.QUEUE_SIZE, "memory " + mem);
            queued = (int) (long) counter("IpFragQueues");
        }
        assertTrue(queued > 5 && queued < 100, "queued " + queued);
        assertTrue(counter("IpFragOverLimit") > 0);
        // Even the fragment completing a held datagram is refused while above the threshold (Linux since 4.17).
        assertEquals(Verdict.STOLEN, feed(frag4(datagram4(1, 600, 35000), 304, 304, false, 0), 500));
        assertEquals(0L, counter("IpReasmOKs"));
        clock.advanceSeconds(31);
        net.expire();
        assertEmpty();
        byte[] again = datagram4(1, 600, 35000);
        assertEquals(Verdict.STOLEN, feed(frag4(again, 0, 304, true, 0), 600));
        assertEquals(Verdict.ACCEPT, feed(frag4(again, 304, 304, false, 0), 601));
    }

    @Test
    void aQueueOvertakenByMoreThanIpfragMaxDistFragmentsFromItsSourceStartsOver() {
        byte[] dg = datagram4(100, 600, 35000);
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 0, 304, true, 0), 1));
        for (int i = 0; i < 63; i++) {
            feed(frag4(datagram4(200 + i, 600, 35000), 0, 304, true, 0), 10 + i);
        }
        // 63 other fragments since: the 64th fragment from the source after this queue's own is still near enough.
        assertEquals(Verdict.ACCEPT, feed(frag4(dg, 304, 304, false, 0), 2));

        byte[] dg2 = datagram4(101, 600, 35000);
        assertEquals(Verdict.STOLEN, feed(frag4(dg2, 0, 304, true, 0), 3));
        for (int i = 0; i < 64; i++) {
            feed(frag4(datagram4(300 + i, 600, 35000), 0, 304, true, 0), 100 + i);
        }
        long fails = counter("IpReasmFails");
        assertEquals(Verdict.STOLEN, feed(frag4(dg2, 304, 304, false, 0), 4), "the first half was thrown away");
        assertEquals(fails + 1, counter("IpReasmFails"));
        assertEquals(Verdict.ACCEPT, feed(frag4(dg2, 0, 304, true, 0), 5), "sent again, it completes the new start");
        assertArrayEquals(new long[] {4, 5}, Arrays.copyOf(p.fragCookies, p.fragCount));
    }

    @Test
    void ipfragMaxDistZeroDisablesTheCheck() {
        net.settings().set("net.ipv4.ipfrag_max_dist", 0);
        byte[] dg = datagram4(100, 600, 35000);
        assertEquals(Verdict.STOLEN, feed(frag4(dg, 0, 304, true, 0), 1));
        for (int i = 0; i < 200; i++) {
            feed(frag4(datagram4(200 + i, 600, 35000), 0, 304, true, 0), 10 + i);
        }
        assertEquals(Verdict.ACCEPT, feed(frag4(dg, 304, 304, false, 0), 2));
    }

    @Test
    void dfIsKeptOnlyWhenTheLargestFragmentHadIt() {
        byte[] dg = datagram4(20, 600, 35000);
        feed(frag4(dg, 0, 304, true, 0x4000), 1);
        assertEquals(Verdict.ACCEPT, feed(frag4(dg, 304, 304, false, 0x4000), 2));
        assertEquals(0x4000, p.u16(6));
        assertEquals(0xffff, Checksum.fold(Checksum.add(p, 0, 20, 0)), "header checksum recomputed");

        byte[] dg2 = datagram4(21, 600, 35000);
        feed(frag4(dg2, 0, 304, true, 0), 3);
        assertEquals(Verdict.ACCEPT, feed(frag4(dg2, 304, 200, false, 0x4000), 4));
        assertEquals(0, p.u16(6), "the largest fragment had no DF");
    }

    @Test
    void ecnCeMixedWithEctMarksTheDatagramAndNotEctMixedWithCeDropsIt() {
        byte[] dg = datagram4(30, 600, 35000);
        byte[] a = frag4(dg, 0, 304, true, 0);
        byte[] b = frag4(dg, 304, 304, false, 0);
        a[1] = 2;
        b[1] = 3;
        put16(a, 10, 0);
        put16(a, 10, ipChecksum(a, 20));
        put16(b, 10, 0);
        put16(b, 10, ipChecksum(b, 20));
        feed(a, 1);
        assertEquals(Verdict.ACCEPT, feed(b, 2));
        assertEquals(3, p.u8(1) & 3, "CE");

        byte[] dg2 = datagram4(31, 600, 35000);
        byte[] c = frag4(dg2, 0, 304, true, 0);
        byte[] d = frag4(dg2, 304, 304, false, 0);
        d[1] = 3;
        put16(d, 10, 0);
        put16(d, 10, ipChecksum(d, 20));
        feed(c, 3);
        assertEquals(Verdict.STOLEN, feed(d, 4), "not-ECT with CE: the datagram is dropped");
        assertEquals(1L, counter("IpReasmFails"));
        assertEmpty();
    }

    // ---- IPv6 ---------------------------------------------------------------------------------------------

    @Test
    void ipv6FragmentsAreReassembledWithoutTheFragmentHeader() {
        byte[] dg = datagram6(3000, 0);
        int fl = dg.length - 40;
        assertEquals(Verdict.STOLEN, feed(frag6(dg, 0xd0b0fb8d, 0, 1232, true), 1));
        assertEquals(Verdict.STOLEN, feed(frag6(dg, 0xd0b0fb8d, 1232, 1232, true), 2));
        assertEquals(Verdict.ACCEPT, feed(frag6(dg, 0xd0b0fb8d, 2464, fl - 2464, false), 3));
        assertArrayEquals(dg, p.toBytes());
        assertEquals(CtInfo.NEW, p.ctinfo);
        assertEquals(1280, p.fragMaxSize, "40 + the largest payload length (fragment header included)");
        assertArrayEquals(new int[] {1232, 1232, fl - 2464}, Arrays.copyOf(p.fragLengths, 3));
        assertEquals(1L, counter("Ip6ReasmOKs"));
        assertEmpty();
    }

    @Test
    void ipv6ExtensionHeadersBeforeTheFragmentHeaderStayAndNameTheTransport() {
        byte[] dg = datagram6(600, 16);
        int unfrag = 56;
        // Fragments carrying the destination options in their unfragmentable part.
        byte[][] f = new byte[2][];
        int[][] parts = {{0, 304}, {304, dg.length - unfrag - 304}};
        for (int i = 0; i < 2; i++) {
            int off = parts[i][0];
            int len = parts[i][1];
            byte[] x = new byte[unfrag + 8 + len];
            System.arraycopy(dg, 0, x, 0, unfrag);
            x[40] = (byte) IpProto.FRAGMENT;
            put16(x, 4, x.length - 40);
            x[unfrag] = (byte) IpProto.UDP;
            put16(x, unfrag + 2, off | (i == 0 ? 1 : 0));
            put32(x, unfrag + 4, 77);
            System.arraycopy(dg, unfrag + off, x, unfrag + 8, len);
            f[i] = x;
        }
        assertEquals(Verdict.STOLEN, feed(f[1], 1));
        assertEquals(Verdict.ACCEPT, feed(f[0], 2));
        assertArrayEquals(dg, p.toBytes());
        assertEquals(IpProto.UDP, p.l4proto);
        assertEquals(unfrag, p.l4off);
    }

    @Test
    void ipv6BadFragmentsAreDroppedAsLinuxDoes() {
        byte[] dg = datagram6(3000, 0);
        // A fragment reaching beyond 65535 bytes is dropped.
        byte[] far = frag6(dg, 5, 0, 64, true);
        put16(far, 42, 65528 | 1);
        assertEquals(Verdict.DROP, feed(far, 1));
        assertEquals(Packet.DEFRAG_DROPPED, p.defrag);
        // An overlap drops the fragment and the datagram.
        assertEquals(Verdict.STOLEN, feed(frag6(dg, 6, 0, 1232, true), 2));
        assertEquals(Verdict.DROP, feed(frag6(dg, 6, 1224, 64, true), 3));
        assertEquals(1L, counter("Ip6ReasmOverlaps"));
        // A duplicate is taken and forgotten.
        assertEquals(Verdict.STOLEN, feed(frag6(dg, 7, 0, 1232, true), 4));
        assertEquals(Verdict.STOLEN, feed(frag6(dg, 7, 0, 1232, true), 5));
        assertEquals(1L, counter("Ip6FragDuplicates"));
        // A final fragment contradicting the end is dropped, the queue kept.
        assertEquals(Verdict.STOLEN, feed(frag6(dg, 7, 2464, 8, false), 6));
        assertEquals(Verdict.DROP, feed(frag6(dg, 7, 1232, 8, false), 7));
        assertEquals(Verdict.ACCEPT, feed(frag6(dg, 7, 1232, 1232, true), 9), "the queue was kept");
        assertArrayEquals(new long[] {4, 6, 9}, Arrays.copyOf(p.fragCookies, p.fragCount));
        // A non-final fragment whose length is not a multiple of 8 passes on unchanged, its queue forgotten.
        byte[] odd = frag6(dg, 8, 0, 1231, true);
        assertEquals(Verdict.ACCEPT, feed(odd, 8));
        assertArrayEquals(odd, p.toBytes());
    }

    @Test
    void aTruncatedFirstIpv6FragmentPassesUnreassembled() {
        byte[] dg = datagram6(100, 0);
        byte[] f = frag6(dg, 9, 0, 4, true);
        assertEquals(Verdict.ACCEPT, feed(f, 1));
        assertArrayEquals(f, p.toBytes());
        assertEquals(0L, counter("Ip6ReasmReqds"));
    }

    @Test
    void anIncompleteIpv6DatagramExpiresAfterFrag6Timeout() {
        byte[] dg = datagram6(3000, 0);
        feed(frag6(dg, 10, 0, 1232, true), 1);
        clock.advanceSeconds(59);
        net.expire();
        assertEquals(1L, counter("Ip6FragQueues"));
        clock.advanceSeconds(1.1);
        net.expire();
        assertEquals(1L, counter("Ip6ReasmTimeout"));
        assertEmpty();
    }

    @Test
    void defragmentationHooksComeWithTheirFirstUserAndGoWithTheLast() {
        Engine bare = new Engine(reg, "bare", clock, 8);
        try {
            assertTrue(bare.describeHooks(Family.IPV4).stream().noneMatch(h -> h.contains("defrag")));
            org.conntrack4j.core.api.Registration a = bare.enableDefrag();
            org.conntrack4j.core.api.Registration b = bare.enableDefrag();
            assertEquals(List.of("prerouting -400 defrag (core)", "output -400 defrag (core)"),
                bare.describeHooks(Family.IPV6).stream().filter(h -> h.contains("defrag")).collect(Collectors.toList()));
            a.close();
            a.close();
            assertEquals(2, bare.describeHooks(Family.IPV4).stream().filter(h -> h.contains("defrag")).count());
            b.close();
            assertTrue(bare.describeHooks(Family.IPV4).stream().noneMatch(h -> h.contains("defrag")));
        } finally {
            bare.close();
        }
    }

    @Test
    void enginesFromTheFactoryReassemble() {
        org.conntrack4j.core.api.Conntrack made = EngineFactory.create(reg, "made", clock, Map.of(), false);
        try {
            byte[] dg = datagram4(41, 600, 35000);
            p.reset();
            byte[] f = frag4(dg, 0, 304, true, 0);
            p.load(f, 0, f.length, 14);
            IpHeaders.validate(p);
            assertEquals(Verdict.STOLEN, made.packets().runHook(Hook.PRE_ROUTING, p));
        } finally {
            made.close();
        }
    }

    @Test
    void untrackedFragmentsAreLeftAlone() {
        byte[] dg = datagram4(40, 600, 35000);
        p.reset();
        byte[] f = frag4(dg, 0, 304, true, 0);
        p.load(f, 0, f.length, 14);
        IpHeaders.validate(p);
        p.ctinfo = CtInfo.UNTRACKED;
        assertEquals(Verdict.ACCEPT, net.runHook(Hook.PRE_ROUTING, p));
        assertEquals(0L, counter("IpReasmReqds"));
    }

    // ---- hostile input ------------------------------------------------------------------------------------

    @Test
    void randomFragmentsNeverThrowAndMemoryStaysBounded() {
        long high = 60000;
        net.settings().set("ipfrag_high_thresh", high);
        net.settings().set("nf_conntrack_frag6_high_thresh", high);
        SplittableRandom rnd = new SplittableRandom(2024);
        byte[] big4 = datagram4(0, 3000, 35000);
        byte[] big6 = datagram6(3000, 0);
        long bound = high + FragDir.truesize(65535);
        for (int i = 0; i < 40000; i++) {
            boolean v6 = rnd.nextInt(3) == 0;
            int id = rnd.nextInt(40);
            int off = rnd.nextInt(8) == 0 ? 8 * rnd.nextInt(8192) : 8 * rnd.nextInt(380);
            int len = 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 1400);
            boolean more = rnd.nextInt(4) != 0;
            int v;
            if (v6) {
                byte[] f = new byte[48 + len];
                System.arraycopy(big6, 0, f, 0, 40);
                f[6] = (byte) IpProto.FRAGMENT;
                put16(f, 4, 8 + len);
                f[40] = (byte) IpProto.UDP;
                put16(f, 42, (off & 0xfff8) | (more ? 1 : 0));
                put32(f, 44, id);
                System.arraycopy(big6, 40, f, 48, Math.min(len, big6.length - 40));
                f[1] = (byte) (rnd.nextInt(4) << 4);
                v = feed(f, i);
            } else {
                byte[] f = new byte[20 + len];
                System.arraycopy(big4, 0, f, 0, 20);
                System.arraycopy(big4, 20, f, 20, Math.min(len, big4.length - 20));
                put16(f, 2, 20 + len);
                put16(f, 4, id);
                put16(f, 6, (off >>> 3) & 0x1fff | (more ? 0x2000 : 0) | (rnd.nextInt(8) == 0 ? 0x4000 : 0));
                f[1] = (byte) rnd.nextInt(4);
                put16(f, 10, 0);
                put16(f, 10, ipChecksum(f, 20));
                v = feed(f, i);
            }
            assertTrue(v == Verdict.ACCEPT || v == Verdict.STOLEN || v == Verdict.DROP, "verdict " + v);
            assertTrue(counter("IpFragMemory") <= bound && counter("Ip6FragMemory") <= bound, "memory bounded");
            if (i % 100 == 0) {
                // A well-formed datagram among the noise (its own id range).
                byte[] good = datagram4(1000 + i / 100, 600, 35000);
                if (feed(frag4(good, 0, 304, true, 0), -1) == Verdict.STOLEN) {
                    feed(frag4(good, 304, 304, false, 0), -2);
                }
            }
            if (rnd.nextInt(500) == 0) {
                clock.advanceSeconds(rnd.nextInt(40));
            }
        }
        assertTrue(counter("IpReasmOKs") + counter("Ip6ReasmOKs") > 0, "some datagrams completed");
        assertTrue(counter("IpReasmOverlaps") > 0 && counter("IpFragDuplicates") > 0);
        clock.advanceSeconds(61);
        net.expire();
        assertEmpty();
    }

    @Test
    void aFloodOfTinyFirstFragmentsIsHeldToTheThresholdAndNoFurther() {
        byte[] dg = datagram4(0, 100, 35000);
        long high = net.settings().get("ipfrag_high_thresh");
        for (int id = 0; id < 20000; id++) {
            byte[] f = frag4(dg, 0, 8, true, 0);
            put16(f, 4, id);
            put16(f, 10, 0);
            put16(f, 10, ipChecksum(f, 20));
            assertEquals(Verdict.STOLEN, feed(f, id));
        }
        long mem = counter("IpFragMemory");
        long queues = counter("IpFragQueues");
        assertTrue(mem > high && mem <= high + FragDir.truesize(28) + FragDir.QUEUE_SIZE, "memory " + mem);
        assertEquals(queues * (FragDir.QUEUE_SIZE + FragDir.truesize(28)), mem);
        assertTrue(counter("IpFragOverLimit") > 0);
        clock.advanceSeconds(31);
        net.expire();
        assertEmpty();
    }
}
