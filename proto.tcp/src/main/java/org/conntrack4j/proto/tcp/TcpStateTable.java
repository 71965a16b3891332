package org.conntrack4j.proto.tcp;

/**
 * The TCP connection states, packet kinds and the state transition table of Linux's
 * {@code nf_conntrack_proto_tcp.c} ({@code enum tcp_conntrack}, {@code enum tcp_bit_set},
 * {@code tcp_conntracks[2][6][TCP_CONNTRACK_MAX]}), with the kernel's numbers: the state number is what
 * ctnetlink carries, and the packet kind number appears in the kernel's log text
 * ({@code packet (index 1) in dir 0 invalid}).
 *
 * <p>Immutable; shared by every connection and thread.
 */
final class TcpStateTable {
    // ---- states (enum tcp_conntrack) --------------------------------------------------------------------
    static final int NONE = 0;
    static final int SYN_SENT = 1;
    static final int SYN_RECV = 2;
    static final int ESTABLISHED = 3;
    static final int FIN_WAIT = 4;
    static final int CLOSE_WAIT = 5;
    static final int LAST_ACK = 6;
    static final int TIME_WAIT = 7;
    static final int CLOSE = 8;
    /** A SYN seen from the reply direction too: simultaneous open (the old LISTEN slot). */
    static final int SYN_SENT2 = 9;
    /** Table entry: the packet is invalid in this state ({@code sIV}, {@code TCP_CONNTRACK_MAX}). */
    static final int INVALID = 10;
    /** Table entry: the packet may or may not be valid; let it pass without changing state ({@code sIG}). */
    static final int IGNORE = 11;
    /** Number of real states. */
    static final int STATES = 10;

    // ---- packet kinds (enum tcp_bit_set), decided by get_conntrack_index's precedence ----------------------
    static final int SYN_SET = 0;
    static final int SYNACK_SET = 1;
    static final int FIN_SET = 2;
    static final int ACK_SET = 3;
    static final int RST_SET = 4;
    static final int NONE_SET = 5;

    // ---- TCP header flag bits (byte 13 of the header) -----------------------------------------------------
    static final int TH_FIN = 0x01;
    static final int TH_SYN = 0x02;
    static final int TH_RST = 0x04;
    static final int TH_PUSH = 0x08;
    static final int TH_ACK = 0x10;
    static final int TH_URG = 0x20;
    static final int TH_ECE = 0x40;
    static final int TH_CWR = 0x80;

    private static final String[] NAMES = {"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT",
        "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"};

    private static final byte sNO = NONE;
    private static final byte sSS = SYN_SENT;
    private static final byte sSR = SYN_RECV;
    private static final byte sES = ESTABLISHED;
    private static final byte sFW = FIN_WAIT;
    private static final byte sCW = CLOSE_WAIT;
    private static final byte sLA = LAST_ACK;
    private static final byte sTW = TIME_WAIT;
    private static final byte sCL = CLOSE;
    private static final byte sS2 = SYN_SENT2;
    private static final byte sIV = INVALID;
    private static final byte sIG = IGNORE;

