package org.conntrack4j.proto.sctp;

import static org.conntrack4j.proto.sctp.SctpStateTable.ABORT;
import static org.conntrack4j.proto.sctp.SctpStateTable.CLOSED;
import static org.conntrack4j.proto.sctp.SctpStateTable.COOKIE_ACK;
import static org.conntrack4j.proto.sctp.SctpStateTable.COOKIE_ECHO;
import static org.conntrack4j.proto.sctp.SctpStateTable.COOKIE_ECHOED;
import static org.conntrack4j.proto.sctp.SctpStateTable.COOKIE_WAIT;
import static org.conntrack4j.proto.sctp.SctpStateTable.DATA;
import static org.conntrack4j.proto.sctp.SctpStateTable.ERROR;
import static org.conntrack4j.proto.sctp.SctpStateTable.ESTABLISHED;
import static org.conntrack4j.proto.sctp.SctpStateTable.HEARTBEAT;
import static org.conntrack4j.proto.sctp.SctpStateTable.HEARTBEAT_ACK;
import static org.conntrack4j.proto.sctp.SctpStateTable.HEARTBEAT_SENT;
import static org.conntrack4j.proto.sctp.SctpStateTable.INIT;
import static org.conntrack4j.proto.sctp.SctpStateTable.INIT_ACK;
import static org.conntrack4j.proto.sctp.SctpStateTable.INVALID;
import static org.conntrack4j.proto.sctp.SctpStateTable.SACK;
import static org.conntrack4j.proto.sctp.SctpStateTable.SHUTDOWN;
import static org.conntrack4j.proto.sctp.SctpStateTable.SHUTDOWN_ACK;
import static org.conntrack4j.proto.sctp.SctpStateTable.SHUTDOWN_ACK_SENT;
import static org.conntrack4j.proto.sctp.SctpStateTable.SHUTDOWN_COMPLETE;
import static org.conntrack4j.proto.sctp.SctpStateTable.SHUTDOWN_RECD;
import static org.conntrack4j.proto.sctp.SctpStateTable.SHUTDOWN_SENT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The transition table row by row, each test named after the transitions of its row. Columns in every expected
 * row: NONE, CLOSED, COOKIE_WAIT, COOKIE_ECHOED, ESTABLISHED, SHUTDOWN_SENT, SHUTDOWN_RECD, SHUTDOWN_ACK_SENT,
 * HEARTBEAT_SENT.
 */
class SctpStateTableTest {
    private static final int O = 0;
    private static final int R = 1;
    private static final int NO = SctpStateTable.NONE;
    private static final int CL = CLOSED;
    private static final int CW = COOKIE_WAIT;
    private static final int CE = COOKIE_ECHOED;
    private static final int ES = ESTABLISHED;
    private static final int SS = SHUTDOWN_SENT;
    private static final int SR = SHUTDOWN_RECD;
    private static final int SA = SHUTDOWN_ACK_SENT;
    private static final int HS = HEARTBEAT_SENT;
    private static final int IV = INVALID;

    private static int[] row(int dir, int type) {
        int[] r = new int[9];
        for (int s = 0; s < r.length; s++) {
            r[s] = SctpStateTable.next(dir, s, type);
        }
        return r;
    }

    @Test
    void originalInit_opensClosed_restartsClosingStates_movesAHeartbeatPathToCookieWait() {
        assertArrayEquals(new int[] {CL, CL, CW, CE, ES, CL, CL, SA, CW}, row(O, INIT));
    }

    @Test
    void originalInitAck_changesNothingButAPickupOrAHeartbeatPath() {
        assertArrayEquals(new int[] {CL, CL, CW, CE, ES, SS, SR, SA, CL}, row(O, INIT_ACK));
    }

    @Test
    void abort_closesEverything_butTheReplySideCannotAbortAHeartbeatPath() {
        assertArrayEquals(new int[] {CL, CL, CL, CL, CL, CL, CL, CL, CL}, row(O, ABORT));
        assertArrayEquals(new int[] {IV, CL, CL, CL, CL, CL, CL, CL, IV}, row(R, ABORT));
    }

    @Test
    void shutdown_fromTheOriginalSideIsShutdownSent_fromTheReplySideShutdownRecd() {
        assertArrayEquals(new int[] {CL, CL, CW, CE, SS, SS, SR, SA, CL}, row(O, SHUTDOWN));
        assertArrayEquals(new int[] {IV, CL, CW, CE, SR, SS, SR, SA, IV}, row(R, SHUTDOWN));
    }

