package org.conntrack4j.helper.ftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Input meant to abuse the helper, with the kernel's answers: announcements of third hosts make no
 * expectation; unreadable numbers after a recognised command drop the segment (the kernel's "partial
 * matching"); odd numbers are taken as the kernel's arithmetic makes them; cut and pipelined commands are not
 * read; long lines and floods use no more memory and keep one expectation per control connection.
 */
class FtpHostileInputTest {
    private static final String C = "198.51.100.10";
    private static final String S = "203.0.113.10";
    private static final String PARTIAL_PORT = "nf_ct_ftp: dropping packet: partial matching of `PORT'";

    private final FtpRig rig = new FtpRig();
    private final FtpRig.Session s = rig.new Session(C, 54686, S, 21).handshake().login();

    private String onlyExpectation() {
        List<String> x = rig.expectations();
        assertEquals(1, x.size(), x.toString());
        return x.get(0);
    }

    private FtpMaster master() {
        return (FtpMaster) s.ct.helperData();
    }

    // ---- addresses ---------------------------------------------------------------------------------------

    @Test
    void aPortCommandNamingAThirdHostMakesNoExpectationButPasses() {
        FtpRig.Result r = s.client("PORT 10,0,0,1,0,22\r\n");
        assertEquals(Verdict.ACCEPT, r.verdict);
        assertEquals(List.of(), rig.expectations());
        s.client("PORT 198,51,100,10,156,166\r\n");
        assertTrue(onlyExpectation().contains("dport=40102"), "the line start after it is still known");
    }

    @Test
    void aPortCommandNamingTheServerItselfMakesNoExpectation() {
        s.client("PORT 203,0,113,10,0,25\r\n");
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void anEprtCommandNamingAThirdHostMakesNoExpectation() {
        assertEquals(Verdict.ACCEPT, s.client("EPRT |1|192.0.2.1|22|\r\n").verdict);
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void aPassiveReplyNamingAThirdHostMakesNoExpectation() {
        assertEquals(Verdict.ACCEPT, s.server("227 Entering Passive Mode (198,51,100,20,0,22).\r\n").verdict);
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void addressPartsAbove255AreCombinedAsTheKernelCombinesThem() {
        // (100 << 8) | 266 spills into the third byte: 198.51.101.10, not the client
        s.client("PORT 198,51,100,266,1,1\r\n");
        assertEquals(List.of(), rig.expectations());
        // (100 << 8) | 25610 happens to give the client's own address back
        s.client("PORT 198,51,100,25610,1,2\r\n");
        assertTrue(onlyExpectation().contains("dst=198.51.100.10 sport=0 dport=258 "), onlyExpectation());
    }

    // ---- ports -------------------------------------------------------------------------------------------

    @Test
    void portPartsKeepTheirLow16Bits() {
        s.client("PORT 198,51,100,10,300,1\r\n");
        assertTrue(onlyExpectation().contains(" dport=11265 "), onlyExpectation());
        s.client("EPRT |1|198.51.100.10|70000|\r\n");
        assertTrue(onlyExpectation().contains(" dport=4464 "), onlyExpectation());
    }

    @Test
    void portZeroInAPortCommandIsExpectedAsTheKernelDoes() {
        s.client("PORT 198,51,100,10,0,0\r\n");
        assertTrue(onlyExpectation().contains(" dport=0 "), onlyExpectation());
    }

    @ParameterizedTest
    @ValueSource(strings = {"EPRT |1|198.51.100.10|0|\r\n", "EPRT |1|198.51.100.10|65536|\r\n",
        "EPRT |1|198.51.100.10||\r\n", "EPRT |1|198.51.100.10|22\r\n", "EPRT |1|198.51.100.10|2x2|\r\n"})
    void anEprtPortThatIsZeroOrUnendedDropsTheSegment(String cmd) {
        FtpRig.Result r = s.client(cmd);
        assertEquals(Verdict.DROP, r.verdict);
        assertEquals("nf_ct_ftp: dropping packet: partial matching of `EPRT'", r.reason);
        assertEquals(List.of(), rig.expectations());
    }

    @ParameterizedTest
    @ValueSource(strings = {"229 Entering Extended Passive Mode (|||0|)\r\n", "229 Extended Passive (|||30005)\r\n",
        "229 Entering Extended Passive Mode\r\n", "229 (|x|30005|)\r\n", "229 (1113|)\r\n"})
    void anUnreadableExtendedPassiveReplyDropsTheSegment(String reply) {
        FtpRig.Result r = s.server(reply);
        assertEquals(Verdict.DROP, r.verdict);
        assertEquals("nf_ct_ftp: dropping packet: partial matching of `229 '", r.reason);
        assertEquals(List.of(), rig.expectations());
    }

    // ---- unreadable numbers ------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"PORT garbage\r\n", "PORT 198,51,100,10,156,166\n", "PORT 1,2,3,4,5,6,7\r\n",
        "PORT 198,51,100,10,156\r\n", "PORT 198.51.100.10.156.166\r\n", "PORTAL\r\n", "PORT 198,51,100,10,156,166 \r\n",
        "PORT \u0000198,51,100,10,156,166\r\n", "port 198,51,100,10,156,\u00e9\r\n", "PORT \r\n"})
    void unreadableNumbersAfterPortDropTheSegmentAsTheKernelDoes(String cmd) {
        FtpRig.Result r = s.client(cmd);
        assertEquals(Verdict.DROP, r.verdict);
        assertEquals(PARTIAL_PORT, r.reason);
        assertNull(r.out);
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void aDroppedCommandDoesNotMoveTheLineStartSoItsRetransmissionIsDroppedToo() {
        int at = s.cseq;
        assertEquals(Verdict.DROP, s.client("PORT garbage\r\n").verdict);
        assertEquals(Verdict.DROP, s.clientAt(at, "PORT garbage\r\n").verdict);
        assertEquals(Verdict.ACCEPT, s.clientAt(at, "PORT 198,51,100,10,156,166\r\n").verdict,
            "the same position with a readable command");
        assertTrue(onlyExpectation().contains("dport=40102"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"P", "PO", "POR", "PORT", "e", "EPR", "EPRT"})
    void aSegmentThatIsOnlyTheBeginningOfACommandIsDropped(String start) {
        FtpRig.Result r = s.client(start);
        assertEquals(Verdict.DROP, r.verdict);
        assertTrue(r.reason.startsWith("nf_ct_ftp: dropping packet: partial matching of `"), r.reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2", "22", "227", "227 ", "229 "})
    void aReplySegmentThatIsOnlyTheBeginningOfAPassiveReplyIsDropped(String start) {
        assertEquals(Verdict.DROP, s.server(start).verdict);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PASV\r\n", "EPSV\r\n", "LIST\r\n", "P\u00f6RT 1,2,3,4,5,6\r\n", "PROT P\r\n"})
    void otherCommandsPassUnread(String cmd) {
        assertEquals(Verdict.ACCEPT, s.client(cmd).verdict);
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void anEprtWithTheOtherFamilysProtocolIsDropped() {
        FtpRig.Result r = s.client("EPRT |2|2001:db8::1|2000|\r\n");
        assertEquals(Verdict.DROP, r.verdict);
        assertEquals(List.of(), rig.expectations());
    }

    @ParameterizedTest
    @ValueSource(strings = {"EPRT 1198.51.100.10|1|\r\n", "EPRT  |1|198.51.100.10|2000|\r\n",
        "EPRT |1|198.51.100|2000|\r\n", "EPRT |1|198.51.100.10.1|2000|\r\n", "EPRT |1!198.51.100.10|2000|\r\n",
        "EPRT |3|198.51.100.10|2000|\r\n"})
    void malformedEprtCommandsAreDropped(String cmd) {
        assertEquals(Verdict.DROP, s.client(cmd).verdict);
        assertEquals(List.of(), rig.expectations());
    }

    // ---- where commands are read ---------------------------------------------------------------------------

    @Test
    void aSecondCommandInTheSameSegmentIsNotRead() {
        s.client("NOOP\r\nPORT 198,51,100,10,156,166\r\n");
        assertEquals(List.of(), rig.expectations());
        s.client("PORT 198,51,100,10,156,166\r\nPORT 198,51,100,10,156,167\r\n");
        assertTrue(onlyExpectation().contains("dport=40102"), "only the first of two pipelined commands");
        s.client("PORT 198,51,100,10,156,168\r\n");
        assertTrue(onlyExpectation().contains("dport=40104"), "a pipelined segment ending a line is followed");
    }

    @Test
    void aCommandCutAcrossSegmentsIsNotRead() {
        FtpRig.Result first = s.client("PORT 198,51,100,10,");
        assertEquals(Verdict.DROP, first.verdict, "the kernel drops the beginning");
        assertEquals(Verdict.ACCEPT, s.client("156,166\r\n").verdict);
        assertEquals(List.of(), rig.expectations());
        s.client("NOOP\r\nPO");
        s.client("RT 198,51,100,10,156,166\r\n");
        assertEquals(List.of(), rig.expectations(), "the rest of a command does not start a line");
    }

    @Test
    void aCommandWhoseLineEndIsCutOffIsReadButTheNextSegmentIsNot() {
        s.client("PORT 198,51,100,10,156,166\r");
        assertTrue(onlyExpectation().contains("dport=40102"));
        s.client("\n");
        s.client("PORT 198,51,100,10,156,167\r\n");
        assertTrue(onlyExpectation().contains("dport=40103"), "the lone newline ended a line");
    }

    @Test
    void anEndlessLineKeepsCommandsUnreadWithBoundedState() {
        s.client("SITE ");
        for (int i = 0; i < 2000; i++) {
            assertEquals(Verdict.ACCEPT, s.client("PORT 198,51,100,10,156,166 and so on, ").verdict);
            s.serverAck(s.cseq);
        }
        assertEquals(List.of(), rig.expectations());
        assertTrue(master().lineStartCount(Direction.ORIGINAL) <= FtpMaster.REMEMBERED);
        s.client("end\r\n");
        s.client("PORT 198,51,100,10,156,166\r\n");
        assertTrue(onlyExpectation().contains("dport=40102"));
    }

    @Test
    void anOverlongCommandIsReadToItsEndOnceAndDropped() {
        StringBuilder digits = new StringBuilder("PORT ");
        while (digits.length() < 60000) {
            digits.append("1111111111");
        }
        assertEquals(Verdict.DROP, s.client(digits.append("\r\n").toString()).verdict);
        StringBuilder text = new StringBuilder("227 ");
        while (text.length() < 60000) {
            text.append("no digits here ");
        }
        assertEquals(Verdict.DROP, s.server(text.append("\r\n").toString()).verdict);
        assertEquals(List.of(), rig.expectations());
    }

    // ---- floods --------------------------------------------------------------------------------------------

    @Test
    void aFloodOfPortCommandsKeepsOneExpectationPerControlConnection() {
        FtpRig.Session other = rig.new Session("198.51.100.11", 40000, S, 21).handshake().login();
        for (int i = 0; i < 5000; i++) {
            int port = 1024 + i;
            s.client("PORT 198,51,100,10," + (port >> 8) + "," + (port & 0xff) + "\r\n");
            other.client("EPRT |1|198.51.100.11|" + port + "|\r\n");
            s.serverAck(s.cseq);
            other.serverAck(other.cseq);
        }
        List<String> live = rig.expectations();
        assertEquals(2, live.size(), live.toString());
        assertTrue(live.stream().allMatch(x -> x.contains(" dport=6023 ")), live.toString());
        assertEquals(4 * 5000 - 2, rig.expectEvents.size(), "each replacement destroys the one before");
        assertTrue(master().lineStartCount(Direction.ORIGINAL) <= FtpMaster.REMEMBERED);
    }

    @Test
    void randomBytesNeverEscapeAsExceptionsAndNeverOpenAWayToAnotherHost() {
        Random random = new Random(42);
        String[] starts = {"PORT ", "port ", "EPRT ", "EPRT |1|", "EPRT |2|", "227 ", "229 (", "229 (|||", ""};
        String alphabet = "0123456789,.|:()!\r\n aF\u0000\u00ff";
        for (int i = 0; i < 5000; i++) {
            StringBuilder b = new StringBuilder(starts[random.nextInt(starts.length)]);
            int n = random.nextInt(40);
            for (int k = 0; k < n; k++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            if (random.nextBoolean()) {
                b.append("\r\n");
            }
            FtpRig.Result r = random.nextBoolean() ? s.client(b.toString()) : s.server(b.toString());
            assertTrue(r.verdict == Verdict.ACCEPT || r.verdict == Verdict.DROP);
            List<String> live = rig.expectations();
            assertTrue(live.size() <= 1, live.toString());
            for (String x : live) {
                assertTrue(x.contains("src=203.0.113.10 dst=198.51.100.10 ") || x.contains("src=198.51.100.10 "
                    + "dst=203.0.113.10 "), "only between the two ends of the control connection: " + x);
            }
        }
    }
}
