package org.conntrack4j.replay.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The IP packet behind each link type's header, on the captures of testdata/linktypes (see its README). */
class LinkHeaderTest {
    private static final Path DIR = TestData.folder("linktypes");

    /** The IP packets of a capture, as decoded, in order; every frame must hold one. */
    private static List<byte[]> packets(String file, int linkType) throws IOException {
        List<byte[]> out = new ArrayList<>();
        LinkHeader h = new LinkHeader();
        try (CaptureReader r = CaptureReader.open(DIR.resolve(file))) {
            for (CaptureFrame f = r.next(); f != null; f = r.next()) {
                assertEquals(linkType, f.linkType(), file);
                assertTrue(h.decode(f.linkType(), f.array(), f.offset(), f.capturedLength()), file);
                assertTrue(h.family() == 4 || h.family() == 6, file + " frame " + f.index());
                assertEquals(h.family(), f.getUnsignedByte(h.network()) >>> 4, "version nibble, frame " + f.index());
                byte[] b = f.copyBytes();
                out.add(Arrays.copyOfRange(b, h.network(), b.length));
            }
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({"null-le.pcap,0", "null-be.pcap,0", "loop.pcap,108", "raw12.pcap,12", "raw14.pcap,14", "ppp.pcap,9",
        "ppp-hdlc.pcap,50"})
    void everyLinkTypeYieldsTheSameIpPacketsAsTheEthernetOriginal(String file, int linkType) throws IOException {
        List<byte[]> ether = packets("lan0-ether.pcap", LinkType.ETHERNET);
        List<byte[]> other = packets(file, linkType);
        assertEquals(ether.size(), other.size());
        assertEquals(10, other.size());
        for (int i = 0; i < ether.size(); i++) {
            assertArrayEquals(ether.get(i), other.get(i), file + " frame " + (i + 1));
        }
    }

    @Test
    void sll2RecordsInterfaceIndexAndDirectionAndSllTheDirection() throws IOException {
        LinkHeader h = new LinkHeader();
        int[] outgoing = new int[2];
        int[] byIndex = new int[4];
        int frames = 0;
        try (CaptureReader r = CaptureReader.open(DIR.resolve("any-sll2.pcap"))) {
            for (CaptureFrame f = r.next(); f != null; f = r.next(), frames++) {
                assertTrue(h.decode(f.linkType(), f.array(), f.offset(), f.capturedLength()));
                assertTrue(h.ifindex() == 2 || h.ifindex() == 3, "router's lan0 or wan0: " + h.ifindex());
                byIndex[h.ifindex()]++;
                outgoing[h.outgoing() ? 1 : 0]++;
                assertEquals(20, h.network());
            }
        }
        assertTrue(byIndex[2] > 0 && byIndex[3] > 0);
        // each forwarded echo request and reply was seen coming in on one interface and going out of the other
        assertTrue(outgoing[0] >= 8 && outgoing[1] >= 8, Arrays.toString(outgoing));
        int sllOutgoing = 0;
        try (CaptureReader r = CaptureReader.open(DIR.resolve("any-sll.pcap"))) {
            for (CaptureFrame f = r.next(); f != null; f = r.next()) {
                assertTrue(h.decode(f.linkType(), f.array(), f.offset(), f.capturedLength()));
                assertEquals(-1, h.ifindex(), "SLL records no interface");
                assertEquals(16, h.network());
                sllOutgoing += h.outgoing() ? 1 : 0;
            }
        }
        assertTrue(sllOutgoing >= 8);
    }

    @Test
    void shortOrForeignHeadersGiveNoPacketAndNeverThrow() {
        LinkHeader h = new LinkHeader();
        byte[] b = new byte[64];
        int[] types = {LinkType.NULL, LinkType.ETHERNET, LinkType.PPP, LinkType.RAW_12, LinkType.RAW_14,
            LinkType.PPP_HDLC, LinkType.RAW, LinkType.LOOP, LinkType.LINUX_SLL, LinkType.IPV4, LinkType.IPV6,
            LinkType.LINUX_SLL2};
        for (int type : types) {
            for (int len = 0; len <= 24; len++) {
                assertTrue(h.decode(type, b, 3, len));
                if (type != LinkType.IPV4 && type != LinkType.IPV6) {
                    assertEquals(LinkHeader.NONE, h.family(), type + " with " + len + " zero bytes");
                }
            }
        }
        assertFalse(h.decode(105, b, 0, 64));
        assertEquals(LinkHeader.NONE, h.family());
    }

    @Test
    void taggedSllAndCompressedPppAndCiscoHdlcAreRead() {
        LinkHeader h = new LinkHeader();
        // SLL with an 802.1Q tag kept: protocol 0x8100, then TCI and the inner protocol
        byte[] sll = new byte[16 + 4 + 20];
        sll[14] = (byte) 0x81;
        sll[18] = (byte) 0x86;
        sll[19] = (byte) 0xdd;
        sll[20] = 0x60;
        h.decode(LinkType.LINUX_SLL, sll, 0, sll.length);
        assertEquals(6, h.family());
        assertEquals(20, h.network());
        // PPP with the protocol field compressed to one byte
        byte[] ppp = {0x21, 0x45, 0, 0};
        h.decode(LinkType.PPP, ppp, 0, ppp.length);
        assertEquals(4, h.family());
        assertEquals(1, h.network());
        // Cisco HDLC: address 0x0F, control 0, EtherType
        byte[] chdlc = {0x0f, 0, 0x08, 0, 0x45, 0};
        h.decode(LinkType.PPP_HDLC, chdlc, 0, chdlc.length);
        assertEquals(4, h.family());
        assertEquals(4, h.network());
        // NULL with a family that is not IP
        byte[] nul = {7, 0, 0, 0, 0x45};
        h.decode(LinkType.NULL, nul, 0, nul.length);
        assertEquals(LinkHeader.NONE, h.family());
    }

    @Test
    void linkTypesAreNamedForMessages() {
        assertEquals("LINKTYPE_IEEE802_11 (105)", LinkType.describe(105));
        assertEquals("LINKTYPE_LINUX_SLL2 (276)", LinkType.describe(276));
        assertEquals("4242 (no known name)", LinkType.describe(4242));
    }
}
