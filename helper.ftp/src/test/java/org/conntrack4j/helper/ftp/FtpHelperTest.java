package org.conntrack4j.helper.ftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.junit.jupiter.api.Test;

/**
 * The FTP helper without NAT: which commands and replies announce a data connection, the expectation made
 * for it (tuple, mask, master, class, helper, timeout), and the data connection becoming RELATED.
 */
class FtpHelperTest {
    private static final String C = "198.51.100.10";
    private static final String S = "203.0.113.10";

    private final FtpRig rig = new FtpRig();

    private FtpRig.Session control() {
        return rig.new Session(C, 54686, S, 21).handshake().login();
    }

    @Test
    void aPortCommandExpectsTheDataConnectionFromTheServerToTheAnnouncedPort() {
        FtpRig.Session s = control();
        FtpRig.Result r = s.client("PORT 198,51,100,10,156,166\r\n");
        assertEquals(Verdict.ACCEPT, r.verdict);
        assertEquals("PORT 198,51,100,10,156,166\r\n", r.payload(), "without NAT the command is left alone");
        assertEquals(List.of("300 proto=6 src=203.0.113.10 dst=198.51.100.10 sport=0 dport=40102 "
            + "mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.51.100.10 "
            + "master-dst=203.0.113.10 sport=54686 dport=21 class=0 helper=ftp"), rig.expectations());
        assertEquals(List.of("    [NEW] 300 proto=6 src=203.0.113.10 dst=198.51.100.10 sport=0 dport=40102 "
            + "mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.51.100.10 "
            + "master-dst=203.0.113.10 sport=54686 dport=21 class=0 helper=ftp"), rig.expectEvents);
    }

    @Test
    void theDataConnectionIsRelatedToItsMasterAndConsumesTheExpectation() {
        FtpRig.Session s = control();
        s.client("PORT 198,51,100,10,156,166\r\n");
        rig.expectEvents.clear();
        FtpRig.Result syn = rig.forward(FtpRig.tcp(S, 20, C, 40102, 7000, 0, FtpRig.SYN, new byte[0]));
        assertEquals("related", syn.state);
        assertEquals(CtInfo.RELATED, syn.ctinfo);
        assertSame(s.ct, syn.ct.master());
        assertTrue(syn.ct.hasStatus(Status.EXPECTED));
        assertNull(syn.ct.helper(), "FTP data connections get no helper");
        assertEquals(List.of(), rig.expectations());
        assertEquals(1, rig.expectEvents.size());
        assertTrue(rig.expectEvents.get(0).startsWith("[DESTROY] 300 proto=6 src=203.0.113.10 dst=198.51.100.10 "
            + "sport=0 dport=40102"), rig.expectEvents.toString());
        FtpRig.Result synAck = rig.forward(FtpRig.tcp(C, 40102, S, 20, 9000, 7001, FtpRig.SYN | FtpRig.ACK,
            new byte[0]));
        assertEquals("established", synAck.state);
        FtpRig.Result second = rig.forward(FtpRig.tcp(S, 20, C, 40102, 7000, 0, FtpRig.SYN, new byte[0]));
        assertEquals("established", second.state, "a retransmitted SYN belongs to the data connection now");
    }

    @Test
    void aConnectionFromAnotherSourceDoesNotMatchTheExpectation() {
        control().client("PORT 198,51,100,10,156,166\r\n");
        FtpRig.Result syn = rig.forward(FtpRig.tcp("203.0.113.99", 20, C, 40102, 7000, 0, FtpRig.SYN, new byte[0]));
        assertEquals("new", syn.state);
        assertEquals(1, rig.expectations().size());
    }

    @Test
    void anyServerSourcePortMatches() {
        control().client("PORT 198,51,100,10,156,166\r\n");
        assertEquals("related", rig.forward(FtpRig.tcp(S, 33333, C, 40102, 7000, 0, FtpRig.SYN, new byte[0])).state);
    }

    @Test
    void anEprtCommandExpectsTheAnnouncedPort() {
        FtpRig.Session s = control();
        assertEquals(Verdict.ACCEPT, s.client("EPRT |1|198.51.100.10|43313|\r\n").verdict);
        assertEquals(List.of("300 proto=6 src=203.0.113.10 dst=198.51.100.10 sport=0 dport=43313 "
            + "mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.51.100.10 "
            + "master-dst=203.0.113.10 sport=54686 dport=21 class=0 helper=ftp"), rig.expectations());
    }

    @Test
    void aPassiveReplyExpectsTheDataConnectionFromTheClient() {
        FtpRig.Session s = control();
        s.client("PASV\r\n");
        assertEquals(Verdict.ACCEPT, s.server("227 Entering Passive Mode (203,0,113,10,117,50).\r\n").verdict);
        assertEquals(List.of("300 proto=6 src=198.51.100.10 dst=203.0.113.10 sport=0 dport=30002 "
            + "mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.51.100.10 "
            + "master-dst=203.0.113.10 sport=54686 dport=21 class=0 helper=ftp"), rig.expectations());
        assertEquals("related", rig.forward(FtpRig.tcp(C, 59736, S, 30002, 1, 0, FtpRig.SYN, new byte[0])).state);
    }

    @Test
    void aPassiveReplyIsReadWithoutParenthesesFromItsFirstDigit() {
        FtpRig.Session s = control();
        s.server("227 =203,0,113,10,117,51\r\n");
        assertEquals(1, rig.expectations().size());
        assertTrue(rig.expectations().get(0).contains("dport=30003"), rig.expectations().toString());
    }