    /**
     * {@code NEXT[direction][packet kind][current state]} is the state after a packet (before the window
     * check and the special cases of {@link TcpTracker}). Columns are the current state, in the order
     * NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2.
     *
     * <p>We sit between the two ends and see every packet, though a packet we see may still be lost after
     * us; so each entry is a guess at what the sender now believes. IGNORE marks packets that may be right
     * or wrong where the receiver's answer (a RST or a SYN/ACK) will tell; INVALID marks packets that are
     * wrong whatever the ends think.
     */
    private static final byte[][][] NEXT = {
        { // ORIGINAL direction (the side that opened)
            //        NO   SS   SR   ES   FW   CW   LA   TW   CL   S2
            /* syn */ {sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2},
            // A SYN opens (NONE), is a retransmission (SYN_SENT, SYN_SENT2), or reopens a closed or dying
            // connection (TIME_WAIT, CLOSE: RFC 1122 allows a new SYN there). Elsewhere we may be out of sync
            // with the ends: ignore it and let the server's answer decide.
            /* syn/ack */ {sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR},
            // Only in a simultaneous open may the opener send a SYN/ACK (SYN_SENT2, or its retransmission in
            // SYN_RECV). An opener that sent a SYN cannot answer it itself.
            /* fin */ {sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV},
            // The first FIN starts the close (SYN_RECV, ESTABLISHED -> FIN_WAIT); a FIN after the other side's
            // (FIN_WAIT, CLOSE_WAIT) leaves only the last ACK (LAST_ACK); retransmissions keep the state. No
            // FIN before the handshake was answered.
            /* ack */ {sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV},
            // An ACK completes the handshake (SYN_RECV) or is assumed to be mid-stream (NONE, tcp_loose);
            // acknowledges the first FIN (FIN_WAIT -> CLOSE_WAIT) or the second (LAST_ACK -> TIME_WAIT, unless
            // it is an RFC 5961 challenge ACK). An ACK before any SYN/ACK is invalid.
            /* rst */ {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
            // A RST closes whatever there is (the tracker checks its sequence number first).
            /* none */ {sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV}
            // A segment without SYN, FIN, ACK or RST is never valid.
        },
        { // REPLY direction
            //        NO   SS   SR   ES   FW   CW   LA   TW   CL   S2
            /* syn */ {sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2},
            // A SYN answering a SYN is a simultaneous open (SYN_SENT -> SYN_SENT2, retransmitted in
            // SYN_SENT2). In TIME_WAIT the server may reopen with roles swapped. Otherwise invalid.
            /* syn/ack */ {sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR},
            // The normal answer to a SYN (SYN_SENT -> SYN_RECV) or to a simultaneous SYN (SYN_SENT2). Later on
            // it is a retransmission or the answer to a SYN we ignored: ignore it.
            /* fin */ {sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV},
            // As in the original direction.
            /* ack */ {sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG},
            // An ACK answering our SYN is a half-open connection or a challenge ACK: ignore it (SYN_SENT,
            // SYN_SENT2). In SYN_RECV it may answer a retransmitted SYN and keeps the state; the simultaneous
            // open case is promoted by the tracker. Otherwise as in the original direction.
            /* rst */ {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
            // As in the original direction.
            /* none */ {sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV}
        }
    };

    /**
     * Valid combinations of FIN, SYN, RST, ACK and URG, indexed by those bits of the flag byte (PSH, ECE
     * and CWR never matter): {@code tcp_valid_flags}.
     */
    private static final boolean[] VALID_FLAGS = new boolean[(TH_FIN | TH_SYN | TH_RST | TH_ACK | TH_URG) + 1];

    static {
        int[] valid = {TH_SYN, TH_SYN | TH_URG, TH_SYN | TH_ACK, TH_RST, TH_RST | TH_ACK, TH_FIN | TH_ACK,
            TH_FIN | TH_ACK | TH_URG, TH_ACK, TH_ACK | TH_URG};
        for (int f : valid) {
            VALID_FLAGS[f] = true;
        }
    }

    private TcpStateTable() {
    }

    /** The table entry: a state, {@link #INVALID} or {@link #IGNORE}. */
    static int next(int dir, int index, int state) {
        return NEXT[dir][index][state];
    }

    /** The packet kind of a flag byte: RST, then SYN (with or without ACK), then FIN, then ACK. */
    static int index(int flags) {
        if ((flags & TH_RST) != 0) {
            return RST_SET;
        }
        if ((flags & TH_SYN) != 0) {
            return (flags & TH_ACK) != 0 ? SYNACK_SET : SYN_SET;
        }
        if ((flags & TH_FIN) != 0) {
            return FIN_SET;
        }
        return (flags & TH_ACK) != 0 ? ACK_SET : NONE_SET;
    }

    /** Is the flag combination one the kernel lets through ({@code tcp_error})? */
    static boolean validFlags(int flags) {
        return VALID_FLAGS[flags & ~(TH_ECE | TH_CWR | TH_PUSH) & 0xff];
    }

    /** The kernel's name of a state ({@code tcp_conntrack_names}). */
    static String name(int state) {
        return NAMES[state];
    }

    /** {@code tcp_can_early_drop}: closing states may be dropped even when ASSURED. */
    static boolean closing(int state) {
        return state == FIN_WAIT || state == CLOSE_WAIT || state == LAST_ACK || state == TIME_WAIT
            || state == CLOSE;
    }
}
