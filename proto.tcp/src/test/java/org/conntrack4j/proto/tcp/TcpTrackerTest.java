package org.conntrack4j.proto.tcp;

import static org.conntrack4j.proto.tcp.TcpLab.CI;
import static org.conntrack4j.proto.tcp.TcpLab.MSS;
import static org.conntrack4j.proto.tcp.TcpLab.SACK_PERM;
import static org.conntrack4j.proto.tcp.TcpLab.SI;
import static org.conntrack4j.proto.tcp.TcpLab.sackBlocks;
import static org.conntrack4j.proto.tcp.TcpLab.seg;
import static org.conntrack4j.proto.tcp.TcpLab.wscale;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.junit.jupiter.api.Test;

/** The tracker's behaviour through the engine, one kernel rule per test. */
class TcpTrackerTest {
    private static void assertVerdict(String expected, TcpLab.Verdict v) {
        assertEquals(expected, v.state() + "/" + v.dir(), "verdict (" + v.reason() + ")");
    }

    private static boolean assured(TcpLab lab) {
        return lab.conn().hasStatus(Status.ASSURED);
    }

    // ---- opening ------------------------------------------------------------------------------------------

    @Test
    void handshake_synSentThenSynRecvThenEstablishedAndAssured_withTheirTimeoutsAndEvents() {
        TcpLab lab = new TcpLab();
        assertVerdict("new/original", lab.client(seg("S", CI, 0).opts(MSS)));
        assertEquals("SYN_SENT 120", lab.state());
        assertVerdict("established/reply", lab.server(seg("SA", SI, CI + 1).opts(MSS)));
        assertEquals("SYN_RECV 60", lab.state());
        assertFalse(assured(lab));
        assertVerdict("established/original", lab.client(seg("A", CI + 1, SI + 1)));
        assertEquals("ESTABLISHED 432000", lab.state());
        assertTrue(assured(lab));
        assertEquals(3, lab.events.size(), lab.events.toString());
        assertTrue(lab.events.get(0).matches("\\[NEW\\] ipv4 +2 tcp +6 120 SYN_SENT .*\\[UNREPLIED\\].*"), lab.events.get(0));
        assertTrue(lab.events.get(1).matches("\\[UPDATE\\] ipv4 +2 tcp +6 60 SYN_RECV .*"), lab.events.get(1));
        assertTrue(lab.events.get(2).matches("\\[UPDATE\\] ipv4 +2 tcp +6 432000 ESTABLISHED .*\\[ASSURED\\]"),
            lab.events.get(2));
    }

    @Test
    void setClosing_aResetOfTheStackMovesTheConnectionToCloseWithItsTimeoutOnce() {
        TcpLab lab = new TcpLab();
        lab.handshake();
        lab.net.services().setClosing(lab.conn());
        assertEquals("CLOSE 10", lab.state());
        // the event goes with the next packet that passes confirmation (in Linux: the reset itself)
        assertEquals(3, lab.events.size());
        lab.server(seg("A", SI + 1, CI + 1));
        assertTrue(lab.events.get(3).startsWith("[UPDATE] ipv4     2 tcp      6 10 CLOSE "), lab.events.toString());
        lab.sleep(4);
        lab.net.services().setClosing(lab.conn());
        assertEquals("CLOSE 6", lab.state(), "already CLOSE: neither the timeout nor an event");
        lab.server(seg("A", SI + 1, CI + 1));
        assertEquals(4, lab.events.size(), lab.events.toString());
    }

    @Test
    void handshake_overIpv6_isTrackedTheSameWay() {
        TcpLab lab = new TcpLab().ipv6();
        lab.handshake();
        assertEquals("ESTABLISHED 432000", lab.state());
        assertTrue(lab.events.get(2).startsWith("[UPDATE] ipv6     10 tcp      6 432000 ESTABLISHED src=2001:db8:1::10"),
            lab.events.get(2));
    }

    @Test
    void simultaneousOpen_synFromBothSidesGoesThroughSynSent2ThenSynRecvThenEstablished() {
        TcpLab lab = new TcpLab();
        lab.client(seg("S", CI, 0).opts(MSS));
        assertVerdict("established/reply", lab.server(seg("S", SI, 0).opts(MSS)));
        assertEquals("SYN_SENT2 120", lab.state());
        assertVerdict("established/original", lab.client(seg("SA", CI, SI + 1).opts(MSS)));
        assertEquals("SYN_RECV 60", lab.state());
        TcpLab.Verdict again = lab.server(seg("SA", SI, CI + 1).opts(MSS));
        assertEquals("packet (index 1) in dir 1 ignored, state SYN_RECV", again.logReason());
        lab.client(seg("A", CI + 1, SI + 1));
        assertEquals("ESTABLISHED 432000", lab.state());
        assertTrue(assured(lab));
    }

