package org.conntrack4j.helper.ftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.testkit.FakeNat;
import org.junit.jupiter.api.Test;

/**
 * The helper behind NAT ({@code nf_nat_ftp}), against a stand-in NAT: announcements rewritten to the translated
 * address in the kernel's text, the expectation moved to a free port and told to follow the master, the length
 * change recorded so that later segments are shifted, and the kernel's failure paths.
 */
class FtpNatTest {
    private static final String C = "198.51.100.10";
    private static final String S = "203.0.113.10";

    private final FtpRig rig = new FtpRig();
    private final FakeNat nat = rig.masquerade();


    private FtpRig.Session control(String client, int port) {
        return rig.new Session(client, port, S, 21, FtpRig.ROUTER, 1383088246, 1003709745).handshake().login();
    }

    @Test
    void aPortCommandIsRewrittenToTheTranslatedAddressAndLaterSegmentsAreShifted() {
        FtpRig.Session s = control(C, 54686);
        int portSeq = s.cseq;
        FtpRig.Result r = s.client("PORT 198,51,100,10,156,166\r\n");
        assertEquals(Verdict.ACCEPT, r.verdict);
        assertEquals("PORT 203,0,113,1,156,166\r\n", r.payload());
        assertEquals(r.out.length, FtpRig.u16(r.out, 2), "IP total length");
        assertTrue(FtpRig.checksumsValid(r.out));
        assertEquals(portSeq, FtpRig.seqOf(r.out), "the rewritten segment itself keeps its number");
        assertTrue(s.ct.hasStatus(Status.SEQ_ADJUST));
        assertEquals(-2, s.ct.seqAdj().offsetAfter(Direction.ORIGINAL));
        assertEquals(List.of("300 proto=6 src=203.0.113.10 dst=203.0.113.1 sport=0 dport=40102 "
            + "mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.51.100.10 "
            + "master-dst=203.0.113.10 sport=54686 dport=21 class=0 helper=ftp"), rig.expectations());

        // the server acknowledges the 26 bytes it got; the client must see its 28 acknowledged
        FtpRig.Result ack = s.serverAck(s.cseq - 2);
        assertEquals(s.cseq, FtpRig.ackOf(ack.out));
        assertTrue(FtpRig.checksumsValid(ack.out));
        FtpRig.Result list = s.client("LIST\r\n");
        assertEquals(s.cseq - 6 - 2, FtpRig.seqOf(list.out), "later client segments are shifted back");
        assertTrue(FtpRig.checksumsValid(list.out));
        assertEquals("established", list.state);
    }

    @Test
    void theExpectationFollowsTheMasterToTheAnnouncedEndpoint() {
        FtpRig.Session s = control(C, 54686);
        s.client("PORT 198,51,100,10,156,166\r\n");
        ExpectationRequest exp = nat.inserted.get(0);
        assertNotNull(exp.expectFn(), "NAT's follow-master callback");
        assertEquals(40102, exp.savedProto());
        assertEquals(Addr.parseV4(C) & 0xffffffffL, exp.savedAddrLo());
        assertEquals(Direction.REPLY, exp.dir(), "the opposite of the announcement's direction");
        FtpRig.Result syn = rig.forward(FtpRig.tcp(S, 20, FtpRig.ROUTER, 40102, 7, 0, FtpRig.SYN, new byte[0]));
        assertEquals("related", syn.state);
        assertEquals(s.ct, syn.ct.master());
    }

    @Test
    void anEprtCommandIsRewrittenInItsOwnFormat() {
        FtpRig.Session s = control(C, 41887);
        FtpRig.Result r = s.client("EPRT |1|198.51.100.10|43313|\r\n");
        assertEquals("EPRT |1|203.0.113.1|43313|\r\n", r.payload());
        assertTrue(FtpRig.checksumsValid(r.out));
        assertEquals(-2, s.ct.seqAdj().offsetAfter(Direction.ORIGINAL));
        s.client("PORT 198,51,100,10,174,61\r\n");
        assertEquals(-4, s.ct.seqAdj().offsetAfter(Direction.ORIGINAL), "length changes accumulate");
    }

