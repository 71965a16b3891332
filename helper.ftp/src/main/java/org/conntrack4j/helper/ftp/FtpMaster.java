package org.conntrack4j.helper.ftp;

import org.conntrack4j.core.api.SeqAdj;

/**
 * The FTP helper's data for one control connection (Linux's {@code struct nf_ct_ftp_master}).
 *
 * <p>A command is only looked for at the start of a segment that starts a line. So for each direction the
 * helper remembers the sequence numbers that follow the last newlines it saw at the end of a segment (two of
 * them, enough for one retransmission), plus a pickup flag that lets the next segment be read once without
 * that proof (set when a connection is taken over mid-stream, as conntrackd's injected entries are).
 * Memory is fixed: nothing grows with the traffic.
 *
 * <p>Guarded by the connection's monitor ({@code synchronized (ct)}), held by the helper for the whole
 * reading of a segment; {@link #cmd} is that reading's scratch space.
 */
final class FtpMaster {
    /** How many line starts are remembered per direction ({@code NUM_SEQ_TO_REMEMBER}). */
    static final int REMEMBERED = 2;

    /** [dir * REMEMBERED + i]: sequence numbers just after a newline. */
    private final int[] lineStarts = new int[2 * REMEMBERED];
    private final int[] lineStartCount = new int[2];
    private final boolean[] pickup = new boolean[2];

    final FtpCommand cmd = new FtpCommand();

    /** Does a segment of direction {@code dir} starting at {@code seq} start a line? ({@code find_nl_seq}) */
    boolean startsLine(int dir, int seq) {
        int base = dir * REMEMBERED;
        for (int i = 0; i < lineStartCount[dir]; i++) {
            if (lineStarts[base + i] == seq) {
                return true;
            }
        }
        return false;
    }

    /**
     * Remembers that a line starts at {@code seq} in direction {@code dir} ({@code update_nl_seq}): added while
     * there is room, else it replaces the older of the two, but only if it is newer (a retransmission of an
     * old segment must not push out the current position).
     */
    void rememberLineStart(int dir, int seq) {
        if (startsLine(dir, seq)) {
            return;
        }
        int base = dir * REMEMBERED;
        int n = lineStartCount[dir];
        if (n < REMEMBERED) {
            lineStarts[base + n] = seq;
            lineStartCount[dir] = n + 1;
            return;
        }
        int oldest = SeqAdj.before(lineStarts[base], lineStarts[base + 1]) ? 0 : 1;
        if (SeqAdj.after(seq, lineStarts[base + oldest])) {
            lineStarts[base + oldest] = seq;
        }
    }

    /** How many line starts are remembered for {@code dir} (0..{@link #REMEMBERED}). */
    int lineStartCount(int dir) {
        return lineStartCount[dir];
    }

    /**
     * Lets the next segment of each direction that does not start a known line be read anyway, once
     * ({@code NF_CT_FTP_SEQ_PICKUP}): for a connection whose earlier traffic the helper never saw.
     */
    void pickUp() {
        pickup[0] = true;
        pickup[1] = true;
    }

    /** Consumes the pickup flag of {@code dir}; true if it was set. */
    boolean takePickup(int dir) {
        if (!pickup[dir]) {
            return false;
        }
        pickup[dir] = false;
        return true;
    }
}
