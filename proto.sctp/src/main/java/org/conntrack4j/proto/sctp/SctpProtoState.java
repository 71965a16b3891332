package org.conntrack4j.proto.sctp;

/**
 * The SCTP state of one connection ({@code struct ip_ct_sctp}): the association state, the verification tag
 * each direction's packets must carry, whether each side sent an INIT (for INIT collisions), and the note a
 * HEARTBEAT with an unexpected tag leaves for the HEARTBEAT ACK that may follow (a peer that restarted on a
 * path).
 *
 * <p>Tags are kept as a big-endian read of the packet returns them ({@code Packet.u32}); 0 means not known yet.
 * Guarded by the connection's monitor ({@code synchronized (ct)}, Linux's {@code ct->lock}), except while the
 * connection is unconfirmed (its first packet: one thread only). {@link #state} is also read without the lock
 * for listings and early drop; a stale value there is harmless, as in Linux.
 */
final class SctpProtoState {
    /** A HEARTBEAT came with a tag other than the known one ({@code SCTP_FLAG_HEARTBEAT_VTAG_FAILED}). */
    static final int HEARTBEAT_VTAG_FAILED = 0x01;

    /** The association state ({@link SctpStateTable}). */
    volatile byte state;
    private int vtag0;
    private int vtag1;
    private boolean init0;
    private boolean init1;
    /** {@link #HEARTBEAT_VTAG_FAILED} or 0. */
    byte flags;
    /** The direction of the HEARTBEAT that set {@link #HEARTBEAT_VTAG_FAILED}. */
    byte lastDir;

    int state() {
        return state;
    }

    /** The tag packets of direction {@code dir} must carry. */
    int vtag(int dir) {
        return dir == 0 ? vtag0 : vtag1;
    }

    void vtag(int dir, int tag) {
        if (dir == 0) {
            vtag0 = tag;
        } else {
            vtag1 = tag;
        }
    }

    /** Did direction {@code dir} send an INIT since the last COOKIE ACK? */
    boolean init(int dir) {
        return dir == 0 ? init0 : init1;
    }

    void init(int dir, boolean sent) {
        if (dir == 0) {
            init0 = sent;
        } else {
            init1 = sent;
        }
    }

    @Override
    public String toString() {
        return SctpStateTable.name(state) + " vtag[0x" + Integer.toHexString(vtag0) + " 0x" + Integer.toHexString(vtag1)
            + "] init[" + init0 + " " + init1 + "] flags=" + flags + " lastDir=" + lastDir;
    }
}
