package org.conntrack4j.proto.sctp;

import static org.conntrack4j.proto.sctp.SctpLab.CTAG;
import static org.conntrack4j.proto.sctp.SctpLab.CTSN;
import static org.conntrack4j.proto.sctp.SctpLab.STAG;
import static org.conntrack4j.proto.sctp.SctpLab.STSN;
import static org.conntrack4j.proto.sctp.SctpLab.bare;
import static org.conntrack4j.proto.sctp.SctpLab.cookieEcho;
import static org.conntrack4j.proto.sctp.SctpLab.data;
import static org.conntrack4j.proto.sctp.SctpLab.heartbeat;
import static org.conntrack4j.proto.sctp.SctpLab.init;
import static org.conntrack4j.proto.sctp.SctpLab.initAck;
import static org.conntrack4j.proto.sctp.SctpLab.sack;
import static org.conntrack4j.proto.sctp.SctpLab.shutdown;
import static org.conntrack4j.proto.sctp.SctpStateTable.ABORT;
import static org.conntrack4j.proto.sctp.SctpStateTable.COOKIE_ACK;
import static org.conntrack4j.proto.sctp.SctpStateTable.FLAG_T;
import static org.conntrack4j.proto.sctp.SctpStateTable.HEARTBEAT;
import static org.conntrack4j.proto.sctp.SctpStateTable.HEARTBEAT_ACK;
import static org.conntrack4j.proto.sctp.SctpStateTable.SHUTDOWN_ACK;
import static org.conntrack4j.proto.sctp.SctpStateTable.SHUTDOWN_COMPLETE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Status;
import org.junit.jupiter.api.Test;

/** The tracker's behaviour through the engine, one kernel rule per test (oracle cases sctp_basic, sctp_masq). */
class SctpTrackerTest {
    private static void assertVerdict(String expected, SctpLab.Verdict v) {
        assertEquals(expected, v.state() + "/" + v.dir(), "verdict (" + v.reason() + ")");
    }

    private static boolean assured(SctpLab lab) {
        return lab.conn().hasStatus(Status.ASSURED);
    }

    // ---- the association -----------------------------------------------------------------------------------------

    @Test
    void handshake_closedThenCookieWaitThenCookieEchoedThenEstablishedAndAssured_withTheirTimeoutsAndEvents() {
        SctpLab lab = new SctpLab();
        assertVerdict("new/original", lab.client(0, init(CTAG, CTSN)));
        assertEquals("CLOSED 10", lab.state());
        assertVerdict("established/reply", lab.server(CTAG, initAck(STAG, STSN)));
        assertEquals("COOKIE_WAIT 3", lab.state());
        assertVerdict("established/original", lab.client(STAG, cookieEcho()));
        assertEquals("COOKIE_ECHOED 3", lab.state());
        assertFalse(assured(lab));
        assertVerdict("established/reply", lab.server(CTAG, bare(COOKIE_ACK)));
        assertEquals("ESTABLISHED 210", lab.state());
        assertTrue(assured(lab));
        assertEquals(List.of(
            "[NEW] ipv4 2 sctp 132 10 CLOSED src=198.51.100.10 dst=203.0.113.10 sport=40001 dport=3868 [UNREPLIED] "
                + "src=203.0.113.10 dst=198.51.100.10 sport=3868 dport=40001",
            "[UPDATE] ipv4 2 sctp 132 3 COOKIE_WAIT src=198.51.100.10 dst=203.0.113.10 sport=40001 dport=3868 "
                + "src=203.0.113.10 dst=198.51.100.10 sport=3868 dport=40001",
            "[UPDATE] ipv4 2 sctp 132 3 COOKIE_ECHOED src=198.51.100.10 dst=203.0.113.10 sport=40001 dport=3868 "
                + "src=203.0.113.10 dst=198.51.100.10 sport=3868 dport=40001",
            "[UPDATE] ipv4 2 sctp 132 210 ESTABLISHED src=198.51.100.10 dst=203.0.113.10 sport=40001 dport=3868 "
                + "src=203.0.113.10 dst=198.51.100.10 sport=3868 dport=40001 [ASSURED]"),
            lab.events.stream().map(e -> e.replaceAll(" +", " ")).toList());
    }

