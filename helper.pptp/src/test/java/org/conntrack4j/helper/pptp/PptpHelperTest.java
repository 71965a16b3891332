package org.conntrack4j.helper.pptp;

import static org.conntrack4j.helper.pptp.PptpRig.PAC;
import static org.conntrack4j.helper.pptp.PptpRig.PNS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Verdict;
import org.junit.jupiter.api.Test;

/**
 * The PPTP helper without NAT, as Linux 6.18's nf_conntrack_pptp behaves (the recorded cases pptp_nonat and
 * pptp_second_call show the same on a real kernel): the session and call states, the two GRE expectations of an
 * accepted call, the key map that gives GRE packets their source key, and what ends a call.
 */
class PptpHelperTest {
    private final PptpRig rig = new PptpRig(false);
    private final PptpRig.Session s = rig.new Session(PNS, 41810, PAC).start();

    private static final String ORIG_EXP = "proto=47 src=198.51.100.10 dst=203.0.113.10 srckey=0x200 dstkey=0x1b59 "
        + "mask-src=255.255.255.255 mask-dst=255.255.255.255 srckey=0xffff dstkey=0xffff master-src=198.51.100.10 "
        + "master-dst=203.0.113.10 sport=41810 dport=1723 class=0 helper=pptp";
    private static final String REPLY_EXP = "proto=47 src=203.0.113.10 dst=198.51.100.10 srckey=0x1b59 dstkey=0x200 "
        + "mask-src=255.255.255.255 mask-dst=255.255.255.255 srckey=0xffff dstkey=0xffff master-src=198.51.100.10 "
        + "master-dst=203.0.113.10 sport=41810 dport=1723 class=0 helper=pptp";

    @Test
    void theHelperIsForIpv4AndTcpOnly() {
        assertTrue(rig.helper.supports(Family.IPV4));
        assertFalse(rig.helper.supports(Family.IPV6));
        assertEquals(IpProto.TCP, rig.helper.protocol());
        assertEquals(2, rig.helper.expectPolicies().get(0).maxExpected());
        assertEquals(300, rig.helper.expectPolicies().get(0).timeoutSeconds());
    }

    @Test
    void startControlConnectionConfirmsTheSession() {
        assertEquals(PptpMaster.SESSION_CONFIRMED, s.master().sstate);
        assertEquals(PptpMaster.CALL_NONE, s.master().cstate);
    }

    @Test
    void anOutgoingCallReplyExpectsTheCallsGreBothWays() {
        assertEquals(512, s.call(512, 7001), "no NAT: the PAC sees the PNS's call ID");
        assertEquals(Set.of("300 " + REPLY_EXP, "300 " + ORIG_EXP), Set.copyOf(rig.expectations()));
        assertEquals(List.of("[NEW] 300 " + ORIG_EXP, "[NEW] 300 " + REPLY_EXP), rig.expectEvents);
        assertEquals(PptpMaster.CALL_OUT_CONF, s.master().cstate);
        assertEquals(7001, s.master().pacCallId);
    }

    @Test
    void theFirstGrePacketIsRelatedAndTheOtherExpectationGoes() {
        s.call(512, 7001);
        rig.advance(0.2);
        assertEquals("related", rig.forward(PptpRig.gre(PAC, PNS, 512)).state, "the PAC's first: reply expectation");
        assertEquals(List.of(), rig.expectations());
        assertEquals("established", rig.forward(PptpRig.gre(PNS, PAC, 7001)).state, "the key map gives srckey 512");
        assertEquals("established", rig.forward(PptpRig.gre(PAC, PNS, 512)).state);
        assertEquals(List.of("ipv4 2 gre 47 180 src=203.0.113.10 dst=198.51.100.10 srckey=0x1b59 dstkey=0x200 "
            + "src=198.51.100.10 dst=203.0.113.10 srckey=0x200 dstkey=0x1b59 [ASSURED] mark=0 use=1"), rig.gre());
        assertTrue(rig.events.get(rig.events.size() - 1).contains("[UPDATE] ipv4 2 gre 47 180"), rig.events.toString());
    }

    @Test
    void callDisconnectNotifyDestroysTheGreConnectionAndItsKeys() {
        s.call(512, 7001);
        rig.forward(PptpRig.gre(PNS, PAC, 7001));
        rig.forward(PptpRig.gre(PAC, PNS, 512));
        s.pns(PptpRig.ccrq(512));
        assertEquals(PptpMaster.CALL_CLEAR_REQ, s.master().cstate);
        s.pac(PptpRig.cdn(7001));
        assertEquals(List.of(), rig.gre());
        assertTrue(rig.events.get(rig.events.size() - 1).startsWith("[DESTROY] ipv4 2 gre 47 30"), rig.events.toString());
        // without its key map entry a GRE packet of the call is a stranger: source key 0
        assertEquals("new", rig.forward(PptpRig.gre(PNS, PAC, 7001)).state);
        assertTrue(rig.gre().get(0).contains("srckey=0x0 dstkey=0x1b59"), rig.gre().toString());
    }