    @Test
    void passiveRepliesOfATranslatedClientKeepTheServersAddress() {
        FtpRig.Session s = control(C, 43238);
        FtpRig.Result r = s.server("227 Entering Passive Mode (203,0,113,10,117,50).\r\n");
        assertEquals("227 Entering Passive Mode (203,0,113,10,117,50).\r\n", r.payload());
        FtpRig.Result e = s.server("229 Entering Extended Passive Mode (|||30005|)\r\n");
        assertEquals("229 Entering Extended Passive Mode (|||30005|)\r\n", e.payload());
        assertFalse(s.ct.hasStatus(Status.SEQ_ADJUST), "same length: nothing to shift");
        assertEquals(Direction.ORIGINAL, nat.inserted.get(1).dir());
        assertTrue(rig.expectations().get(0).contains("src=198.51.100.10 dst=203.0.113.10 sport=0 dport=30005 "));
    }

    @Test
    void aPortTakenByAnotherMastersExpectationIsReplacedInTheCommand() {
        control(C, 54686).client("PORT 198,51,100,10,156,166\r\n");
        FtpRig.Session other = control("198.51.100.11", 54687);
        FtpRig.Result r = other.client("PORT 198,51,100,11,156,166\r\n");
        assertEquals("PORT 203,0,113,1,156,167\r\n", r.payload(), "the stand-in NAT's next free port");
        assertEquals(40102, nat.inserted.get(1).savedProto(), "the data connection still goes to the announced port");
        assertEquals(2, rig.expectations().size());
    }

    @Test
    void noFreePortDropsTheSegmentUnchanged() {
        FtpRig.Session s = control(C, 54686);
        nat.noFreePort = true;
        FtpRig.Result r = s.client("PORT 198,51,100,10,156,166\r\n");
        assertEquals(Verdict.DROP, r.verdict);
        assertEquals("nf_ct_ftp: dropping packet: all ports in use", r.reason);
        assertEquals(List.of(), rig.expectations());
        assertFalse(s.ct.hasStatus(Status.SEQ_ADJUST));
    }

    @Test
    void aPortZeroBehindNatIsExpectedButDroppedAsTheKernelDoes() {
        FtpRig.Session s = control(C, 54686);
        FtpRig.Result r = s.client("PORT 198,51,100,10,0,0\r\n");
        // the port search reports port 0 as "none found", although the expectation was inserted
        assertEquals(Verdict.DROP, r.verdict);
        assertEquals("nf_ct_ftp: dropping packet: all ports in use", r.reason);
        assertEquals(1, rig.expectations().size());
    }

    @Test
    void aFailedRewriteRemovesTheExpectationAndDropsTheSegment() {
        FtpRig.Session s = control(C, 54686);
        nat.refuseMangle = true;
        FtpRig.Result r = s.client("PORT 198,51,100,10,156,166\r\n");
        assertEquals(Verdict.DROP, r.verdict);
        assertEquals("nf_ct_ftp: dropping packet: cannot mangle packet", r.reason);
        assertEquals(List.of(), rig.expectations());
        assertEquals(2, rig.expectEvents.size());
        assertTrue(rig.expectEvents.get(1).startsWith("[DESTROY]"));
    }

    @Test
    void anUntranslatedConnectionIsNotRewrittenEvenWithNatPresent() {
        FtpRig.Session s = rig.new Session("192.0.2.7", 40000, S, 21).handshake().login();
        FtpRig.Result r = s.client("PORT 192,0,2,7,156,166\r\n");
        assertEquals("PORT 192,0,2,7,156,166\r\n", r.payload());
        assertTrue(nat.inserted.isEmpty());
        assertEquals(1, rig.expectations().size());
    }

    @Test
    void anIpv6EprtIsRewrittenWithTheFullAddressText() {
        FtpRig.Session s = rig.new Session("2001:db8:1::10", 46000, "2001:db8:2::10", 21, FtpRig.ROUTER6, 1, 2)
            .handshake().login();
        FtpRig.Result r = s.client("EPRT |2|2001:db8:1::10|40000|\r\n");
        assertEquals("EPRT |2|2001:0db8:0002:0000:0000:0000:0000:0001|40000|\r\n", r.payload());
        assertEquals(r.out.length - 40, FtpRig.u16(r.out, 4), "IPv6 payload length");
        assertTrue(FtpRig.checksumsValid(r.out));
        assertEquals(39 - 14, s.ct.seqAdj().offsetAfter(Direction.ORIGINAL), "a longer text grows the segment");
        assertNull(rig.forward(FtpRig.tcp("2001:db8:2::10", 20, FtpRig.ROUTER6, 40000, 7, 0, FtpRig.SYN,
            new byte[0])).ct.helper());
    }
}