    @Test
    void handshake_learnsTheTagOfEachDirectionFromInitAndInitAck() {
        SctpLab lab = new SctpLab();
        lab.client(0, init(CTAG, CTSN));
        assertEquals(0, lab.st().vtag(0));
        assertEquals(CTAG, lab.st().vtag(1));
        lab.server(CTAG, initAck(STAG, STSN));
        assertEquals(STAG, lab.st().vtag(0));
        assertEquals(CTAG, lab.st().vtag(1));
    }

    @Test
    void handshake_overIpv6_isTrackedTheSameWay() {
        SctpLab lab = new SctpLab().ipv6().associate();
        assertEquals("ESTABLISHED 210", lab.state());
        assertTrue(lab.events.get(3).startsWith("[UPDATE] ipv6     10 sctp     132 210 ESTABLISHED src=2001:db8:1::10"),
            lab.events.get(3));
    }

    @Test
    void dataSackAndHeartbeats_changeNothing_butRefreshTheTimeout() {
        SctpLab lab = new SctpLab().associate();
        int events = lab.events.size();
        lab.sleep(100);
        assertEquals("ESTABLISHED 110", lab.state());
        assertVerdict("established/original", lab.client(STAG, data(CTSN, 21)));
        assertVerdict("established/reply", lab.server(CTAG, sack(CTSN)));
        assertVerdict("established/reply", lab.server(CTAG, data(STSN, 11)));
        assertVerdict("established/original", lab.client(STAG, sack(STSN), data(CTSN + 1, 21)));
        assertVerdict("established/original", lab.client(STAG, heartbeat(HEARTBEAT)));
        assertVerdict("established/reply", lab.server(CTAG, heartbeat(HEARTBEAT_ACK)));
        assertEquals("ESTABLISHED 210", lab.state());
        assertEquals(events, lab.events.size(), "no event without a state change");
    }

    @Test
    void gracefulClose_shutdownSentThenShutdownAckSentThenClosed_andOnlyClosingStatesMayBeEarlyDropped() {
        SctpLab lab = new SctpLab().associate();
        assertFalse(lab.tracker.canEarlyDrop(lab.conn()));
        lab.client(STAG, shutdown(STSN));
        assertEquals("SHUTDOWN_SENT 3", lab.state());
        assertTrue(lab.tracker.canEarlyDrop(lab.conn()));
        lab.server(CTAG, bare(SHUTDOWN_ACK));
        assertEquals("SHUTDOWN_ACK_SENT 3", lab.state());
        assertTrue(lab.tracker.canEarlyDrop(lab.conn()));
        assertVerdict("established/original", lab.client(STAG, bare(SHUTDOWN_COMPLETE)));
        assertEquals("CLOSED 10", lab.state());
        assertFalse(lab.tracker.canEarlyDrop(lab.conn()));
        assertTrue(assured(lab), "a closed association stays ASSURED");
    }

    @Test
    void aFullTable_earlyDropsClosingAssociationsOnly_whenTheScanRuns() {
        SctpLab lab = new SctpLab();
        lab.net.settings().set("nf_conntrack_max", 100);
        lab.net.table().expire();
        for (int i = 0; i < 100; i++) {
            lab.cport = 41000 + i;
            lab.associate();
            if (i % 2 == 0) {
                lab.client(STAG, shutdown(STSN));
            }
        }
        lab.cport = 42000;
        // on the packet path only unassured entries may go: none here, so the INIT finds no room
        assertVerdict("invalid/none", lab.client(0, init(CTAG, CTSN)));
        assertEquals(100, lab.net.table().count());
        // the scan that follows drops closing associations, assured or not, down to 95%
        lab.sleep(1.1);
        lab.net.table().expire();
        assertEquals(94, lab.net.table().count());
        assertEquals(50, lab.net.table().list(c -> lab.tracker.stateName(c).equals("ESTABLISHED")).size());
        assertVerdict("new/original", lab.client(0, init(CTAG, CTSN)));
    }

