package org.conntrack4j.core.api;

/**
 * TCP sequence number adjustment of one connection ({@code struct nf_conn_seqadj}): when a helper behind
 * NAT changes the length of a payload, every later sequence number of that direction (and the other
 * direction's acknowledgements) must be shifted by the accumulated difference.
 *
 * <p>For each direction: the sequence number where the last change took effect ({@code correctionPos}),
 * and the offsets for segments before and after it. Guarded by the connection's monitor.
 */
public final class SeqAdj {
    private final int[] correctionPos = new int[2];
    private final int[] offsetBefore = new int[2];
    private final int[] offsetAfter = new int[2];

    /**
     * Records a length change of {@code off} bytes in a segment of direction {@code dir} starting at
     * {@code seq} ({@code nf_ct_seqadj_set}). A second change at the same position is not accumulated twice
     * (a retransmission of the rewritten segment).
     */
    public synchronized void set(int dir, int seq, int off) {
        if (offsetAfter[dir] == offsetBefore[dir] || after(seq, correctionPos[dir])) {
            correctionPos[dir] = seq;
            offsetBefore[dir] = offsetAfter[dir];
            offsetAfter[dir] += off;
        }
    }

    /** The offset to add to sequence number {@code seq} of direction {@code dir} ({@code nf_ct_seq_offset}). */
    public synchronized int offset(int dir, int seq) {
        return after(seq, correctionPos[dir]) ? offsetAfter[dir] : offsetBefore[dir];
    }

    /**
     * The offset to take back from an acknowledgement (or SACK edge) {@code v} of direction {@code dir}'s
     * data, as the other side sent it: the position test is made on the value as it was before the last
     * change ({@code v - offsetBefore}). One locked read, consistent with {@link #set}.
     */
    public synchronized int backOffset(int dir, int v) {
        int before = offsetBefore[dir];
        return after(v - before, correctionPos[dir]) ? offsetAfter[dir] : before;
    }

    public synchronized int correctionPos(int dir) {
        return correctionPos[dir];
    }

    public synchronized int offsetBefore(int dir) {
        return offsetBefore[dir];
    }

    public synchronized int offsetAfter(int dir) {
        return offsetAfter[dir];
    }

    /** Is sequence number {@code a} after {@code b} in 32-bit serial arithmetic? */
    public static boolean after(int a, int b) {
        return b - a < 0;
    }

    /** Is sequence number {@code a} before {@code b} in 32-bit serial arithmetic? */
    public static boolean before(int a, int b) {
        return a - b < 0;
    }

    @Override
    public synchronized String toString() {
        return "seqadj[orig pos=" + Integer.toUnsignedString(correctionPos[0]) + " " + offsetBefore[0] + "/"
            + offsetAfter[0] + ", reply pos=" + Integer.toUnsignedString(correctionPos[1]) + " " + offsetBefore[1]
            + "/" + offsetAfter[1] + "]";
    }
}