    @Test
    void simultaneousOpen_replyAckInSynRecvEstablishes() {
        TcpLab lab = new TcpLab();
        lab.client(seg("S", CI, 0).opts(MSS));
        lab.server(seg("S", SI, 0).opts(MSS));
        lab.client(seg("SA", CI, SI + 1).opts(MSS));
        // Without the simultaneous-open mark a reply ACK would keep SYN_RECV.
        lab.server(seg("A", SI + 1, CI + 1));
        assertEquals("ESTABLISHED 432000", lab.state());
    }

    @Test
    void synRetransmission_inSynSent_doesNotExtendTheTimeout() {
        TcpLab lab = new TcpLab();
        lab.client(seg("S", CI, 0).opts(MSS));
        lab.sleep(1.2);
        assertVerdict("new/original", lab.client(seg("S", CI, 0).opts(MSS)));
        assertEquals("SYN_SENT 118", lab.state());
    }

    @Test
    void newerSynInSynSent_relearnsTheSender_andItsSynAckIsAccepted() {
        TcpLab lab = new TcpLab();
        lab.client(seg("S", CI, 0).opts(MSS));
        lab.client(seg("S", CI + 1000, 0).opts(MSS));
        TcpLab.Verdict v = lab.server(seg("SA", SI, CI + 1001).opts(MSS));
        assertVerdict("established/reply", v);
        assertNull(v.reason());
        assertEquals("SYN_RECV 60", lab.state());
    }

    @Test
    void synAckAcknowledgingUnsentData_isInvalid() {
        TcpLab lab = new TcpLab();
        lab.client(seg("S", CI, 0).opts(MSS));
        TcpLab.Verdict v = lab.server(seg("SA", SI, CI + 5).opts(MSS));
        assertVerdict("invalid/none", v);
        assertEquals("ACK is over upper bound 1000002 (ACKed data not seen yet)", v.logReason());
        assertEquals("SYN_SENT 120", lab.state());
    }

    @Test
    void firstPacketThatCannotOpen_isInvalidNew_andCreatesNothing() {
        for (String flags : List.of("SA", "FA", "R", "RA")) {
            TcpLab lab = new TcpLab();
            TcpLab.Verdict v = lab.client(seg(flags, CI, SI));
            assertVerdict("invalid/none", v);
            assertEquals("invalid new", v.logReason(), flags);
            assertNull(lab.conn(), flags);
        }
    }

    @Test
    void ackInSynSent_fromTheClient_isInvalid_fromTheServer_isIgnoredAsHalfOpen() {
        TcpLab lab = new TcpLab();
        lab.client(seg("S", CI, 0).opts(MSS));
        TcpLab.Verdict c = lab.client(seg("A", CI + 1, 5));
        assertVerdict("invalid/none", c);
        assertEquals("packet (index 3) in dir 0 invalid, state SYN_SENT", c.logReason());
        TcpLab.Verdict s = lab.server(seg("A", SI + 77, CI + 1));
        assertVerdict("established/reply", s);
        assertEquals("packet (index 3) in dir 1 ignored, state SYN_SENT", s.logReason());
        assertEquals("SYN_SENT 120", lab.state());
    }

    @Test
    void halfOpen_clientRstAnsweringTheServersAck_closes() {
        TcpLab lab = new TcpLab();
        lab.client(seg("S", CI, 0).opts(MSS));
        lab.server(seg("A", SI + 77, CI + 555));
        assertVerdict("established/original", lab.client(seg("R", CI + 555, 0).win(0)));
        assertEquals("CLOSE 10", lab.state());
    }

    // ---- mid-stream pickup (tcp_loose) ----------------------------------------------------------------------

    @Test
    void midstreamPacket_withLoose_isPickedUpEstablishedUnreplied_withTheUnacknowledgedTimeout() {
        TcpLab lab = new TcpLab();
        TcpLab.Verdict v = lab.client(seg("PA", CI, SI).win(502).data(58));
        assertVerdict("new/original", v);
        assertEquals("ESTABLISHED 300", lab.state());
        assertFalse(lab.conn().hasStatus(Status.SEEN_REPLY));
        TcpProtoState st = lab.st();
        assertTrue(st.hasFlag(0, TcpProtoState.BE_LIBERAL) && st.hasFlag(1, TcpProtoState.BE_LIBERAL));
        assertTrue(st.hasFlag(0, TcpProtoState.SACK_PERM) && st.hasFlag(1, TcpProtoState.SACK_PERM));
        assertVerdict("established/reply", lab.server(seg("A", SI, CI + 58).win(509)));
        assertFalse(assured(lab));
        lab.server(seg("PA", SI, CI + 58).win(509).data(24));
        assertTrue(assured(lab));
        assertEquals("ESTABLISHED 300", lab.state());
        assertTrue(lab.events.get(0).startsWith("[NEW] ipv4     2 tcp      6 300 ESTABLISHED"), lab.events.get(0));
    }