    @Test
    void shutdownFromTheServer_isShutdownRecd() {
        SctpLab lab = new SctpLab().associate();
        lab.server(CTAG, shutdown(CTSN));
        assertEquals("SHUTDOWN_RECD 3", lab.state());
        lab.client(STAG, bare(SHUTDOWN_ACK));
        assertEquals("SHUTDOWN_ACK_SENT 3", lab.state());
        lab.server(CTAG, bare(SHUTDOWN_COMPLETE));
        assertEquals("CLOSED 10", lab.state());
    }

    @Test
    void abortFromTheServer_withTheClientsTag_closes() {
        SctpLab lab = new SctpLab().associate();
        assertVerdict("established/reply", lab.server(CTAG, bare(ABORT)));
        assertEquals("CLOSED 10", lab.state());
    }

    @Test
    void abortWithTheTBit_carriesTheSendersOwnTag() {
        SctpLab lab = new SctpLab().associate();
        assertVerdict("invalid/none", lab.server(STAG, bare(ABORT)));
        assertEquals("ESTABLISHED 210", lab.state());
        assertVerdict("established/reply", lab.server(STAG, bare(ABORT, FLAG_T)));
        assertEquals("CLOSED 10", lab.state());
    }

    @Test
    void abortWithAWrongTag_isInvalidWithoutALoggedReason() {
        SctpLab lab = new SctpLab().associate();
        SctpLab.Verdict v = lab.client(0x12345678, bare(ABORT));
        assertVerdict("invalid/none", v);
        assertNull(v.logReason());
        assertEquals("ABORT with a wrong verification tag", v.reason());
        assertEquals("ESTABLISHED 210", lab.state());
    }

    @Test
    void initRetransmission_doesNotExtendTheTimeout() {
        SctpLab lab = new SctpLab();
        lab.client(0, init(CTAG, CTSN));
        lab.sleep(2.1);
        assertVerdict("new/original", lab.client(0, init(CTAG, CTSN)));
        assertEquals("CLOSED 7", lab.state());
    }

    // ---- verification tags and checksums ----------------------------------------------------------------------

    @Test
    void dataWithAWrongTag_isInvalid_andTheKernelPrintsBothTagsByteSwapped() {
        SctpLab lab = new SctpLab().associate();
        SctpLab.Verdict v = lab.client(0xa1908f7e, data(CTSN + 2, 10));
        assertVerdict("invalid/none", v);
        assertEquals("verification tag check failed 7e8f90a1 vs 81706f5e for dir 0", v.logReason());
        v = lab.server(0xae9f8071, data(STSN + 1, 17));
        assertEquals("verification tag check failed 71809fae vs 4d3c2b1a for dir 1", v.logReason());
        assertEquals(2L, lab.net.stats().invalidByReason().get("verification tag check failed vs for dir"));
    }

    @Test
    void aBadCrc_isInvalidAtPreRouting_unlessChecksumsAreOff_andLocalPacketsAreTrusted() {
        SctpLab lab = new SctpLab().associate();
        byte[] bad = lab.badCrc(lab.build(true, STAG, data(CTSN, 7)));
        SctpLab.Verdict v = lab.run(bad);
        assertVerdict("invalid/none", v);
        assertEquals("nf_ct_sctp: bad CRC", v.logReason());
        lab.net.settings().set("nf_conntrack_checksum", 0);
        assertVerdict("established/original", lab.run(bad));
        lab.net.settings().set("nf_conntrack_checksum", 1);
        lab.inHook = Hook.LOCAL_OUT;
        assertVerdict("established/original", lab.run(bad));
    }

