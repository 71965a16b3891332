package org.conntrack4j.proto.sctp;

/**
 * The SCTP association states as conntrack sees them, the chunk types that move them, and the transition table
 * of Linux's {@code nf_conntrack_proto_sctp.c} ({@code enum sctp_conntrack}, {@code sctp_conntracks[2][11][]}),
 * with the kernel's numbers: the state number is what ctnetlink carries and what the kernel's log text prints
 * ({@code Invalid, old_state 0, dir 1, type 2}).
 *
 * <p>These are states of the association as a middlebox sees it from both sides, not of either endpoint: a
 * state names the last step seen, in whichever direction the table says. Immutable; shared by every connection
 * and thread.
 */
final class SctpStateTable {
    // ---- states (enum sctp_conntrack) -------------------------------------------------------------------
    /** Nothing seen yet: only between the creation of a connection and its first chunk. */
    static final int NONE = 0;
    /** An INIT (or a closing or stray chunk) seen; or the association was shut down or aborted. */
    static final int CLOSED = 1;
    /** The INIT was answered by an INIT ACK. */
    static final int COOKIE_WAIT = 2;
    /** The initiator echoed the cookie. */
    static final int COOKIE_ECHOED = 3;
    /** The cookie was acknowledged, or a heartbeat on a new path was answered. */
    static final int ESTABLISHED = 4;
    /** A SHUTDOWN from the original side. */
    static final int SHUTDOWN_SENT = 5;
    /** A SHUTDOWN from the reply side. */
    static final int SHUTDOWN_RECD = 6;
    /** The SHUTDOWN was acknowledged; its SHUTDOWN COMPLETE is next. */
    static final int SHUTDOWN_ACK_SENT = 7;
    /** A HEARTBEAT opened the connection: a path of an association tracked under other addresses. */
    static final int HEARTBEAT_SENT = 8;
    /** The ninth state of the enum, no longer reached since Linux 6.3; kept for the numbers. */
    static final int HEARTBEAT_ACKED = 9;
    /** Table entry: the chunk is invalid in this state ({@code sIV}, {@code SCTP_CONNTRACK_MAX}). */
    static final int INVALID = 10;

    // ---- chunk types (RFC 9260 section 3.2; SCTP_CID_*) ------------------------------------------------------
    static final int DATA = 0;
    static final int INIT = 1;
    static final int INIT_ACK = 2;
    static final int SACK = 3;
    static final int HEARTBEAT = 4;
    static final int HEARTBEAT_ACK = 5;
    static final int ABORT = 6;
    static final int SHUTDOWN = 7;
    static final int SHUTDOWN_ACK = 8;
    static final int ERROR = 9;
    static final int COOKIE_ECHO = 10;
    static final int COOKIE_ACK = 11;
    static final int SHUTDOWN_COMPLETE = 14;
    /** ABORT and SHUTDOWN COMPLETE: the T bit says the sender used its peer's tag (it had no association). */
    static final int FLAG_T = 0x01;

    /** {@code SCTP_CONNTRACK_MAX}: the number of states (HEARTBEAT_ACKED is kept, unused, as in Linux). */
    static final int STATES = 10;

    private static final String[] NAMES = {"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
        "SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT", "HEARTBEAT_ACKED"};

    /**
     * The row of each chunk type that moves the state, or -1 for the types that leave it alone (DATA, SACK and
     * the rest): INIT, INIT ACK, ABORT, SHUTDOWN, SHUTDOWN ACK, ERROR, COOKIE ECHO, COOKIE ACK, SHUTDOWN
     * COMPLETE, HEARTBEAT, HEARTBEAT ACK.
     */
    private static final byte[] ROW = new byte[256];

    static {
        java.util.Arrays.fill(ROW, (byte) -1);
        int[] types = {INIT, INIT_ACK, ABORT, SHUTDOWN, SHUTDOWN_ACK, ERROR, COOKIE_ECHO, COOKIE_ACK,
            SHUTDOWN_COMPLETE, HEARTBEAT, HEARTBEAT_ACK};
        for (int i = 0; i < types.length; i++) {
            ROW[types[i]] = (byte) i;
        }
    }

    private static final byte sNO = NONE;
    private static final byte sCL = CLOSED;
    private static final byte sCW = COOKIE_WAIT;
    private static final byte sCE = COOKIE_ECHOED;
    private static final byte sES = ESTABLISHED;
    private static final byte sSS = SHUTDOWN_SENT;
    private static final byte sSR = SHUTDOWN_RECD;
    private static final byte sSA = SHUTDOWN_ACK_SENT;
    private static final byte sHS = HEARTBEAT_SENT;
    private static final byte sIV = INVALID;