    @Test
    void midstreamPacket_isLiberal_soAnOutOfWindowSegmentPasses() {
        TcpLab lab = new TcpLab();
        lab.client(seg("PA", CI, SI).data(10));
        TcpLab.Verdict v = lab.client(seg("PA", CI + 900_000_000, SI).data(10));
        assertVerdict("new/original", v);
        assertNull(v.reason());
    }

    @Test
    void midstreamPacket_withLooseZero_isRefusedWithoutALoggedReason() {
        TcpLab lab = new TcpLab();
        lab.net.settings().set("nf_conntrack_tcp_loose", 0);
        TcpLab.Verdict v = lab.client(seg("PA", CI, SI).data(10));
        assertVerdict("invalid/none", v);
        assertNull(v.logReason());
        assertNotNull(v.reason());
        assertNull(lab.conn());
        assertVerdict("new/original", lab.client(seg("S", CI, 0)));
    }

    // ---- closing ---------------------------------------------------------------------------------------------

    @Test
    void closeByTheClient_finWaitCloseWaitLastAckTimeWait() {
        TcpLab lab = new TcpLab().handshake();
        lab.client(seg("FA", CI + 1, SI + 1));
        assertEquals("FIN_WAIT 120", lab.state());
        assertTrue(lab.st().hasFlag(0, TcpProtoState.CLOSE_INIT));
        lab.server(seg("A", SI + 1, CI + 2));
        assertEquals("CLOSE_WAIT 60", lab.state());
        lab.server(seg("FA", SI + 1, CI + 2));
        assertEquals("LAST_ACK 30", lab.state());
        lab.client(seg("A", CI + 2, SI + 2));
        assertEquals("TIME_WAIT 120", lab.state());
        assertTrue(lab.tracker.canEarlyDrop(lab.conn()));
    }

    @Test
    void rstAnsweringTheSyn_destroysTheUnrepliedConnectionAtOnce() {
        TcpLab lab = new TcpLab();
        lab.client(seg("S", CI, 0).opts(MSS));
        assertVerdict("established/reply", lab.server(seg("RA", 0, CI + 1).win(0)));
        assertNull(lab.conn());
        assertEquals(2, lab.events.size());
        assertTrue(lab.events.get(1).matches("\\[DESTROY\\] ipv4 +2 tcp +6 120 CLOSE .*\\[UNREPLIED\\].*"),
            lab.events.get(1));
    }

    @Test
    void clientRstInSynSent_destroysTheConnection() {
        TcpLab lab = new TcpLab();
        lab.client(seg("S", CI, 0).opts(MSS));
        assertVerdict("new/original", lab.client(seg("R", CI + 1, 0).win(0)));
        assertNull(lab.conn());
    }

    @Test
    void rstOnAnAssuredConnection_closesWithTheCloseTimeout_andKeepsAssured() {
        TcpLab lab = new TcpLab().handshake();
        assertVerdict("established/original", lab.client(seg("RA", CI + 1, SI + 1)));
        assertEquals("CLOSE 10", lab.state());
        assertTrue(assured(lab));
        assertTrue(lab.events.get(lab.events.size() - 1).contains(" 10 CLOSE "));
    }

    @Test
    void rstNotExactlyAtTheExpectedSequence_keepsEstablished_withTheCloseTimeout() {
        TcpLab lab = dataBothWays();
        TcpLab.Verdict v = lab.client(seg("R", CI + 111, 0).win(0));
        assertVerdict("established/original", v);
        assertEquals("ESTABLISHED 10", lab.state());
        lab.server(seg("A", SI + 21, CI + 101));
        lab.client(seg("R", CI + 101, 0).win(0));
        assertEquals("CLOSE 10", lab.state());
    }

    @Test
    void rstBelowTheAcknowledgedSequence_isInvalid_unlessIgnoreInvalidRst() {
        TcpLab lab = dataBothWays();
        TcpLab.Verdict v = lab.client(seg("R", CI + 50, 0).win(0));
        assertVerdict("invalid/none", v);
        assertEquals("invalid rst", v.logReason());
        assertEquals("ESTABLISHED 432000", lab.state());

        TcpLab lax = dataBothWays();
        lax.net.settings().set("nf_conntrack_tcp_ignore_invalid_rst", 1);
        assertVerdict("established/original", lax.client(seg("R", CI + 50, 0).win(0)));
        assertEquals("ESTABLISHED 10", lax.state());
    }