    @Test
    void cookieEchoWithAWrongTag_isInvalid() {
        SctpLab lab = new SctpLab();
        lab.client(0, init(CTAG, CTSN));
        lab.server(CTAG, initAck(STAG, STSN));
        SctpLab.Verdict v = lab.client(CTAG, cookieEcho());
        assertVerdict("invalid/none", v);
        assertEquals("COOKIE ECHO with a wrong verification tag", v.reason());
        assertEquals("COOKIE_WAIT 3", lab.state());
    }

    @Test
    void initAckAfterTheHandshake_mustRepeatTheKnownInitiateTag() {
        SctpLab lab = new SctpLab().associate();
        assertVerdict("established/reply", lab.server(CTAG, initAck(STAG, STSN)));
        SctpLab.Verdict v = lab.server(CTAG, initAck(0x0badf00d, STSN));
        assertVerdict("invalid/none", v);
        assertEquals("INIT ACK with an unexpected initiate tag", v.reason());
        assertEquals(STAG, lab.st().vtag(0));
    }

    @Test
    void restartingInit_withANewTag_letsTheInitAckBringANewTagToo() {
        SctpLab lab = new SctpLab().associate();
        assertVerdict("established/original", lab.client(0, init(0x1a2b3c99, CTSN + 50)));
        assertVerdict("established/reply", lab.server(0x1a2b3c99, initAck(0x5e6f7099, STSN + 50)));
        assertEquals(0x5e6f7099, lab.st().vtag(0));
        assertEquals(0x1a2b3c99, lab.st().vtag(1));
    }

    @Test
    void initCollision_bothInitsCross_eachIsAnswered_andTheAssociationEstablishes() {
        SctpLab lab = new SctpLab();
        lab.client(0, init(CTAG, CTSN));
        assertVerdict("established/reply", lab.server(0, init(STAG, STSN)));
        assertEquals("CLOSED 10", lab.state());
        assertVerdict("established/original", lab.client(STAG, initAck(CTAG, CTSN)));
        // in a collision the INIT ACK must repeat the tag its side's INIT announced
        assertVerdict("invalid/none", lab.server(CTAG, initAck(0x0badf00d, STSN)));
        assertVerdict("established/reply", lab.server(CTAG, initAck(STAG, STSN)));
        assertEquals("COOKIE_WAIT 3", lab.state());
        lab.client(STAG, cookieEcho());
        lab.server(CTAG, bare(COOKIE_ACK));
        assertEquals("ESTABLISHED 210", lab.state());
    }

    @Test
    void staleInit_repeatingTheKnownTag_isNoRestart_soANewInitAckTagIsRefused() {
        SctpLab lab = new SctpLab().associate();
        assertVerdict("established/original", lab.client(0, init(CTAG, CTSN)));
        SctpLab.Verdict v = lab.server(CTAG, initAck(0x5e6f7099, STSN + 50));
        assertVerdict("invalid/none", v);
        assertEquals("INIT ACK with an unexpected initiate tag", v.reason());
        assertEquals(STAG, lab.st().vtag(0));
    }

    // ---- heartbeats on a new path ----------------------------------------------------------------------------

    @Test
    void heartbeatOnANewPath_opensHeartbeatSent_andItsAckEstablishesAndAssures() {
        SctpLab lab = new SctpLab();
        assertVerdict("new/original", lab.client(0x5e6f7083, heartbeat(HEARTBEAT)));
        assertEquals("HEARTBEAT_SENT 30", lab.state());
        assertEquals(0x5e6f7083, lab.st().vtag(0));
        assertVerdict("established/reply", lab.server(0x1a2b3c4f, heartbeat(HEARTBEAT_ACK)));
        assertEquals("ESTABLISHED 210", lab.state());
        assertEquals(0x1a2b3c4f, lab.st().vtag(1));
        assertTrue(assured(lab));
        assertTrue(lab.events.get(0).contains(" 30 HEARTBEAT_SENT "), lab.events.get(0));
        assertTrue(lab.events.get(1).contains(" 210 ESTABLISHED ") && lab.events.get(1).endsWith("[ASSURED]"));
    }