    @Test
    void theControlConnectionsEndDestroysItsCallsGre() {
        s.call(512, 7001);
        rig.forward(PptpRig.gre(PNS, PAC, 7001));
        rig.net.packets().kill(s.ct);
        assertEquals(List.of(), rig.gre());
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void pendingExpectationsGoWhenTheCallEndsBeforeAnyGre() {
        s.call(512, 7001);
        s.pac(PptpRig.cdn(7001));
        assertEquals(List.of(), rig.expectations(), "destroy_sibling_or_exp: no connection, so the expectations");
    }

    @Test
    void aReplyToAnotherCallIsNotRead() {
        s.pns(PptpRig.ocrq(512));
        s.pac(PptpRig.ocrp(7001, 999, 1));
        assertEquals(List.of(), rig.expectations());
        assertEquals(PptpMaster.CALL_OUT_REQ, s.master().cstate);
        assertEquals(1L, rig.helper.counters().get("invalid"));
    }

    @Test
    void aRefusedCallExpectsNothing() {
        s.pns(PptpRig.ocrq(512));
        s.pac(PptpRig.ocrp(7001, 512, 4));
        assertEquals(List.of(), rig.expectations());
        assertEquals(PptpMaster.CALL_NONE, s.master().cstate);
    }

    @Test
    void messagesBeforeTheSessionIsConfirmedAreNotRead() {
        PptpRig.Session t = rig.new Session(PNS, 41811, PAC).open();
        t.pns(PptpRig.ocrq(512));
        t.pac(PptpRig.ocrp(7001, 512, 1));
        assertEquals(List.of(), rig.expectations());
        assertEquals(PptpMaster.SESSION_NONE, t.master().sstate);
        t.pac(PptpRig.sccrp(1));
        assertEquals(PptpMaster.SESSION_NONE, t.master().sstate, "a reply to no request");
        t.pns(PptpRig.sccrq());
        t.pac(PptpRig.sccrp(2));
        assertEquals(PptpMaster.SESSION_ERROR, t.master().sstate, "a start refused");
    }

    @Test
    void stoppingTheSessionEndsItOnlyThroughTheRequest() {
        s.pac(PptpRig.stopReply(1));
        assertEquals(PptpMaster.SESSION_CONFIRMED, s.master().sstate, "a stop reply while confirmed is not read");
        s.pns(PptpRig.stopRequest());
        assertEquals(PptpMaster.SESSION_STOPREQ, s.master().sstate);
        s.pac(PptpRig.stopReply(1));
        assertEquals(PptpMaster.SESSION_NONE, s.master().sstate);
        s.pns(PptpRig.sccrq());
        assertEquals(PptpMaster.SESSION_REQUESTED, s.master().sstate, "a new session may start");
    }

    @Test
    void anIncomingCallIsExpectedWhenConnected() {
        s.pac(PptpRig.icrq(7002));
        assertEquals(PptpMaster.CALL_IN_REQ, s.master().cstate);
        s.pns(PptpRig.icrp(513, 7002, 1));
        assertEquals(PptpMaster.CALL_IN_REP, s.master().cstate);
        assertEquals(List.of(), rig.expectations());
        s.pac(PptpRig.iccn(513));
        assertEquals(PptpMaster.CALL_IN_CONF, s.master().cstate);
        assertEquals(2, rig.expectations().size());
        assertTrue(rig.expectations().stream().anyMatch(x -> x.contains(
            "src=198.51.100.10 dst=203.0.113.10 srckey=0x201 dstkey=0x1b5a")), rig.expectations().toString());
        assertEquals("related", rig.forward(PptpRig.gre(PNS, PAC, 7002)).state);
    }

    @Test
    void anIncomingCallReplyToAnotherCallIsNotRead() {
        s.pac(PptpRig.icrq(7002));
        s.pns(PptpRig.icrp(513, 7003, 1));
        assertEquals(PptpMaster.CALL_IN_REQ, s.master().cstate);
        s.pns(PptpRig.icrp(513, 7002, 3));
        assertEquals(PptpMaster.CALL_NONE, s.master().cstate, "not accepted");
    }

    /**
     * Linux keeps one call per session; a second call whose PAC call ID is the first's gets expectations that the key
     * map then refuses (the first call's reply-direction entry differs), and 6.18 drops the first call's entries
     * with them: the first call's GRE packets get source key 0 from then on (pptp_second_call shows it).
     */
    @Test
    void aSecondCallWhileTheFirstIsUpLosesTheFirstCallsKeys() {
        s.call(257, 16385);
        rig.forward(PptpRig.gre(PNS, PAC, 16385));
        rig.forward(PptpRig.gre(PAC, PNS, 257));
        rig.expectEvents.clear();
        s.call(258, 16385);
        assertEquals(4, rig.expectEvents.size(), rig.expectEvents.toString());
        assertTrue(rig.expectEvents.get(2).startsWith("[DESTROY] 300 proto=47 src=203.0.113.10"), "reply first");
        assertTrue(rig.expectEvents.get(3).startsWith("[DESTROY] 300 proto=47 src=198.51.100.10"));
        assertEquals(List.of(), rig.expectations());
        assertEquals(1L, rig.helper.counters().get("expect_failed"));
        assertEquals("new", rig.forward(PptpRig.gre(PNS, PAC, 16385)).state, "source key 0 now");
        // the key map is empty again: a third call gets its expectations and keys
        s.call(259, 16386);
        assertEquals(2, rig.expectations().size());
        assertEquals("related", rig.forward(PptpRig.gre(PNS, PAC, 16386)).state);
    }

    @Test
    void theSameCallSetUpAgainReplacesItsExpectations() {
        s.call(257, 16385);
        rig.expectEvents.clear();
        s.pac(PptpRig.ocrp(16385, 257, 1));
        assertEquals(4, rig.expectEvents.size());
        assertTrue(rig.expectEvents.get(0).startsWith("[DESTROY]") && rig.expectEvents.get(1).startsWith("[NEW]"));
        assertEquals(2, rig.expectations().size());
        assertEquals(0L, rig.helper.counters().get("expect_failed"));
    }

    @Test
    void withoutTheGreKeyMapTheCallGetsNoExpectations() {
        PptpRig bare = new PptpRig(false, false);
        PptpRig.Session t = bare.new Session(PNS, 41812, PAC).start();
        t.call(512, 7001);
        assertEquals(List.of(), bare.expectations());
        assertEquals(1L, bare.helper.counters().get("expect_failed"));
    }

    @Test
    void theCallsGreConnectionExpiringTakesTheCallsKeysWithIt() {
        s.call(512, 7001);
        rig.forward(PptpRig.gre(PNS, PAC, 7001));
        rig.advance(31);
        assertEquals(List.of(), rig.gre(), "30 s unreplied");
        // the packet's tuple is read before the lookup finds the expired connection and destroys it: its keys come
        // from the map still (as in Linux); the destruction empties the map (destroy_gre_conntrack)
        assertEquals("new", rig.forward(PptpRig.gre(PAC, PNS, 512)).state);
        assertTrue(rig.gre().get(0).contains("srckey=0x1b59 dstkey=0x200 [UNREPLIED]"), rig.gre().toString());
        assertEquals("new", rig.forward(PptpRig.gre(PNS, PAC, 7001)).state);
        assertTrue(rig.gre().stream().anyMatch(l -> l.contains("srckey=0x0 dstkey=0x1b59")), rig.gre().toString());
    }

    @Test
    void detachingTheHelperLeavesTheCallsGreAndKeys() {
        s.call(512, 7001);
        rig.forward(PptpRig.gre(PNS, PAC, 7001));
        rig.helperService.close();
        assertEquals(null, s.ct.helper());
        s.pac(PptpRig.cdn(7001));
        assertEquals(1, rig.gre().size(), "nobody reads the disconnect");
        assertEquals("established", rig.forward(PptpRig.gre(PAC, PNS, 512)).state, "the keys are still mapped");
        rig.net.packets().kill(s.ct);
        assertEquals(1, rig.gre().size(), "the helper is not called for a connection it was detached from");
    }

    /** Linux frees the dropped first packet's connection, and destroy_gre_conntrack the master's keys with it. */
    @Test
    void aCallsFirstGrePacketDroppedTakesTheCallsKeysWithIt() {
        s.call(512, 7001);
        rig.net.packets().registerHook(Family.INET, Hook.FORWARD, 0,
            p -> p.ct != null && p.ct.protocol() == IpProto.GRE && p.ctinfo == CtInfo.RELATED ? Verdict.DROP
                : Verdict.ACCEPT, "drop related GRE");
        assertEquals(Verdict.DROP, rig.forwardVia(PptpRig.gre(PNS, PAC, 7001), Hook.FORWARD).verdict);
        assertEquals(List.of(), rig.gre());
        assertEquals(List.of(), rig.expectations(), "both expectations went with the first packet");
        assertEquals("new", rig.forward(PptpRig.gre(PNS, PAC, 7001)).state);
        assertTrue(rig.gre().get(0).contains("srckey=0x0 dstkey=0x1b59"), rig.gre().toString());
    }
}