    @Test
    void rstRightAfterTheSendersLastSegment_closes() {
        TcpLab lab = dataBothWays();
        lab.server(seg("PA", SI + 21, CI + 101).data(5));
        lab.server(seg("RA", SI + 26, CI + 101));
        assertEquals("CLOSE 10", lab.state());
    }

    @Test
    void rstInTimeWait_skipsTheWindowCheck() {
        TcpLab lab = new TcpLab().handshake();
        lab.client(seg("FA", CI + 1, SI + 1));
        lab.server(seg("FA", SI + 1, CI + 2));
        lab.client(seg("A", CI + 2, SI + 2));
        TcpLab.Verdict v = lab.server(seg("R", SI + 999_999, 0).win(0));
        assertVerdict("established/reply", v);
        assertNull(v.reason());
        assertEquals("CLOSE 10", lab.state());
    }

    // ---- reopening -----------------------------------------------------------------------------------------------

    @Test
    void synOnTimeWait_destroysTheOldConnectionAndStartsANewOne() {
        TcpLab lab = new TcpLab().handshake();
        lab.client(seg("FA", CI + 1, SI + 1));
        lab.server(seg("FA", SI + 1, CI + 2));
        lab.client(seg("A", CI + 2, SI + 2));
        Connection old = lab.conn();
        lab.sleep(1);
        assertVerdict("new/original", lab.client(seg("S", CI + 100_000, 0).opts(MSS)));
        assertTrue(old.isDying());
        assertEquals("SYN_SENT 120", lab.state());
        int n = lab.events.size();
        assertTrue(lab.events.get(n - 2).matches("\\[DESTROY\\] .* 119 TIME_WAIT .*"), lab.events.get(n - 2));
        assertTrue(lab.events.get(n - 1).matches("\\[NEW\\] .* 120 SYN_SENT .*"), lab.events.get(n - 1));
        assertEquals(1, lab.net.table().count());
    }

    @Test
    void synFromTheServerOnTimeWait_opensTheConnectionTheOtherWayRound() {
        TcpLab lab = new TcpLab().handshake();
        lab.client(seg("FA", CI + 1, SI + 1));
        lab.server(seg("FA", SI + 1, CI + 2));
        lab.client(seg("A", CI + 2, SI + 2));
        assertVerdict("new/original", lab.server(seg("S", SI + 100_000, 0).opts(MSS)));
        Tuple orig = lab.conn().tuple(0, new Tuple());
        assertEquals(TcpLab.SPORT, orig.srcPort);
        assertEquals("SYN_SENT 120", lab.state());
    }

    @Test
    void synAfterTheClientsOwnRst_reopens_butAfterTheServersRstIsIgnored() {
        TcpLab lab = dataBothWays();
        lab.client(seg("R", CI + 101, 0).win(0));
        assertVerdict("new/original", lab.client(seg("S", CI + 200_000, 0).opts(MSS)));
        assertEquals("SYN_SENT 120", lab.state());

        TcpLab other = dataBothWays();
        other.server(seg("R", SI + 21, 0).win(0));
        TcpLab.Verdict v = other.client(seg("S", CI + 200_000, 0).opts(MSS));
        assertVerdict("established/original", v);
        assertEquals("packet (index 0) in dir 0 ignored, state CLOSE", v.logReason());
        assertEquals("CLOSE 10", other.state());
    }

    // ---- ignored packets and getting back in sync --------------------------------------------------------------

    @Test
    void synOnAnEstablishedConnection_isIgnored_andItsSynAckResynchronises() {
        TcpLab lab = dataBothWays();
        TcpLab.Verdict syn = lab.client(seg("S", CI + 3_000_000, 0).opts(MSS, SACK_PERM, wscale(6)));
        assertVerdict("established/original", syn);
        assertEquals("packet (index 0) in dir 0 ignored, state ESTABLISHED", syn.logReason());
        assertEquals("ESTABLISHED 432000", lab.state());
        TcpLab.Verdict synack = lab.server(seg("SA", SI + 4_000_000, CI + 3_000_001).opts(MSS, SACK_PERM, wscale(6)));
        assertVerdict("established/reply", synack);
        assertNull(synack.reason());
        assertEquals("SYN_RECV 60", lab.state());
        assertEquals(6, lab.st().scale(0));
        lab.client(seg("A", CI + 3_000_001, SI + 4_000_001));
        assertEquals("ESTABLISHED 432000", lab.state());
    }