    @Test
    void anExtendedPassiveReplyExpectsTheServersOwnAddress() {
        FtpRig.Session s = control();
        s.client("EPSV\r\n");
        assertEquals(Verdict.ACCEPT, s.server("229 Entering Extended Passive Mode (|||30005|)\r\n").verdict);
        assertEquals(List.of("300 proto=6 src=198.51.100.10 dst=203.0.113.10 sport=0 dport=30005 "
            + "mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.51.100.10 "
            + "master-dst=203.0.113.10 sport=54686 dport=21 class=0 helper=ftp"),
            rig.expectations());
    }

    @Test
    void commandsAreRecognisedInAnyCase() {
        FtpRig.Session s = control();
        s.client("port 198,51,100,10,156,166\r\n");
        assertEquals(1, rig.expectations().size());
        s.client("ePrT !1!198.51.100.10!2000!\r\n");
        assertTrue(rig.expectations().get(0).contains("dport=2000"), "any printable non-digit delimiter");
    }

    @Test
    void repliesAreNotReadFromTheClientNorCommandsFromTheServer() {
        FtpRig.Session s = control();
        s.server("PORT 203,0,113,10,156,166\r\n");
        s.client("227 Entering Passive Mode (198,51,100,10,117,50).\r\n");
        s.server("EPRT |1|203.0.113.10|2000|\r\n");
        s.client("229 Entering Extended Passive Mode (|||30005|)\r\n");
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void nothingIsReadBeforeEitherSideHasEndedALine() {
        FtpRig.Session s = rig.new Session(C, 54686, S, 21).handshake();
        // the first segment of a direction cannot be proven to start a line
        assertEquals(Verdict.ACCEPT, s.client("PORT 198,51,100,10,156,166\r\n").verdict);
        assertEquals(List.of(), rig.expectations());
        s.client("PORT 198,51,100,10,156,167\r\n");
        assertTrue(rig.expectations().get(0).contains("dport=40103"), rig.expectations().toString());
    }

    @Test
    void lineStartsAreTrackedPerDirection() {
        FtpRig.Session s = rig.new Session(C, 54686, S, 21).handshake();
        s.client("USER anonymous\r\n");
        // the server has not ended a line yet: its first reply is not read
        s.server("227 Entering Passive Mode (203,0,113,10,117,50).\r\n");
        assertEquals(List.of(), rig.expectations());
        s.server("227 Entering Passive Mode (203,0,113,10,117,50).\r\n");
        assertEquals(1, rig.expectations().size());
    }

    @Test
    void aRetransmittedCommandIsReadAgain() {
        FtpRig.Session s = control();
        int at = s.cseq;
        s.client("PORT 198,51,100,10,156,166\r\n");
        rig.net.table().deleteExpectations(null);
        assertEquals(Verdict.ACCEPT, s.clientAt(at, "PORT 198,51,100,10,156,166\r\n").verdict);
        assertEquals(1, rig.expectations().size(), "the two last line starts are remembered");
    }

    @Test
    void aNewAnnouncementReplacesTheExpectationOfTheSameMaster() {
        FtpRig.Session s = control();
        s.client("PORT 198,51,100,10,156,166\r\n");
        rig.advance(1);
        s.client("PORT 198,51,100,10,156,167\r\n");
        List<String> live = rig.expectations();
        assertEquals(1, live.size());
        assertTrue(live.get(0).contains("dport=40103"), live.toString());
        assertEquals(3, rig.expectEvents.size());
        String destroyed = rig.expectEvents.get(1);
        assertTrue(destroyed.startsWith("[DESTROY] 299 ") && destroyed.contains("dport=40102"),
            "the oldest is evicted: " + rig.expectEvents);
    }

    @Test
    void theExpectationLivesFiveMinutes() {
        control().client("PORT 198,51,100,10,156,166\r\n");
        rig.advance(299.9);
        assertTrue(rig.expectations().get(0).startsWith("0 proto=6"), rig.expectations().toString());
        rig.advance(0.2);
        assertEquals("new", rig.forward(FtpRig.tcp(S, 20, C, 40102, 7000, 0, FtpRig.SYN, new byte[0])).state);
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void theMastersEndDestroysItsExpectation() {
        FtpRig.Session s = control();
        s.client("PORT 198,51,100,10,156,166\r\n");
        rig.net.packets().kill(s.ct);
        assertEquals(List.of(), rig.expectations());
        assertTrue(rig.expectEvents.get(rig.expectEvents.size() - 1).startsWith("[DESTROY]"));
    }

    @Test
    void controlConnectionEventsNameTheHelper() {
        FtpRig.Session s = control();
        assertTrue(rig.events.get(0).startsWith("    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=198.51.100.10 "
            + "dst=203.0.113.10 sport=54686 dport=21 [UNREPLIED]"), rig.events.get(0));
        assertTrue(rig.events.get(0).contains(" helper=ftp"), rig.events.get(0));
        assertEquals("ftp", rig.net.table().snapshot(s.ct).helper());
    }

    @Test
    void segmentsWithoutPayloadAndUnhelpedConnectionsAreLeftAlone() {
        FtpRig.Session other = rig.new Session(C, 40000, S, 2121).handshake();
        other.client("USER x\r\n");
        other.client("PORT 198,51,100,10,156,166\r\n");
        assertNull(other.ct.helper());
        assertEquals(List.of(), rig.expectations());
    }
}
