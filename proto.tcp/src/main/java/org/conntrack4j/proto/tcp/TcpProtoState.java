package org.conntrack4j.proto.tcp;

/**
 * The TCP state of one connection ({@code struct ip_ct_tcp}): the connection state, what the last packet
 * looked like (for retransmission counting and for getting back in sync), and per direction what window
 * tracking knows about that direction's sender ({@code struct ip_ct_tcp_state seen[2]}).
 *
 * <p>Primitive fields only, the two directions spelled out (no per-direction objects): about 80 bytes per
 * connection. Sequence numbers are unsigned 32-bit values kept in ints and compared with serial
 * arithmetic ({@link #after}).
 *
 * <p>Guarded by the connection's monitor ({@code synchronized (ct)}, Linux's {@code ct->lock}), except
 * while the connection is unconfirmed (its first packet: one thread only). {@link #state} is also read
 * without the lock for listings and early drop; a stale value there is harmless, as in Linux.
 */
final class TcpProtoState {
    // ---- per-direction flags (IP_CT_TCP_FLAG_*), and the two that live only in lastFlags -------------------
    /** The sender offered window scaling. */
    static final int WINDOW_SCALE = 0x01;
    /** The sender permits SACK: its peer's ACKs may carry SACK blocks. */
    static final int SACK_PERM = 0x02;
    /** This sender sent the first FIN. */
    static final int CLOSE_INIT = 0x04;
    /** Do not check this sender's packets against the window. */
    static final int BE_LIBERAL = 0x08;
    /** The sender has sent data not acknowledged yet. */
    static final int DATA_UNACKNOWLEDGED = 0x10;
    /** {@code maxack} holds a value. */
    static final int MAXACK_SET = 0x20;
    /** (lastFlags) An ignored SYN in LAST_ACK may draw an RFC 5961 challenge ACK. */
    static final int EXP_CHALLENGE_ACK = 0x40;
    /** (lastFlags) The connection went through SYN_SENT2. */
    static final int SIMULTANEOUS_OPEN = 0x80;

    /** The connection state ({@link TcpStateTable}). */
    volatile byte state;
    /** Direction, packet kind, sequence, acknowledgement, end, raw window of the last packet considered. */
    byte lastDir;
    byte lastIndex;
    /** Identical ACK-only packets in a row (an unsigned byte that wraps, as in Linux). */
    byte retrans;
    /** Window scale and flags of the last ignored SYN, kept to resynchronise on its SYN/ACK. */
    byte lastWscale;
    byte lastFlags;
    char lastWin;
    int lastSeq;
    int lastAck;
    int lastEnd;

    // ---- seen[ORIGINAL] ---------------------------------------------------------------------------------
    /** Highest seq + len sent ({@code td_end}). */
    private int end0;
    /** Highest ack + window the peer allowed ({@code td_maxend}): the upper bound for this sender's data. */
    private int maxend0;
    /** Largest window this sender announced ({@code td_maxwin}); 0 until the sender is known. */
    private int maxwin0;
    /** Highest acknowledgement sent ({@code td_maxack}). */
    private int maxack0;
    private byte scale0;
    private byte flags0;
    // ---- seen[REPLY] --------------------------------------------------------------------------------------
    private int end1;
    private int maxend1;
    private int maxwin1;
    private int maxack1;
    private byte scale1;
    private byte flags1;

    int state() {
        return state;
    }

    int lastDir() {
        return lastDir;
    }

    int lastIndex() {
        return lastIndex;
    }

    int lastFlags() {
        return lastFlags & 0xff;
    }

    int retrans() {
        return retrans & 0xff;
    }

    int end(int dir) {
        return dir == 0 ? end0 : end1;
    }

    void end(int dir, int v) {
        if (dir == 0) {
            end0 = v;
        } else {
            end1 = v;
        }
    }

    int maxend(int dir) {
        return dir == 0 ? maxend0 : maxend1;
    }

    void maxend(int dir, int v) {
        if (dir == 0) {
            maxend0 = v;
        } else {
            maxend1 = v;
        }
    }

    int maxwin(int dir) {
        return dir == 0 ? maxwin0 : maxwin1;
    }

    void maxwin(int dir, int v) {
        if (dir == 0) {
            maxwin0 = v;
        } else {
            maxwin1 = v;
        }
    }

    int maxack(int dir) {
        return dir == 0 ? maxack0 : maxack1;
    }

    void maxack(int dir, int v) {
        if (dir == 0) {
            maxack0 = v;
        } else {
            maxack1 = v;
        }
    }

    int scale(int dir) {
        return dir == 0 ? scale0 : scale1;
    }

    void scale(int dir, int v) {
        if (dir == 0) {
            scale0 = (byte) v;
        } else {
            scale1 = (byte) v;
        }
    }

    int flags(int dir) {
        return (dir == 0 ? flags0 : flags1) & 0xff;
    }

    void flags(int dir, int v) {
        if (dir == 0) {
            flags0 = (byte) v;
        } else {
            flags1 = (byte) v;
        }
    }

    boolean hasFlag(int dir, int flag) {
        return (flags(dir) & flag) != 0;
    }

    void addFlag(int dir, int flag) {
        flags(dir, flags(dir) | flag);
    }

    /** Forgets what was known about one direction's sender, keeping only its liberal flag. */
    void resetDirection(int dir) {
        end(dir, 0);
        maxend(dir, 0);
        maxwin(dir, 0);
        maxack(dir, 0);
        scale(dir, 0);
        flags(dir, flags(dir) & BE_LIBERAL);
    }

    /** Is sequence number {@code a} after {@code b} (32-bit serial arithmetic)? */
    static boolean after(int a, int b) {
        return b - a < 0;
    }

    /** Is sequence number {@code a} before {@code b}? */
    static boolean before(int a, int b) {
        return a - b < 0;
    }

    @Override
    public String toString() {
        return TcpStateTable.name(state) + " orig[end=" + Integer.toUnsignedString(end0) + " maxend="
            + Integer.toUnsignedString(maxend0) + " maxwin=" + Integer.toUnsignedString(maxwin0) + " maxack="
            + Integer.toUnsignedString(maxack0) + " scale=" + scale0 + " flags=0x" + Integer.toHexString(flags0 & 0xff)
            + "] reply[end=" + Integer.toUnsignedString(end1) + " maxend=" + Integer.toUnsignedString(maxend1)
            + " maxwin=" + Integer.toUnsignedString(maxwin1) + " maxack=" + Integer.toUnsignedString(maxack1)
            + " scale=" + scale1 + " flags=0x" + Integer.toHexString(flags1 & 0xff) + "] last[dir=" + lastDir
            + " index=" + lastIndex + " end=" + Integer.toUnsignedString(lastEnd) + " win=" + (int) lastWin
            + " retrans=" + retrans() + "]";
    }
}