    @Test
    void rstAnsweringAnIgnoredSyn_closesWithoutWindowCheck() {
        TcpLab lab = dataBothWays();
        lab.client(seg("S", CI + 9_000_000, 0).opts(MSS));
        TcpLab.Verdict v = lab.server(seg("RA", 0, CI + 9_000_001).win(0));
        assertVerdict("established/reply", v);
        assertNull(v.reason());
        assertEquals("CLOSE 10", lab.state());
    }

    @Test
    void challengeAckInLastAck_isNotTakenForTheLastAck() {
        TcpLab lab = new TcpLab().handshake();
        lab.client(seg("FA", CI + 1, SI + 1));
        lab.server(seg("FA", SI + 1, CI + 2));
        assertEquals("LAST_ACK 30", lab.state());
        TcpLab.Verdict syn = lab.client(seg("S", CI + 5_000_000, 0).opts(MSS));
        assertEquals("packet (index 0) in dir 0 ignored, state LAST_ACK", syn.logReason());
        TcpLab.Verdict challenge = lab.server(seg("A", SI + 2, CI + 2));
        assertVerdict("established/reply", challenge);
        assertEquals("challenge-ack ignored", challenge.logReason());
        assertEquals("LAST_ACK 30", lab.state());
        lab.client(seg("A", CI + 2, SI + 2));
        assertEquals("TIME_WAIT 120", lab.state());
    }

    @Test
    void retransmittedSynAckInSynRecv_isIgnored() {
        TcpLab lab = new TcpLab();
        lab.client(seg("S", CI, 0).opts(MSS));
        lab.server(seg("SA", SI, CI + 1).opts(MSS));
        TcpLab.Verdict v = lab.server(seg("SA", SI, CI + 1).opts(MSS));
        assertVerdict("established/reply", v);
        assertEquals("packet (index 1) in dir 1 ignored, state SYN_RECV", v.logReason());
    }

    // ---- window tracking -----------------------------------------------------------------------------------------

    @Test
    void dataBeyondTheReceiversWindow_isInvalid_dataBeforeIt_isIgnored() {
        TcpLab lab = dataBothWays();
        TcpLab.Verdict over = lab.client(seg("PA", CI + 1_000_000_000, SI + 21).data(20));
        assertVerdict("invalid/none", over);
        assertTrue(over.logReason().startsWith("SEQ is over upper bound "), over.logReason());
        TcpLab.Verdict under = lab.client(seg("PA", CI - 1_000_000_000, SI + 21).data(20));
        assertVerdict("established/original", under);
        assertTrue(under.logReason().startsWith("SEQ is under lower bound "), under.logReason());
        assertEquals("ESTABLISHED 432000", lab.state());
    }

    @Test
    void ackOfUnsentData_isInvalid_veryOldAck_isIgnored() {
        TcpLab lab = dataBothWays();
        TcpLab.Verdict over = lab.client(seg("A", CI + 101, SI + 5000));
        assertVerdict("invalid/none", over);
        assertEquals("ACK is over upper bound " + (SI + 22) + " (ACKed data not seen yet)", over.logReason());
        TcpLab.Verdict old = lab.client(seg("A", CI + 101, SI - 100_000));
        assertVerdict("established/original", old);
        assertTrue(old.logReason().startsWith("ignored ACK under lower bound "), old.logReason());
    }

    @Test
    void segmentOvershootingTheAnnouncedWindow_isIgnored_andMovesTheEnd() {
        TcpLab lab = new TcpLab();
        lab.client(seg("S", CI, 0).opts(MSS));
        lab.server(seg("SA", SI, CI + 1).win(100).opts(MSS));
        lab.client(seg("A", CI + 1, SI + 1));
        TcpLab.Verdict v = lab.client(seg("PA", CI + 151, SI + 1).data(10));
        assertVerdict("established/original", v);
        assertEquals("61 bytes more than expected", v.logReason());
        assertEquals(CI + 161, lab.st().end(0));
    }

    @Test
    void windowScaling_appliesOnlyWhenBothSynsOfferIt() {
        TcpLab both = new TcpLab().handshake(concat(MSS, SACK_PERM, wscale(7)), concat(MSS, SACK_PERM, wscale(7)), 65160, 1000);
        both.server(seg("A", SI + 1, CI + 1).win(1000));
        TcpLab.Verdict scaled = both.client(seg("PA", CI + 100_001, SI + 1).win(1000).data(100));
        assertNull(scaled.reason(), "1000 << 7 covers it");
        assertEquals(7, both.st().scale(0));

        TcpLab one = new TcpLab().handshake(concat(MSS, wscale(7)), MSS, 65160, 1000);
        one.server(seg("A", SI + 1, CI + 1).win(1000));
        assertEquals(0, one.st().scale(0));
        assertEquals(0, one.st().scale(1));
        TcpLab.Verdict unscaled = one.client(seg("PA", CI + 100_001, SI + 1).win(1000).data(100));
        assertTrue(String.valueOf(unscaled.logReason()).endsWith("bytes more than expected"), unscaled.toString());
    }

