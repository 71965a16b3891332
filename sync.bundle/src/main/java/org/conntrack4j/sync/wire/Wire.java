package org.conntrack4j.sync.wire;

/**
 * conntrackd's protocol constants (include/network.h of conntrack-tools 1.4.7) and the header layout.
 *
 * <pre>
 *  0      4      8             16                              32
 *  +------+------+-------------+-------------------------------+
 *  |version| type |    flags    |            length             |   version 1; length of the whole
 *  +------+------+-------------+-------------------------------+   message, header included
 *  |                        sequence number                    |
 *  +-----------------------------------------------------------+
 *  |   from (ACK, NACK, RESYNC only)  |  to (same)             |   two more u32: a 16-byte header
 *  +-----------------------------------------------------------+
 *  | attribute: u16 length (header included), u16 type, value, zero padding to 4 bytes | ...
 * </pre>
 * All numbers big-endian except where {@link NtaCt} says otherwise.
 */
public final class Wire {
    private Wire() {
    }

    public static final int VERSION = 1;
    /** Header of data, ALIVE and HELLO messages. */
    public static final int HEADER_SIZE = 8;
    /** Header of ACK, NACK and RESYNC: the data header plus from and to. */
    public static final int ACK_HEADER_SIZE = 16;
    /** conntrackd builds each message in a static 4096-byte buffer. */
    public static final int MAX_MESSAGE = 4096;

    // message types (enum nethdr_type)
    public static final int T_CT_NEW = 0;
    public static final int T_CT_UPD = 1;
    public static final int T_CT_DEL = 2;
    public static final int T_EXP_NEW = 3;
    public static final int T_EXP_UPD = 4;
    public static final int T_EXP_DEL = 5;
    public static final int T_STATE_MAX = T_EXP_DEL;
    public static final int T_CTL = 10;

    // header flags
    public static final int F_RESYNC = 1 << 1;
    public static final int F_NACK = 1 << 2;
    public static final int F_ACK = 1 << 3;
    public static final int F_ALIVE = 1 << 4;
    public static final int F_HELLO = 1 << 5;
    public static final int F_HELLO_BACK = 1 << 6;

    /** @return whether a message of this type and flags carries state (IS_DATA: HELLO bits may ride along) */
    public static boolean isData(int type, int flags) {
        return type <= T_STATE_MAX && (flags & ~(F_HELLO | F_HELLO_BACK)) == 0;
    }

    public static boolean isAck(int type, int flags) {
        return type == T_CTL && (flags & F_ACK) != 0;
    }

    public static boolean isNack(int type, int flags) {
        return type == T_CTL && (flags & F_NACK) != 0;
    }

    public static boolean isResync(int type, int flags) {
        return type == T_CTL && (flags & F_RESYNC) != 0;
    }

    public static boolean isAlive(int type, int flags) {
        return type == T_CTL && (flags & F_ALIVE) != 0;
    }

    /** @return whether the header has from and to: ACK, NACK, RESYNC */
    public static boolean hasRange(int type, int flags) {
        return isAck(type, flags) || isNack(type, flags) || isResync(type, flags);
    }

    /** @return attributes are padded to 4 bytes */
    public static int align(int len) {
        return (len + 3) & ~3;
    }

    // header accessors over a buffer
    public static int version(byte[] b, int off) {
        return (b[off] >> 4) & 0xf;
    }

    public static int type(byte[] b, int off) {
        return b[off] & 0xf;
    }

    public static int flags(byte[] b, int off) {
        return b[off + 1] & 0xff;
    }

    public static int length(byte[] b, int off) {
        return u16(b, off + 2);
    }

    public static int seq(byte[] b, int off) {
        return s32(b, off + 4);
    }

    public static int from(byte[] b, int off) {
        return s32(b, off + 8);
    }

    public static int to(byte[] b, int off) {
        return s32(b, off + 12);
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xff) << 8 | b[off + 1] & 0xff;
    }

    static int u16le(byte[] b, int off) {
        return b[off] & 0xff | (b[off + 1] & 0xff) << 8;
    }

    static int s32(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | b[off + 3] & 0xff;
    }

    static long u32(byte[] b, int off) {
        return s32(b, off) & 0xffffffffL;
    }

    // sequence numbers wrap (before/after of include/network.h, from net/tcp.h)
    public static boolean before(int seq1, int seq2) {
        return seq1 - seq2 < 0;
    }

    public static boolean after(int seq2, int seq1) {
        return before(seq1, seq2);
    }

    /** @return whether {@code lo <= seq <= hi} in sequence space */
    public static boolean between(int seq, int lo, int hi) {
        return Integer.compareUnsigned(hi - lo, seq - lo) >= 0;
    }
}