    @Test
    void initFromTheReplySideOfAHeartbeatPath_isInvalid_withTheKernelsStateDump() {
        SctpLab lab = new SctpLab();
        lab.client(0x5e6f7083, heartbeat(HEARTBEAT));
        SctpLab.Verdict v = lab.server(0, init(STAG, STSN));
        assertVerdict("invalid/none", v);
        assertEquals("Invalid, old_state 8, dir 1, type 1", v.logReason());
    }

    @Test
    void heartbeatWithAnotherTag_passesUnrefreshed_andTheOtherSidesAckWithANewTagIsLearnt() {
        SctpLab lab = new SctpLab().associate();
        lab.sleep(10);
        // a peer restarted on this path: new tags on both sides
        assertVerdict("established/original", lab.client(0x11111111, heartbeat(HEARTBEAT)));
        assertEquals("ESTABLISHED 200", lab.state(), "not refreshed");
        assertVerdict("established/reply", lab.server(0x22222222, heartbeat(HEARTBEAT_ACK)));
        assertEquals("ESTABLISHED 210", lab.state());
        assertEquals(0x22222222, lab.st().vtag(1));
        assertEquals(0, lab.st().vtag(0), "the other direction's tag is learnt again");
        assertVerdict("established/original", lab.client(0x11111111, heartbeat(HEARTBEAT)));
        assertEquals(0x11111111, lab.st().vtag(0));
        assertVerdict("established/original", lab.client(0x11111111, data(1, 4)));
        assertVerdict("invalid/none", lab.client(STAG, data(2, 4)));
    }

    @Test
    void heartbeatAckWithAnotherTag_withoutSuchAHeartbeatBefore_isInvalid() {
        SctpLab lab = new SctpLab().associate();
        SctpLab.Verdict v = lab.server(0x22222222, heartbeat(HEARTBEAT_ACK));
        assertVerdict("invalid/none", v);
        assertEquals("HEARTBEAT ACK with an unexpected verification tag", v.reason());
    }

    @Test
    void heartbeatWithAnotherTag_bundledWithData_isInvalid() {
        SctpLab lab = new SctpLab().associate();
        assertVerdict("invalid/none", lab.client(0x11111111, heartbeat(HEARTBEAT), data(1, 4)));
    }

    // ---- what cannot open a connection -----------------------------------------------------------------------

    @Test
    void outOfTheBlueAbort_isInvalidWithoutReasonOrEntry() {
        SctpLab lab = new SctpLab();
        SctpLab.Verdict v = lab.client(0x12345678, bare(ABORT));
        assertVerdict("invalid/none", v);
        assertNull(v.logReason());
        assertEquals(0, lab.net.table().count());
        assertTrue(lab.events.isEmpty());
    }

    @Test
    void initWithANonZeroTag_isInvalidWithoutReasonOrEntry() {
        SctpLab lab = new SctpLab();
        SctpLab.Verdict v = lab.client(0x0000beef, init(0x77, 5));
        assertVerdict("invalid/none", v);
        assertNull(v.logReason());
        assertEquals("INIT with a verification tag other than 0", v.reason());
        assertEquals(0, lab.net.table().count());
    }

    @Test
    void dataAsFirstPacket_cannotOpenAConnection() {
        SctpLab lab = new SctpLab();
        SctpLab.Verdict v = lab.client(STAG, data(1, 4));
        assertVerdict("invalid/none", v);
        assertEquals("chunk type 0 cannot start a connection", v.reason());
    }