    @Test
    void sackBlocks_areCheckedAgainstTheSentData_onlyWhenSackIsPermitted() {
        TcpLab lab = threeSegments(concat(MSS, SACK_PERM));
        assertNull(lab.server(seg("A", SI + 1, CI + 101).opts(sackBlocks(CI + 201, CI + 301))).reason());
        TcpLab.Verdict beyond = lab.server(seg("A", SI + 1, CI + 101).opts(sackBlocks(CI + 201, CI + 401)));
        assertVerdict("invalid/none", beyond);
        assertEquals("ACK is over upper bound " + (CI + 302) + " (ACKed data not seen yet)", beyond.logReason());

        TcpLab noSack = threeSegments(MSS);
        TcpLab.Verdict v = noSack.server(seg("A", SI + 1, CI + 101).opts(sackBlocks(CI + 201, CI + 401)));
        assertVerdict("established/reply", v);
        assertNull(v.reason());
    }

    @Test
    void beLiberal_letsOutOfWindowSegmentsPass_butNotBrokenHeaders() {
        TcpLab lab = dataBothWays();
        lab.net.settings().set("nf_conntrack_tcp_be_liberal", 1);
        TcpLab.Verdict v = lab.client(seg("PA", CI + 900_000_000, SI + 21).data(10));
        assertVerdict("established/original", v);
        assertNull(v.reason());
        assertVerdict("invalid/none", lab.client(seg("SF", CI + 101, SI + 21)));
    }

    @Test
    void acknowledgementsAreComparedAfterTakingOutTheNatSequenceOffset() {
        TcpLab plain = dataBothWays();
        plain.client(seg("PA", CI + 101, SI + 21).data(10));
        assertVerdict("invalid/none", plain.server(seg("A", SI + 21, CI + 116)));

        TcpLab lab = dataBothWays();
        lab.client(seg("PA", CI + 101, SI + 21).data(10));
        // A helper behind NAT made that segment 5 bytes longer: the server acknowledges 5 more.
        lab.net.services().seqAdjSet(lab.conn(), CtInfo.ESTABLISHED, CI + 101, 5);
        TcpLab.Verdict v = lab.server(seg("A", SI + 21, CI + 116));
        assertVerdict("established/reply", v);
        assertNull(v.reason());
        assertEquals(CI + 111, lab.st().maxack(1));
    }

    @Test
    void identicalAcks_reachingMaxRetrans_shortenTheTimeout() {
        TcpLab lab = new TcpLab().handshake();
        lab.client(seg("PA", CI + 1, SI + 1).data(10));
        lab.server(seg("A", SI + 1, CI + 11));
        assertEquals("ESTABLISHED 432000", lab.state());
        for (int i = 1; i <= 2; i++) {
            lab.server(seg("A", SI + 1, CI + 11));
            assertEquals(i, lab.st().retrans());
            assertEquals("ESTABLISHED 432000", lab.state());
        }
        lab.server(seg("A", SI + 1, CI + 11));
        assertEquals(3, lab.st().retrans());
        assertEquals("ESTABLISHED 300", lab.state());
        lab.client(seg("A", CI + 11, SI + 1));
        assertEquals(0, lab.st().retrans());
        assertEquals("ESTABLISHED 432000", lab.state());
    }

    @Test
    void maxRetrans_isASetting() {
        TcpLab lab = new TcpLab().handshake();
        lab.net.settings().set("nf_conntrack_tcp_max_retrans", 1);
        lab.net.settings().set("nf_conntrack_tcp_timeout_max_retrans", 77);
        lab.server(seg("A", SI + 1, CI + 1));
        lab.server(seg("A", SI + 1, CI + 1));
        assertEquals("ESTABLISHED 77", lab.state());
    }

    @Test
    void unacknowledgedData_usesTheUnacknowledgedTimeout_untilAcknowledged() {
        TcpLab lab = new TcpLab().handshake();
        lab.client(seg("PA", CI + 1, SI + 1).data(10));
        assertEquals("ESTABLISHED 300", lab.state());
        lab.server(seg("A", SI + 1, CI + 11));
        assertEquals("ESTABLISHED 432000", lab.state());
    }

