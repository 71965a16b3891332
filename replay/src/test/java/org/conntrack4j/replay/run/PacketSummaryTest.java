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
        byte[] b = new byte[20 + 16];
        b[0] = 0x45;
        b[3] = (byte) b.length;
        b[9] = (byte) 132;
        b[12] = (byte) 198;
        b[13] = 51;
        b[14] = 100;
        b[15] = 10;
        b[16] = (byte) 203;
        b[17] = 0;
        b[18] = 113;
        b[19] = 10;
        b[21] = 1;
        b[23] = 2;
        b[32] = (byte) type;
        b[35] = (byte) (type == 2 ? 2 : 0);
        assertEquals(expected + " | IPv4 id=0 ttl=0", PacketSummary.describe(b, 0, b.length));
    }
}