    /**
     * {@code NEXT[direction][chunk row][current state]}: the state after one chunk. Columns are the current
     * state, in the order NONE, CLOSED, COOKIE_WAIT, COOKIE_ECHOED, ESTABLISHED, SHUTDOWN_SENT, SHUTDOWN_RECD,
     * SHUTDOWN_ACK_SENT, HEARTBEAT_SENT. The NONE column is used for a connection's first packet only, which is
     * always in the original direction; a chunk there that leads to NONE cannot start a connection.
     */
    private static final byte[][][] NEXT = {
        { // ORIGINAL direction (the side that sent the first packet)
            //                NO   CL   CW   CE   ES   SS   SR   SA   HS
            /* init */       {sCL, sCL, sCW, sCE, sES, sCL, sCL, sSA, sCW},
            // An INIT opens (NONE) or restarts a closed or closing association (CLOSED, SHUTDOWN_SENT,
            // SHUTDOWN_RECD); on a heartbeat-only path it means the handshake now runs here (COOKIE_WAIT).
            // Elsewhere a retransmission or a restart attempt that changes nothing yet.
            /* init_ack */   {sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sCL},
            // The opener does not answer its own INIT: only a path picked up midway, or a heartbeat path whose
            // peer restarted, moves (to CLOSED); otherwise nothing changes.
            /* abort */      {sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
            // An ABORT ends the association wherever it was (its tag is checked before).
            /* shutdown */   {sCL, sCL, sCW, sCE, sSS, sSS, sSR, sSA, sCL},
            // Only an established association starts its graceful close (SHUTDOWN_SENT); repeats keep the state.
            /* shutdown_ack */ {sSA, sCL, sCW, sCE, sES, sSA, sSA, sSA, sSA},
            // Acknowledges a SHUTDOWN (SHUTDOWN_SENT, SHUTDOWN_RECD -> SHUTDOWN_ACK_SENT). A stray one opens a
            // connection in SHUTDOWN_ACK_SENT, where the peer's SHUTDOWN COMPLETE is expected.
            /* error */      {sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sCL},
            // An ERROR from the opener changes nothing; a stray one opens in CLOSED.
            /* cookie_echo */ {sCL, sCL, sCE, sCE, sES, sSS, sSR, sSA, sCL},
            // The opener echoes the cookie it got in the INIT ACK (COOKIE_WAIT -> COOKIE_ECHOED).
            /* cookie_ack */ {sCL, sCL, sCW, sES, sES, sSS, sSR, sSA, sCL},
            // Normally the answering side's; from the opener it still completes an echoed cookie (collisions).
            /* shutdown_comp */ {sCL, sCL, sCW, sCE, sES, sSS, sSR, sCL, sCL},
            // Completes the close after SHUTDOWN_ACK_SENT (-> CLOSED); elsewhere ignored.
            /* heartbeat */  {sHS, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS},
            // A HEARTBEAT opens a connection for a path the association did not start on (HEARTBEAT_SENT).
            /* heartbeat_ack */ {sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS}
            // Heartbeat answers from the opener change nothing; a lone one opens in CLOSED.
        },
        { // REPLY direction
            //                NO   CL   CW   CE   ES   SS   SR   SA   HS
            /* init */       {sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sIV},
            // An INIT from the answering side (an INIT collision or a restart) keeps the state; on a heartbeat
            // path it is invalid.
            /* init_ack */   {sIV, sCW, sCW, sCE, sES, sSS, sSR, sSA, sIV},
            // The answer to the INIT (CLOSED -> COOKIE_WAIT); later ones are retransmissions.
            /* abort */      {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sIV},
            // As in the original direction, but not on a heartbeat path, which the reply side cannot abort.
            /* shutdown */   {sIV, sCL, sCW, sCE, sSR, sSS, sSR, sSA, sIV},
            // The answering side starts the close (ESTABLISHED -> SHUTDOWN_RECD).
            /* shutdown_ack */ {sIV, sCL, sCW, sCE, sES, sSA, sSA, sSA, sIV},
            // As in the original direction.
            /* error */      {sIV, sCL, sCW, sCL, sES, sSS, sSR, sSA, sIV},
            // An ERROR answering the echoed cookie (a stale cookie) closes; otherwise nothing changes.
            /* cookie_echo */ {sIV, sCL, sCE, sCE, sES, sSS, sSR, sSA, sIV},
            // The answering side echoes a cookie only in an INIT collision: COOKIE_WAIT moves on as from the
            // opener; elsewhere nothing changes.
            /* cookie_ack */ {sIV, sCL, sCW, sES, sES, sSS, sSR, sSA, sIV},
            // Acknowledges the echoed cookie: the association is up (COOKIE_ECHOED -> ESTABLISHED).
            /* shutdown_comp */ {sIV, sCL, sCW, sCE, sES, sSS, sSR, sCL, sIV},
            // As in the original direction.
            /* heartbeat */  {sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS},
            // Heartbeats change nothing.
            /* heartbeat_ack */ {sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sES}
            // The answer to the HEARTBEAT that opened a path: that path is usable (HEARTBEAT_SENT -> ESTABLISHED).
        }
    };

    private SctpStateTable() {
    }

    /**
     * {@code sctp_new_state}: the state after a chunk of type {@code type} in direction {@code dir}, or
     * {@link #INVALID}. Chunk types without a row (DATA, SACK, ...) leave {@code state} as it is.
     */
    static int next(int dir, int state, int type) {
        int row = ROW[type & 0xff];
        return row < 0 ? state : NEXT[dir][row][state];
    }

    /** The kernel's name of a state ({@code sctp_conntrack_names}). */
    static String name(int state) {
        return state >= 0 && state < NAMES.length ? NAMES[state] : "UNKNOWN";
    }

    /** {@code sctp_can_early_drop}: closing associations may be dropped even when ASSURED. */
    static boolean closing(int state) {
        return state == SHUTDOWN_SENT || state == SHUTDOWN_RECD || state == SHUTDOWN_ACK_SENT;
    }
}