    @Test
    void zeroWindow_usesTheMaxRetransTimeout() {
        TcpLab lab = new TcpLab().handshake();
        lab.client(seg("PA", CI + 1, SI + 1).data(10));
        lab.server(seg("A", SI + 1, CI + 11).win(0));
        assertEquals("ESTABLISHED 300", lab.state());
        lab.client(seg("A", CI + 11, SI + 1).win(502));
        assertEquals("ESTABLISHED 432000", lab.state());
    }

    @Test
    void outOfWindowFinAnsweringAnOutOfWindowFin_lowersTheTimeout() {
        TcpLab lab = dataBothWays();
        TcpLab.Verdict first = lab.client(seg("FA", CI + 900_101, SI + 21));
        assertVerdict("invalid/none", first);
        assertEquals("ESTABLISHED 432000", lab.state());
        TcpLab.Verdict second = lab.server(seg("FA", SI + 900_021, CI + 101));
        assertVerdict("invalid/none", second);
        assertTrue(second.logReason().startsWith("SEQ is over upper bound"), second.logReason());
        assertEquals("ESTABLISHED 300", lab.state());
    }

    // ---- header checks --------------------------------------------------------------------------------------------

    @Test
    void brokenHeaders_areInvalidWithTheKernelsReasons() {
        TcpLab lab = new TcpLab().handshake();
        assertEquals("truncated packet", lab.client(seg("A", CI + 1, SI + 1).doff(15)).logReason());
        assertEquals("truncated packet", lab.client(seg("A", CI + 1, SI + 1).doff(4)).logReason());
        assertEquals("bad checksum", lab.client(seg("A", CI + 1, SI + 1).badChecksum()).logReason());
        for (String flags : List.of("SF", "SR", "FPU", "", "F", "SAF", "RF")) {
            TcpLab.Verdict v = lab.client(seg(flags, CI + 1, SI + 1));
            assertVerdict("invalid/none", v);
            assertEquals("invalid tcp flag combination", v.logReason(), flags);
        }
        assertNull(lab.client(seg("PAEC", CI + 1, SI + 1)).reason());
        assertNull(lab.client(seg("AU", CI + 1, SI + 1)).reason());
        assertEquals("ESTABLISHED 432000", lab.state());
        assertEquals(7, lab.net.stats().invalidByReason().get("invalid tcp flag combination"));
    }

    @Test
    void headerShorterThanTwentyBytes_isInvalidWithoutLog() {
        TcpLab lab = new TcpLab().handshake();
        byte[] ip = lab.build(true, seg("A", CI + 1, SI + 1));
        byte[] cut = java.util.Arrays.copyOf(ip, 20 + 12);
        cut[3] = (byte) cut.length;
        cut[10] = 0;
        cut[11] = 0;
        org.conntrack4j.core.api.Packet p = new org.conntrack4j.core.api.Packet().load(cut, 0, cut.length, 0);
        p.put16(10, org.conntrack4j.core.inet.Checksum.ipv4Header(p));
        TcpLab.Verdict v = lab.run(p.toBytes());
        assertVerdict("invalid/none", v);
        assertNull(v.logReason());
        assertNotNull(v.reason());
    }

    @Test
    void checksums_areCheckedOnlyOnPacketsFromTheWire_andOnlyWhenEnabled() {
        TcpLab lab = new TcpLab().handshake();
        lab.net.settings().set("nf_conntrack_checksum", 0);
        assertNull(lab.client(seg("A", CI + 1, SI + 1).badChecksum()).reason());
        lab.net.settings().set("nf_conntrack_checksum", 1);
        lab.inHook = Hook.LOCAL_OUT;
        assertNull(lab.client(seg("A", CI + 1, SI + 1).badChecksum()).reason());
    }

    @Test
    void logReason_isSetOnlyWhenLogInvalidAsksForTcp() {
        TcpLab lab = new TcpLab().handshake();
        lab.net.settings().set("nf_conntrack_log_invalid", 17);
        TcpLab.Verdict v = lab.client(seg("SF", CI + 1, SI + 1));
        assertEquals("invalid tcp flag combination", v.reason());
        assertNull(v.logReason());
        lab.net.settings().set("nf_conntrack_log_invalid", 6);
        assertEquals("invalid tcp flag combination", lab.client(seg("SF", CI + 1, SI + 1)).logReason());
    }

    // ---- the L4Tracker contract --------------------------------------------------------------------------------------

