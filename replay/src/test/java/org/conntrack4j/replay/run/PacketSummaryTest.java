package org.conntrack4j.replay.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.conntrack4j.replay.pcap.CaptureFrame;
import org.conntrack4j.replay.pcap.CaptureReader;
import org.conntrack4j.testkit.KernelCase;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The SCTP summaries read as the kernel cases' summary column (oracle README, "SCTP src:port > dst:port ..."). */
class PacketSummaryTest {
    private static final int ETHERNET = 14;

    @ParameterizedTest
    @CsvSource({"sctp_basic,ingress.pcapng,ctstate.tsv,5", "sctp_basic,egress.pcapng,egress.tsv,3",
        "sctp_masq,ingress.pcapng,ctstate.tsv,5", "sctp_masq,egress.pcapng,egress.tsv,3"})
    void sctpSummariesAreTheCasesOwn(String name, String capture, String tsv, int column) throws IOException {
        Path dir = TestData.oracleCases().resolve(name);
        List<String[]> rows = KernelCase.at(dir).tsv(tsv);
        int sctp = 0;
        try (CaptureReader reader = CaptureReader.open(dir.resolve(capture))) {
            for (String[] row : rows) {
                CaptureFrame f = reader.next();
                String s = PacketSummary.describe(f.array(), f.offset() + ETHERNET, f.capturedLength() - ETHERNET);
                assertEquals(row[column], s, name + " " + capture + " frame " + row[0]);
                sctp += s.startsWith("SCTP ") ? 1 : 0;
            }
        }
        assertTrue(sctp > 20, "the case is made of SCTP packets");
    }

    @ParameterizedTest
    @CsvSource({"0,'SCTP 198.51.100.10:1 > 203.0.113.10:2 vtag=0x00000000 DATA(len=0)'",
        "2,'SCTP 198.51.100.10:1 > 203.0.113.10:2 vtag=0x00000000 INIT_ACK(len=2)'",
        "200,'SCTP 198.51.100.10:1 > 203.0.113.10:2 vtag=0x00000000 CHUNK200(len=0)'"})
    void aChunkLengthBelowItsHeaderEndsTheList(int type, String expected) {
        byte[] b = ipv4(132, 20 + 16, 20 + 16, 0);
        b[32] = (byte) type;
        b[35] = (byte) (type == 2 ? 2 : 0);
        assertEquals(expected + " | IPv4 id=0 ttl=0", PacketSummary.describe(b, 0, b.length));
    }

    /**
     * {@code size} bytes of an IPv4 packet of {@code proto} from 198.51.100.10 to 203.0.113.10 whose total length field
     * says {@code total}, with TTL {@code ttl}; ports 1 and 2 in the next header.
     */
    private static byte[] ipv4(int proto, int total, int size, int ttl) {
        byte[] b = new byte[size];
        b[0] = 0x45;
        b[2] = (byte) (total >>> 8);
        b[3] = (byte) total;
        b[8] = (byte) ttl;
        b[9] = (byte) proto;
        byte[] addrs = {(byte) 198, 51, 100, 10, (byte) 203, 0, 113, 10};
        System.arraycopy(addrs, 0, b, 12, 8);
        b[21] = 1;
        b[23] = 2;
        return b;
    }

    /** A TCP/IPv4 ACK with {@code data} payload bytes whose total length field says {@code total}. */
    private static byte[] tcp4(int total, int data) {
        byte[] b = ipv4(6, total, 40 + data, 64);
        b[32] = 0x50;
        b[33] = 0x10;
        return b;
    }

    @org.junit.jupiter.api.Test
    void aZeroTotalLengthIsTsoAndTakesTheFramesLength() {
        byte[] b = tcp4(0, 3000);
        assertEquals("TCP 198.51.100.10:1 > 203.0.113.10:2 [A] seq=0 ack=0 win=0 len=3000 data='" + "\\x00".repeat(48)
            + "' | IPv4 id=0 ttl=64 length 0 (TSO)", PacketSummary.describe(b, 0, b.length));
    }

    @org.junit.jupiter.api.Test
    void aTotalLengthShorterThanTheHeaderIsBad() {
        byte[] b = tcp4(19, 0);
        assertEquals("IPv4 198.51.100.10 > 203.0.113.10 bad-len 19 | IPv4 id=0 ttl=64", PacketSummary.describe(b, 0,
            b.length));
        b[0] = 0x44;
        assertEquals("IPv4 198.51.100.10 > 203.0.113.10 bad-hlen 16 | IPv4 id=0 ttl=64", PacketSummary.describe(b, 0,
            b.length));
    }
}