    @Test
    void loneHeartbeatAck_opensClosed_learningNoTagForTheReplyDirection() {
        // asked of Linux 6.18: the reply side's first HEARTBEAT, whatever its tag, refreshes the entry; its DATA,
        // with the HEARTBEAT ACK's tag or another, fails the tag check against 0
        SctpLab lab = new SctpLab();
        assertVerdict("new/original", lab.client(0x8e6f7091, heartbeat(HEARTBEAT_ACK)));
        assertEquals("CLOSED 10", lab.state());
        assertEquals(0x8e6f7091, lab.st().vtag(0));
        SctpLab.Verdict v = lab.server(0x8e6f7091, data(1, 4));
        assertEquals("verification tag check failed 91706f8e vs 0 for dir 1", v.logReason());
        lab.sleep(3);
        assertVerdict("established/reply", lab.server(0x4a2b3c51, heartbeat(HEARTBEAT)));
        assertEquals("CLOSED 10", lab.state());
        assertEquals(0x4a2b3c51, lab.st().vtag(1));
    }

    @Test
    void strayShutdownAck_opensShutdownAckSent_expectingTheShutdownComplete() {
        SctpLab lab = new SctpLab();
        assertVerdict("new/original", lab.client(0x01020304, bare(SHUTDOWN_ACK)));
        assertEquals("SHUTDOWN_ACK_SENT 3", lab.state());
        assertEquals(0x01020304, lab.st().vtag(1));
        assertVerdict("established/reply", lab.server(0x01020304, bare(SHUTDOWN_COMPLETE)));
        assertEquals("CLOSED 10", lab.state());
    }

    @Test
    void strayShutdown_withATag_failsTheTagCheck_asTheKernelLogsIt() {
        SctpLab lab = new SctpLab();
        SctpLab.Verdict v = lab.client(0x01020304, shutdown(5));
        assertVerdict("invalid/none", v);
        assertEquals("verification tag check failed 4030201 vs 0 for dir 0", v.logReason());
    }

    // ---- the tracker as a plug-in ----------------------------------------------------------------------------

    @Test
    void settingsAreTheKernelsSysctlsWithItsDefaults() {
        SctpLab lab = new SctpLab();
        assertEquals(List.of("nf_conntrack_sctp_timeout_closed=10", "nf_conntrack_sctp_timeout_cookie_wait=3",
            "nf_conntrack_sctp_timeout_cookie_echoed=3", "nf_conntrack_sctp_timeout_established=210",
            "nf_conntrack_sctp_timeout_shutdown_sent=3", "nf_conntrack_sctp_timeout_shutdown_recd=3",
            "nf_conntrack_sctp_timeout_shutdown_ack_sent=3", "nf_conntrack_sctp_timeout_heartbeat_sent=30"),
            lab.tracker.settings().stream().map(k -> k.name() + "=" + lab.net.settings().get(k)).toList());
    }

    @Test
    void aChangedTimeoutAppliesToTheNextPacket() {
        SctpLab lab = new SctpLab().associate();
        lab.net.settings().set("nf_conntrack_sctp_timeout_established", 5000);
        lab.client(STAG, data(CTSN, 1));
        assertEquals("ESTABLISHED 5000", lab.state());
        assertEquals(5000, lab.net.settings().get("net.netfilter.nf_conntrack_sctp_timeout_established"));
    }

    @Test
    void tuplesPrintPorts_andTheNameIsConntrackToolsOwn() {
        SctpLab lab = new SctpLab().associate();
        assertEquals("sctp", lab.tracker.name());
        assertEquals("ESTABLISHED", lab.tracker.stateName(lab.conn()));
        StringBuilder sb = new StringBuilder();
        lab.tracker.formatTuple(sb, lab.conn().tuple(0, new org.conntrack4j.core.api.Tuple()));
        assertEquals("sport=40001 dport=3868", sb.toString());
    }
}
