package org.conntrack4j.core.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * TCP sequence number adjustment of one connection ({@code struct nf_conn_seqadj}), as the engine keeps it: when
 * a helper behind NAT changes the length of a payload ({@link PluginServices#seqAdjSet}), every later sequence
 * number of that direction (and the other direction's acknowledgements) must be shifted by the accumulated
 * difference. Read by the TCP tracker; the engine implements it and changes it only through
 * {@link PluginServices#seqAdjSet}.
 *
 * <p>For each direction: the sequence number where the last change took effect ({@link #correctionPos}), and the
 * offsets for segments before and after it. Each read is consistent with concurrent changes.
 */
@ProviderType
public interface SeqAdj {
    /** The offset to add to sequence number {@code seq} of direction {@code dir} ({@code nf_ct_seq_offset}). */
    int offset(int dir, int seq);

    /**
     * The offset to take back from an acknowledgement (or SACK edge) {@code v} of direction {@code dir}'s data, as the
     * other side sent it: the position test is made on the value as it was before the last change
     * ({@code v - offsetBefore}). One consistent read.
     */
    int backOffset(int dir, int v);

    int correctionPos(int dir);

    int offsetBefore(int dir);

    int offsetAfter(int dir);

    /** Is sequence number {@code a} after {@code b} in 32-bit serial arithmetic? */
    static boolean after(int a, int b) {
        return b - a < 0;
    }

    /** Is sequence number {@code a} before {@code b} in 32-bit serial arithmetic? */
    static boolean before(int a, int b) {
        return a - b < 0;
    }
}
