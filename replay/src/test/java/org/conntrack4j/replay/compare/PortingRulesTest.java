package org.conntrack4j.replay.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.conntrack4j.replay.pcap.CaptureFrame;
import org.conntrack4j.replay.pcap.CaptureReader;
import org.conntrack4j.replay.pcap.LinkType;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Python behaviours compare.py relies on, each pinned to what Python 3.11 gives. */
class PortingRulesTest {
    private static byte[] hex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    @ParameterizedTest
    @CsvSource({
        "c6336401, 198.51.100.1",
        "00000000000000000000000000000000, ::",
        "00000000000000000000000000000001, ::1",
        "00010000000000000000000000000000, 1::",
        "20010db8000000000001000000000001, 2001:db8::1:0:0:1",
        "20010db8000100000000000000000001, 2001:db8:1::1",
        "00000000000100000000000000000000, 0:0:1::",
        "20010db8000100020003000400050006, 2001:db8:1:2:3:4:5:6",
        "20010db8000000010000000100000001, 2001:db8:0:1:0:1:0:1",
        "00000000000000000000ffffc6336401, ::ffff:c633:6401",
    })
    void addressesPrintAsPythonIpaddressDoes(String bytes, String text) {
        byte[] b = hex(bytes);
        assertEquals(text, AddressText.of(b, 0, b.length));
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
        "198.51.100.1/24, 198.51.100.1",
        "2001:DB8:1:0:0:0:0:1/64, 2001:db8:1::1",
        "::ffff:1.2.3.4, ::ffff:102:304",
        "fe80::1%lan/64, fe80::1",
        "010.1.1.1, null",
        "1.2.3.256, null",
        "1.2.3.4/33, null",
        "2001:db8::1::2, null",
        "1:2:3:4:5:6:7:1.2.3.4, null",
    })
    void interfaceAddressesParseAsPythonIpInterfaceDoes(String text, String expected) {
        assertEquals(expected, AddressText.ofInterface(text));
    }

    @Test
    void linesSplitAndSpacesCollapseAsInPython() {
        assertEquals(List.of("a", "b", "c", "d", "e", "f"), PyText.splitLines("a\r\nb\rc\u000Bd\u001Ce\u2028f\n"));
        assertEquals(List.of("a", "", "b"), PyText.splitLines("a\n\nb"));
        assertEquals(List.of(), PyText.splitLines(""));
        assertEquals(List.of(""), PyText.splitLines("\n"));
        assertEquals(List.of("x\u001Fy"), PyText.splitLines("x\u001Fy"));
        assertEquals("a b c", PyText.collapseSpaces("  a \u00A0 b\t\u3000c\u001F"));
        assertTrue(PyText.isBlank(" \t\u2003"));
        assertEquals("x", PyText.strip("\u0085 x \u200A"));
    }

    @Test
    void reprAndOrderAsInPython() {
        assertEquals("'plain'", PyText.repr("plain"));
        assertEquals("\"it's\"", PyText.repr("it's"));
        assertEquals("'both \\' and \"'", PyText.repr("both ' and \""));
        assertEquals("'tab\\there \\x7f \\u200b \u00e9'", PyText.repr("tab\there \u007F \u200B \u00E9"));
        List<String> words = new ArrayList<>(List.of("\uD83D\uDE00", "\uFFFF", "a"));
        words.sort(PyText.CODE_POINT_ORDER);
        assertEquals(List.of("a", "\uFFFF", "\uD83D\uDE00"), words, "by code point, not UTF-16 unit");
    }

    @Test
    void conntrackLinesLoseTimestampIdsUseAndTimeout() {
        assertEquals("[NEW] ipv4 2 tcp 6 120 SYN_SENT src=198.51.100.10 dst=203.0.113.10 sport=40000 dport=80 "
                + "[UNREPLIED] src=203.0.113.10 dst=203.0.113.1 sport=80 dport=40000",
                ConntrackLines.normaliseEvent("[1795268213.726464]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT "
                        + "src=198.51.100.10 dst=203.0.113.10 sport=40000 dport=80 [UNREPLIED] src=203.0.113.10 "
                        + "dst=203.0.113.1 sport=80 dport=40000 id=601507625"));
        assertEquals("ipv4 2 udp 17 src=198.51.100.11 dst=203.0.113.10 sport=40000 dport=9000 src=203.0.113.10 "
                + "dst=203.0.113.1 sport=9000 dport=48929 mark=0",
                ConntrackLines.normaliseTableLine("ipv4     2 udp      17 29 src=198.51.100.11 dst=203.0.113.10 "
                        + "sport=40000 dport=9000 src=203.0.113.10 dst=203.0.113.1 sport=9000 dport=48929 mark=0 "
                        + "use=1 id=1088952356"));
        // compare.py's id= rule also takes the ICMP identifiers away
        assertEquals("ipv6 10 icmpv6 58 src=2001:db8:1::10 dst=2001:db8:2::10 type=128 code=0 src=2001:db8:2::10 "
                + "dst=2001:db8:1::10 type=129 code=0 mark=0",
                ConntrackLines.normaliseTableLine("ipv6     10 icmpv6   58 28 src=2001:db8:1::10 dst=2001:db8:2::10 "
                        + "type=128 code=0 id=611 src=2001:db8:2::10 dst=2001:db8:1::10 type=129 code=0 id=611 "
                        + "mark=0 use=1 id=1776723556"));
    }

    private static final byte[] IPV4_UDP = hex("4500001c000100004011" + "0000" + "c6336401c633640a" + "1f90" + "0035"
            + "0008" + "0000");

    @Test
    void theIpPartForEachLinkType() {
        byte[] ethernetPadded = concat(hex("020000000101020000000102" + "0800"), IPV4_UDP, new byte[18]);
        assertArrayEquals(IPV4_UDP, IpPackets.ipPart(LinkType.ETHERNET, ethernetPadded), "cut to the total length");
        byte[] doubleTagged = concat(hex("020000000101020000000102" + "88a8" + "0064" + "8100" + "00c8" + "0800"),
                IPV4_UDP);
        assertArrayEquals(IPV4_UDP, IpPackets.ipPart(LinkType.ETHERNET, doubleTagged));
        assertArrayEquals(IPV4_UDP, IpPackets.ipPart(LinkType.LINUX_SLL, concat(new byte[16], IPV4_UDP)));
        assertArrayEquals(IPV4_UDP, IpPackets.ipPart(LinkType.LINUX_SLL2, concat(new byte[20], IPV4_UDP)));
        assertArrayEquals(IPV4_UDP, IpPackets.ipPart(LinkType.RAW, concat(IPV4_UDP, new byte[3])));
        byte[] ipv6 = hex("6000000000083a40" + "0".repeat(64) + "8000000000000000");
        assertArrayEquals(ipv6, IpPackets.ipPart(LinkType.IPV6, concat(ipv6, new byte[5])));
        assertEquals(0, IpPackets.ipPart(LinkType.ETHERNET, new byte[5]).length, "too short: nothing, no exception");
    }

    @Test
    void checksumsAndTheZeroedPair() throws IOException {
        List<byte[]> packets = new ArrayList<>();
        try (CaptureReader r = CaptureReader.open(TestData.oracleCases().resolve("ipv6_basic").resolve("egress.pcapng"))) {
            for (CaptureFrame f = r.next(); f != null; f = r.next()) {
                packets.add(IpPackets.ipPart(f.linkType(), f.copyBytes()));
            }
        }
        for (byte[] p : packets) {
            assertTrue(IpPackets.l4ChecksumOk(p), "real packets verify");
            byte[] bad = p.clone();
            bad[bad.length - 1] ^= 0x10;
            int protocol = (p[0] >> 4) == 4 ? p[9] : p[6];
            boolean checked = protocol == 6 || protocol == 17 || protocol == 58;
            assertEquals(!checked, IpPackets.l4ChecksumOk(bad), "damaged TCP/UDP/ICMPv6 fails");
        }
        assertTrue(IpPackets.l4ChecksumOk(IPV4_UDP), "UDP over IPv4 without checksum");
        assertFalse(IpPackets.l4ChecksumOk(new byte[0]));
        byte[] b = {1, 2, 3, 4};
        assertArrayEquals(new byte[] {1, 0, 0, 4}, IpPackets.zeroSpan(b, 1, 2));
        assertArrayEquals(new byte[] {1, 2, 3, 0, 0}, IpPackets.zeroSpan(b, 3, 2), "Python slice assignment grows");
        assertArrayEquals(new byte[] {1, 2, 3, 4, 0, 0}, IpPackets.zeroSpan(b, 10, 2));
    }

    @Test
    void onlyPacketsTheRouterOriginatesAreMasked() {
        Set<String> own = Set.of("198.51.100.1");
        byte[] fromRouter = IPV4_UDP.clone();
        fromRouter[4] = 0x12;
        fromRouter[10] = 0x34;
        byte[] masked = IpPackets.masked(fromRouter, own);
        assertEquals(0, masked[4]);
        assertEquals(0, masked[10]);
        byte[] forwarded = fromRouter.clone();
        forwarded[8] = 63;
        assertSame(forwarded, IpPackets.masked(forwarded, own), "TTL 63: forwarded, compared in full");
        assertSame(fromRouter, IpPackets.masked(fromRouter, Set.of("203.0.113.1")));
        byte[] fragment6 = hex("6000000000102c40" + "0".repeat(64) + "1100000112345678" + "0".repeat(16));
        assertArrayEquals(hex("6000000000102c40" + "0".repeat(64) + "1100000100000000" + "0".repeat(16)),
                IpPackets.masked(fragment6, own), "the IPv6 fragment identification");
    }

    private static byte[] concat(byte[]... parts) {
        byte[] out = new byte[0];
        for (byte[] p : parts) {
            int at = out.length;
            out = Arrays.copyOf(out, at + p.length);
            System.arraycopy(p, 0, out, at, p.length);
        }
        return out;
    }

    @Test
    void noRenamingWithoutNatFlows() throws IOException {
        NatPortRenaming none = NatPortRenaming.find(TestData.oracleCases().resolve("tcp_basic"), TestData.oracleCases().resolve("tcp_basic"));
        assertTrue(none.isEmpty());
        assertNull(none.rewrite(IPV4_UDP));
        assertEquals("x dport=1", none.rename("x dport=1"));
    }

    @Test
    void sctpIsCheckedByItsCrc32c() {
        // IPv4 header (protocol 132) + SCTP common header + one 4-byte chunk
        byte[] p = hex("450000240000000040840000c6336402cb007105" + "138913890000000100000000" + "0e000004");
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(p, 20, 16);
        long v = crc.getValue();
        p[28] = (byte) v;
        p[29] = (byte) (v >> 8);
        p[30] = (byte) (v >> 16);
        p[31] = (byte) (v >> 24);
        assertTrue(IpPackets.l4ChecksumOk(p), "the CRC32c is stored little-endian");
        byte[] bad = p.clone();
        bad[31] ^= 1;
        assertFalse(IpPackets.l4ChecksumOk(bad));
        assertArrayEquals(new int[] {8, 4}, IpPackets.checksumSpan(132));
        assertFalse(IpPackets.l4ChecksumOk(Arrays.copyOf(p, 30)), "shorter than the common header");
    }

    @Test
    void echoIdsTheKernelPickedAreRenamed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws IOException {
        java.nio.file.Path kernel = java.nio.file.Files.createDirectories(tmp.resolve("kernel"));
        java.nio.file.Path replay = java.nio.file.Files.createDirectories(tmp.resolve("replay"));
        String line = "icmp     1 29 src=198.51.100.10 dst=203.0.113.5 type=8 code=0 id=7 src=203.0.113.5 "
                + "dst=203.0.113.1 type=0 code=0 id=%d mark=0 use=1\n";
        java.nio.file.Files.writeString(kernel.resolve("table.txt"), String.format(line, 9000));
        java.nio.file.Files.writeString(replay.resolve("table.txt"), String.format(line, 4660));
        NatPortRenaming r = NatPortRenaming.find(kernel, replay);
        assertEquals(1, r.size());
        assertEquals(String.format(line, 4660), r.rename(String.format(line, 9000)), "echo reply tuple renamed");
        // the kernel's echo reply towards the router, id 9000 (0x2328)
        byte[] reply = hex("4500001c0000000040010000cb007105cb007101" + "0000ffff" + "23280001");
        byte[] renamed = r.rewrite(reply);
        assertArrayEquals(hex("4500001c0000000040010000cb007105cb007101" + "00000000" + "12340001"), renamed);
        byte[] request = hex("4500001c0000000040010000cb007101cb007105" + "0800ffff" + "23280001");
        assertEquals(0x12, r.rewrite(request)[24], "the request after SNAT, original direction");
        byte[] other = hex("4500001c0000000040010000cb007105cb007101" + "0000ffff" + "23290001");
        assertNull(r.rewrite(other), "another id is not renamed");
    }

    @Test
    void aTimeoutOneSecondShortIsTickNoise() {
        String got = "[UPDATE] tcp      6 432000 ESTABLISHED src=1 dst=2";
        String ours = "[UPDATE] tcp 6 432000 ESTABLISHED src=1 dst=2";
        assertFalse(EventComparison.tickLate(ours, ours));
        String k = "[NEW] udp 17 30 src=1 dst=2 sport=1 dport=2";
        assertFalse(EventComparison.tickLate(k, k), "equal lines are no tick");
        assertTrue(EventComparison.tickLate("a b c d e 29 f", "a b c d e 30 f"));
        assertFalse(EventComparison.tickLate("a b c d e 28 f", "a b c d e 30 f"), "two seconds is no tick");
        assertFalse(EventComparison.tickLate("a b c d e 30 f", "a b c d e 29 f"), "the kernel never prints more");
        assertFalse(EventComparison.tickLate("a b c X e 29 f", "a b c d e 30 f"), "another word differs");
        List<String> kernel = new ArrayList<>();
        List<String> replay = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            kernel.add("e " + i + " x y z " + (i == 3 ? 29 : 30));
            replay.add("e " + i + " x y z 30");
        }
        PartResult one = EventComparison.compare("events", kernel, replay);
        assertTrue(one.complete(), "one tick in 150 lines is noise");
        assertEquals(1, one.details().get("tick_late"));
        kernel.set(5, "e 5 x y z 29");
        PartResult two = EventComparison.compare("events", kernel, replay);
        assertFalse(two.complete(), "two in 150 is more than 1%");
        assertEquals(148, two.agree());
    }
}