    @Test
    void listingHelpers_printPortsAndTheKernelsStateName_andTcpHasNoClashResolution() {
        TcpLab lab = new TcpLab();
        lab.client(seg("S", CI, 0));
        Connection ct = lab.conn();
        assertEquals("SYN_SENT", lab.tracker.stateName(ct));
        StringBuilder sb = new StringBuilder();
        lab.tracker.formatTuple(sb, ct.tuple(0, new Tuple()));
        assertEquals("sport=40000 dport=80", sb.toString());
        assertFalse(lab.tracker.allowClash());
        assertFalse(lab.tracker.canEarlyDrop(ct));
        assertEquals("tcp", lab.tracker.name());
    }

    @Test
    void timeoutsAreSettings_readOnEveryPacket() {
        TcpLab lab = new TcpLab();
        lab.net.settings().set("nf_conntrack_tcp_timeout_syn_sent", 33);
        lab.client(seg("S", CI, 0));
        assertEquals("SYN_SENT 33", lab.state());
        lab.net.settings().set("nf_conntrack_tcp_timeout_syn_recv", 44);
        lab.server(seg("SA", SI, CI + 1));
        assertEquals("SYN_RECV 44", lab.state());
        lab.net.settings().set("nf_conntrack_tcp_timeout_established", 55);
        lab.client(seg("A", CI + 1, SI + 1));
        assertEquals("ESTABLISHED 55", lab.state());
        lab.net.settings().set("nf_conntrack_tcp_timeout_fin_wait", 66);
        lab.client(seg("FA", CI + 1, SI + 1));
        assertEquals("FIN_WAIT 66", lab.state());
        lab.net.settings().set("nf_conntrack_tcp_timeout_close_wait", 11);
        lab.server(seg("A", SI + 1, CI + 2));
        assertEquals("CLOSE_WAIT 11", lab.state());
        lab.net.settings().set("nf_conntrack_tcp_timeout_last_ack", 12);
        lab.server(seg("FA", SI + 1, CI + 2));
        assertEquals("LAST_ACK 12", lab.state());
        lab.net.settings().set("nf_conntrack_tcp_timeout_time_wait", 13);
        lab.client(seg("A", CI + 2, SI + 2));
        assertEquals("TIME_WAIT 13", lab.state());
        lab.net.settings().set("nf_conntrack_tcp_timeout_close", 14);
        lab.client(seg("R", CI + 2, 0).win(0));
        assertEquals("CLOSE 14", lab.state());
    }

    @Test
    void settings_areTheKernelsSysctlsWithTheirDefaults() {
        TcpLab lab = new TcpLab();
        java.util.Map<String, Long> active = lab.net.settings().active();
        assertEquals(1L, active.get("nf_conntrack_tcp_loose"));
        assertEquals(0L, active.get("nf_conntrack_tcp_be_liberal"));
        assertEquals(3L, active.get("nf_conntrack_tcp_max_retrans"));
        assertEquals(0L, active.get("nf_conntrack_tcp_ignore_invalid_rst"));
        assertEquals(120L, active.get("nf_conntrack_tcp_timeout_syn_sent"));
        assertEquals(60L, active.get("nf_conntrack_tcp_timeout_syn_recv"));
        assertEquals(432000L, active.get("nf_conntrack_tcp_timeout_established"));
        assertEquals(120L, active.get("nf_conntrack_tcp_timeout_fin_wait"));
        assertEquals(60L, active.get("nf_conntrack_tcp_timeout_close_wait"));
        assertEquals(30L, active.get("nf_conntrack_tcp_timeout_last_ack"));
        assertEquals(120L, active.get("nf_conntrack_tcp_timeout_time_wait"));
        assertEquals(10L, active.get("nf_conntrack_tcp_timeout_close"));
        assertEquals(300L, active.get("nf_conntrack_tcp_timeout_max_retrans"));
        assertEquals(300L, active.get("nf_conntrack_tcp_timeout_unacknowledged"));
        assertEquals(14, lab.tracker.settings().size());
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** An established, assured connection: client sent 100 bytes, server 20, all acknowledged. */
    static TcpLab dataBothWays() {
        TcpLab lab = new TcpLab().handshake();
        lab.client(seg("PA", CI + 1, SI + 1).data(100));
        lab.server(seg("A", SI + 1, CI + 101));
        lab.server(seg("PA", SI + 1, CI + 101).data(20));
        lab.client(seg("A", CI + 101, SI + 21));
        return lab;
    }

    private static TcpLab threeSegments(byte[] opts) {
        TcpLab lab = new TcpLab().handshake(opts, opts, 65160, 64240);
        lab.client(seg("PA", CI + 1, SI + 1).data(100));
        lab.client(seg("PA", CI + 101, SI + 1).data(100));
        lab.client(seg("PA", CI + 201, SI + 1).data(100));
        return lab;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int i = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }
}
