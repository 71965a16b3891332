package org.conntrack4j.core.impl;

import org.conntrack4j.core.api.SeqAdj;

/** The engine's {@link SeqAdj}, guarded by its own monitor (a leaf in the lock order). */
final class SeqAdjImpl implements SeqAdj {
    private final int[] correctionPos = new int[2];
    private final int[] offsetBefore = new int[2];
    private final int[] offsetAfter = new int[2];

    /**
     * Records a length change of {@code off} bytes in a segment of direction {@code dir} starting at
     * {@code seq} ({@code nf_ct_seqadj_set}). A second change at the same position is not accumulated twice
     * (a retransmission of the rewritten segment).
     */
    synchronized void set(int dir, int seq, int off) {
        if (offsetAfter[dir] == offsetBefore[dir] || SeqAdj.after(seq, correctionPos[dir])) {
            correctionPos[dir] = seq;
            offsetBefore[dir] = offsetAfter[dir];
            offsetAfter[dir] += off;
        }
    }

    /** Takes a direction's adjustment as a state synchronisation reports it ({@code CTA_SEQ_ADJ_*}). */
    synchronized void restore(int dir, int pos, int before, int after) {
        correctionPos[dir] = pos;
        offsetBefore[dir] = before;
        offsetAfter[dir] = after;
    }

    /** The offset to add to sequence number {@code seq} of direction {@code dir} ({@code nf_ct_seq_offset}). */
    @Override
    public synchronized int offset(int dir, int seq) {
        return SeqAdj.after(seq, correctionPos[dir]) ? offsetAfter[dir] : offsetBefore[dir];
    }

    /**
     * The offset to take back from an acknowledgement (or SACK edge) {@code v} of direction {@code dir}'s
     * data, as the other side sent it: the position test is made on the value as it was before the last
     * change ({@code v - offsetBefore}). One locked read, consistent with {@link #set}.
     */
    @Override
    public synchronized int backOffset(int dir, int v) {
        int before = offsetBefore[dir];
        return SeqAdj.after(v - before, correctionPos[dir]) ? offsetAfter[dir] : before;
    }

    @Override
    public synchronized int correctionPos(int dir) {
        return correctionPos[dir];
    }

    @Override
    public synchronized int offsetBefore(int dir) {
        return offsetBefore[dir];
    }

    @Override
    public synchronized int offsetAfter(int dir) {
        return offsetAfter[dir];
    }

    @Override
    public synchronized String toString() {
        return "seqadj[orig pos=" + Integer.toUnsignedString(correctionPos[0]) + " " + offsetBefore[0] + "/"
            + offsetAfter[0] + ", reply pos=" + Integer.toUnsignedString(correctionPos[1]) + " " + offsetBefore[1]
            + "/" + offsetAfter[1] + "]";
    }
}
