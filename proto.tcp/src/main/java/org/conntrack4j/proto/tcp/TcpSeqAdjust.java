package org.conntrack4j.proto.tcp;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.SeqAdj;
import org.conntrack4j.core.inet.Checksum;

/**
 * Sequence number adjustment of a TCP segment ({@code nf_ct_seq_adjust}, {@code nf_conntrack_seqadj.c}):
 * after a helper behind NAT changed payload lengths, the segment's sequence number is shifted by its own
 * direction's accumulated difference, and its acknowledgement and SACK blocks are shifted back by the other
 * direction's. The TCP checksum is updated incrementally for every rewritten word.
 *
 * <p>Runs with the connection locked, as the kernel holds {@code ct->lock}, so that two packets of a
 * connection see one consistent set of offsets.
 */
final class TcpSeqAdjust {
    private static final int CHECK = 16;

    private TcpSeqAdjust() {
    }

    /**
     * Rewrites the segment at {@code protoff}. Returns false (drop) when the header is not all there or a
     * TCP option is malformed, as the kernel does.
     */
    static boolean adjust(Connection ct, Packet pkt, int protoff, int ctinfo) {
        SeqAdj adj = ct.seqAdj();
        if (adj == null) {
            return true;
        }
        if (pkt.length() - protoff < 20) {
            return false;
        }
        int dir = CtInfo.direction(ctinfo);
        int other = dir ^ 1;
        synchronized (ct) {
            int seq = pkt.u32(protoff + 4);
            rewrite(pkt, protoff, protoff + 4, seq, seq + adj.offset(dir, seq));
            if ((pkt.u8(protoff + 13) & TcpStateTable.TH_ACK) == 0) {
                return true;
            }
            int ack = pkt.u32(protoff + 8);
            rewrite(pkt, protoff, protoff + 8, ack, ack - adj.backOffset(other, ack));
            return adjustSack(pkt, protoff, adj, other);
        }
    }


    /** Walks the options ({@code nf_ct_sack_adjust}) and shifts the edges of every SACK option's blocks. */
    private static boolean adjustSack(Packet pkt, int protoff, SeqAdj adj, int other) {
        int optoff = protoff + 20;
        int optend = protoff + TcpOptions.headerLength(pkt, protoff);
        if (optend > pkt.length()) {
            return false;
        }
        while (optoff < optend) {
            int kind = pkt.u8(optoff);
            if (kind == TcpOptions.EOL) {
                return true;
            }
            if (kind == TcpOptions.NOP) {
                optoff++;
                continue;
            }
            if (optoff + 1 == optend) {
                return false;
            }
            int len = pkt.u8(optoff + 1);
            if (optoff + len > optend || len < 2) {
                return false;
            }
            if (kind == TcpOptions.SACK && len >= 2 + 8 && (len - 2) % 8 == 0) {
                for (int p = optoff + 2; p < optoff + len; p += 4) {
                    int edge = pkt.u32(p);
                    rewrite(pkt, protoff, p, edge, edge - adj.backOffset(other, edge));
                }
            }
            optoff += len;
        }
        return true;
    }

    /** Writes a new 32-bit value, updating the checksum (unconditionally, as the kernel does). */
    private static void rewrite(Packet pkt, int protoff, int pos, int from, int to) {
        pkt.put16(protoff + CHECK, Checksum.replace32(pkt.u16(protoff + CHECK), from, to));
        pkt.put32(pos, to);
    }
}
