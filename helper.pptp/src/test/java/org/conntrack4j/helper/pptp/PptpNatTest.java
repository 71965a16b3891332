package org.conntrack4j.helper.pptp;

import static org.conntrack4j.helper.pptp.PptpRig.PAC;
import static org.conntrack4j.helper.pptp.PptpRig.PNS;
import static org.conntrack4j.helper.pptp.PptpRig.ROUTER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.junit.jupiter.api.Test;

/**
 * The PPTP helper behind masquerade, as nf_nat_pptp does it (the reference case pptp_masq and the recorded
 * pptp_calls, pptp_callid_reuse show the same): the PNS's call ID becomes the masqueraded TCP source port towards
 * the PAC and is given back in the PAC's messages, and the call's GRE connection is bound so that the PAC's keys are
 * translated back.
 */
class PptpNatTest {
    private final PptpRig rig = new PptpRig(true);
    private final PptpRig.Session s = rig.new Session(PNS, 41723, PAC).start();

    @Test
    void theControlConnectionIsMasqueraded() {
        assertEquals(ROUTER, s.seenPns);
        assertEquals(41723, s.seenPort, "the port is kept when free");
        assertTrue(s.ct.hasStatus(Status.SRC_NAT));
    }

    @Test
    void thePnsCallIdBecomesTheTranslatedPortAndComesBack() {
        PptpRig.Result req = s.pns(PptpRig.ocrq(257));
        assertEquals(41723, req.callId(Pptp.CALL_ID));
        assertTrue(validTcp(req.out), "checksum fixed after the rewrite");
        PptpRig.Result rep = s.pac(PptpRig.ocrp(16385, 41723, 1));
        assertEquals(16385, rep.callId(Pptp.CALL_ID));
        assertEquals(257, rep.callId(Pptp.REPLY_PEER_CALL_ID), "the PNS sees its own call ID");
        assertTrue(validTcp(rep.out));
        assertEquals(257, s.master().natPnsCallId);
        assertEquals(41723, s.master().pnsCallId);
    }

    @Test
    void theExpectationsAreThoseOfTheReferenceCase() {
        s.call(257, 16385);
        String tail = " mask-src=255.255.255.255 mask-dst=255.255.255.255 srckey=0xffff dstkey=0xffff "
            + "master-src=198.51.100.10 master-dst=203.0.113.10 sport=41723 dport=1723 class=0 helper=pptp";
        assertEquals(Set.of("300 proto=47 src=198.51.100.10 dst=203.0.113.10 srckey=0x101 dstkey=0x4001" + tail,
            "300 proto=47 src=203.0.113.10 dst=203.0.113.1 srckey=0x4001 dstkey=0xa2fb" + tail),
            Set.copyOf(rig.expectations()));
    }

    @Test
    void linkInfoAndDisconnectNameThePnsCallIdTheyKnow() {
        s.call(257, 16385);
        assertEquals(16385, s.pns(PptpRig.sli(16385)).callId(Pptp.PEER_CALL_ID), "towards the PAC: unchanged");
        assertEquals(257, s.pac(PptpRig.sli(41723)).callId(Pptp.PEER_CALL_ID));
        assertEquals(41723, s.pns(PptpRig.ccrq(257)).callId(Pptp.CALL_ID), "Call-Clear-Request: the translated one");
        // the PAC fills in its own call ID; Linux overwrites it with the PNS's own all the same
        assertEquals(257, s.pac(PptpRig.cdn(16385)).callId(Pptp.CALL_ID));
    }

    @Test
    void beforeAnyOutgoingCallThePnsCallIdIsZero() {
        assertEquals(0, s.pac(PptpRig.sli(41723)).callId(Pptp.PEER_CALL_ID), "nf_nat_pptp knows none yet");
    }

    @Test
    void greKeysFromThePacAreTranslatedBack() {
        s.call(257, 16385);
        PptpRig.Result first = rig.forward(PptpRig.gre(PNS, PAC, 16385));
        assertEquals("related", first.state);
        assertEquals(16385, first.word(6), "keys towards the PAC stay");
        assertEquals(List.of(), rig.expectations(), "the matched expectation and the other one are gone");
        PptpRig.Result back = rig.forward(PptpRig.gre(PAC, ROUTER, 41723));
        assertEquals("established", back.state);
        assertEquals(257, back.word(6), "the PAC's key is the PNS's own call ID again");
        assertEquals(List.of("ipv4 2 gre 47 30 src=198.51.100.10 dst=203.0.113.10 srckey=0x101 dstkey=0x4001 "
            + "src=203.0.113.10 dst=203.0.113.1 srckey=0x4001 dstkey=0xa2fb mark=0 use=1"), rig.gre());
        s.pac(PptpRig.cdn(16385));
        assertEquals(List.of(), rig.gre(), "found by the control connection's reply tuple");
    }

    @Test
    void aGrePacketWithAnUnknownKeyToTheRouterIsAConnectionWithSourceKeyZero() {
        s.call(257, 16385);
        assertEquals("new", rig.forward(PptpRig.gre(PAC, ROUTER, 0xdead)).state);
        assertTrue(rig.gre().get(0).startsWith("ipv4 2 gre 47 30 src=203.0.113.10 dst=203.0.113.1 srckey=0x0 "
            + "dstkey=0xdead [UNREPLIED]"), rig.gre().toString());
    }

    @Test
    void whenThePacSendsFirstThePnsExpectationStays() {
        // Linux looks the other expectation up with the new connection's own (empty) NAT keys: it is not found
        s.call(257, 16385);
        assertEquals("related", rig.forward(PptpRig.gre(PAC, ROUTER, 41723)).state);
        List<String> left = rig.expectations();
        assertEquals(1, left.size());
        assertTrue(left.get(0).contains("src=198.51.100.10 dst=203.0.113.10 srckey=0x101 dstkey=0x4001"), left.get(0));
        assertEquals("established", rig.forward(PptpRig.gre(PNS, PAC, 16385)).state);
    }

    @Test
    void callsOfTwoSessionsGetTheirOwnPorts() {
        PptpRig.Session t = rig.new Session(PNS, 41724, PAC).start();
        assertEquals(41723, s.call(257, 16385));
        assertEquals(41724, t.call(257, 16386));
        assertEquals(4, rig.expectations().size());
        assertEquals(257, rig.forward(PptpRig.gre(PAC, ROUTER, 41724)).word(6));
        assertEquals(257, rig.forward(PptpRig.gre(PAC, ROUTER, 41723)).word(6));
        assertEquals(2, rig.gre().size());
    }

    private static boolean validTcp(byte[] ip) {
        Packet p = new Packet(ip.length + 16);
        p.load(ip, 0, ip.length, 0);
        return IpHeaders.validate(p) == null && Checksum.l4Valid(p, 20, IpProto.TCP);
    }
}