    @Test
    void shutdownAck_answersEitherShutdown_aStrayOneOpensShutdownAckSent() {
        assertArrayEquals(new int[] {SA, CL, CW, CE, ES, SA, SA, SA, SA}, row(O, SHUTDOWN_ACK));
        assertArrayEquals(new int[] {IV, CL, CW, CE, ES, SA, SA, SA, IV}, row(R, SHUTDOWN_ACK));
    }

    @Test
    void error_changesNothing_butTheReplySidesErrorToAnEchoedCookieCloses() {
        assertArrayEquals(new int[] {CL, CL, CW, CE, ES, SS, SR, SA, CL}, row(O, ERROR));
        assertArrayEquals(new int[] {IV, CL, CW, CL, ES, SS, SR, SA, IV}, row(R, ERROR));
    }

    @Test
    void cookieEcho_movesCookieWaitToCookieEchoed() {
        assertArrayEquals(new int[] {CL, CL, CE, CE, ES, SS, SR, SA, CL}, row(O, COOKIE_ECHO));
        assertArrayEquals(new int[] {IV, CL, CE, CE, ES, SS, SR, SA, IV}, row(R, COOKIE_ECHO));
    }

    @Test
    void cookieAck_establishesAnEchoedCookie() {
        assertArrayEquals(new int[] {CL, CL, CW, ES, ES, SS, SR, SA, CL}, row(O, COOKIE_ACK));
        assertArrayEquals(new int[] {IV, CL, CW, ES, ES, SS, SR, SA, IV}, row(R, COOKIE_ACK));
    }

    @Test
    void shutdownComplete_closesAfterShutdownAckSent() {
        assertArrayEquals(new int[] {CL, CL, CW, CE, ES, SS, SR, CL, CL}, row(O, SHUTDOWN_COMPLETE));
        assertArrayEquals(new int[] {IV, CL, CW, CE, ES, SS, SR, CL, IV}, row(R, SHUTDOWN_COMPLETE));
    }

    @Test
    void heartbeat_opensHeartbeatSent_andItsAckFromTheReplySideEstablishes() {
        assertArrayEquals(new int[] {HS, CL, CW, CE, ES, SS, SR, SA, HS}, row(O, HEARTBEAT));
        assertArrayEquals(new int[] {IV, CL, CW, CE, ES, SS, SR, SA, HS}, row(R, HEARTBEAT));
        assertArrayEquals(new int[] {CL, CL, CW, CE, ES, SS, SR, SA, HS}, row(O, HEARTBEAT_ACK));
        assertArrayEquals(new int[] {IV, CL, CW, CE, ES, SS, SR, SA, ES}, row(R, HEARTBEAT_ACK));
    }

    @Test
    void replyInitAndInitAck_keepTheState_exceptTheAnswerToTheInit() {
        assertArrayEquals(new int[] {IV, CL, CW, CE, ES, SS, SR, SA, IV}, row(R, INIT));
        assertArrayEquals(new int[] {IV, CW, CW, CE, ES, SS, SR, SA, IV}, row(R, INIT_ACK));
    }

    @Test
    void dataSackAndUnknownTypes_leaveEveryStateAsItIs() {
        int[] same = {NO, CL, CW, CE, ES, SS, SR, SA, HS};
        for (int type : new int[] {DATA, SACK, 12, 13, 15, 0x3f, 0x80, 0xc1, 0xff}) {
            assertArrayEquals(same, row(O, type), "type " + type);
            assertArrayEquals(same, row(R, type), "type " + type);
        }
    }

    @Test
    void namesAreTheKernels_andOnlyTheShutdownStatesMayBeEarlyDropped() {
        assertEquals("NONE CLOSED COOKIE_WAIT COOKIE_ECHOED ESTABLISHED SHUTDOWN_SENT SHUTDOWN_RECD SHUTDOWN_ACK_SENT "
            + "HEARTBEAT_SENT HEARTBEAT_ACKED", String.join(" ", java.util.stream.IntStream.range(0, 10)
                .mapToObj(SctpStateTable::name).toList()));
        for (int s = 0; s < 10; s++) {
            assertEquals(s == SS || s == SR || s == SA, SctpStateTable.closing(s), SctpStateTable.name(s));
        }
        assertFalse(SctpStateTable.closing(IV));
        assertTrue(SctpStateTable.closing(SA));
    }
}
