package org.conntrack4j.proto.tcp;

import static org.conntrack4j.proto.tcp.TcpProtoState.after;
import static org.conntrack4j.proto.tcp.TcpProtoState.before;

import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.SeqAdj;

/**
 * Window tracking ({@code tcp_in_window}), after Guido van Rooij's "Real Stateful TCP Packet Filtering in IP
 * Filter" as Linux adapted it. For each direction the tracker knows the sender's highest sequence end
 * ({@code end}), the highest sequence the receiver allowed ({@code maxend}), the sender's largest window
 * ({@code maxwin}) and highest acknowledgement ({@code maxack}). A segment with sequence {@code seq}, end
 * {@code end} and (S)ACK {@code sack} is in window when
 * <ol>
 * <li>{@code seq <= sender.maxend} (not beyond what the receiver allowed),</li>
 * <li>{@code end >= sender.end - receiver.maxwin} (not wholly before the window),</li>
 * <li>{@code sack <= receiver.end} (acknowledges nothing unsent),</li>
 * <li>{@code sack >= receiver.end - max(sender.maxwin, 66000)} (not an ancient acknowledgement).</li>
 * </ol>
 * Failing 1 or 3 makes the packet invalid; failing 2 or 4 only ignores it (it passes, changing nothing).
 * A sender flagged liberal, or the {@code nf_conntrack_tcp_be_liberal} sysctl, lets every failure pass.
 *
 * <p>The result is one long, so that the packet path allocates nothing: the action in bits 40-47, the log
 * kind in bits 32-39, the number the log message quotes in bits 0-31. Called with the connection locked.
 */
final class TcpWindow {
    // Actions (enum nf_ct_tcp_action).
    static final int IGNORE = 0;
    static final int INVALID = 1;
    static final int ACCEPT = 2;

    // What to log (enum nf_tcp_invalid_log_type).
    static final int LOG_NONE = 0;
    static final int LOG_OVERSHOT = 1;
    static final int LOG_SEQ_OVER = 2;
    static final int LOG_ACK_OVER = 3;
    static final int LOG_SEQ_UNDER = 4;
    static final int LOG_ACK_UNDER = 5;

    /** The floor of the acknowledgement window (bound 4) ({@code MAXACKWINCONST}). */
    static final int MAX_ACK_WINDOW_CONST = 66000;

    private static final long ACCEPTED = (long) ACCEPT << 40;

    private TcpWindow() {
    }

    static int action(long result) {
        return (int) (result >>> 40) & 0xff;
    }

    static int logKind(long result) {
        return (int) (result >>> 32) & 0xff;
    }

    static int logValue(long result) {
        return (int) result;
    }

    /** The kernel's log text for a window result, or null when there is nothing to log. */
    static String reason(long result) {
        String v = Integer.toUnsignedString(logValue(result));
        switch (logKind(result)) {
            case LOG_OVERSHOT:
                return v + " bytes more than expected";
            case LOG_SEQ_OVER:
                return "SEQ is over upper bound " + v + " (over the window of the receiver)";
            case LOG_ACK_OVER:
                return "ACK is over upper bound " + v + " (ACKed data not seen yet)";
            case LOG_SEQ_UNDER:
                return "SEQ is under lower bound " + v + " (already ACKed data retransmitted)";
            case LOG_ACK_UNDER:
                return "ignored ACK under lower bound " + v + " (possible overly delayed)";
            default:
                return null;
        }
    }

    /** The sequence number after the segment: seq + payload length, SYN and FIN counting one each. */
    static int segmentEnd(Packet pkt, int dataoff, int seq, int flags) {
        int payload = pkt.length() - dataoff - TcpOptions.headerLength(pkt, dataoff);
        return seq + payload + ((flags & TcpStateTable.TH_SYN) != 0 ? 1 : 0)
            + ((flags & TcpStateTable.TH_FIN) != 0 ? 1 : 0);
    }

    /** Bound 4's window: the sender's largest window, at least {@link #MAX_ACK_WINDOW_CONST}. */
    private static int maxAckWindow(TcpProtoState st, int dir) {
        int w = st.maxwin(dir);
        return Integer.compareUnsigned(w, MAX_ACK_WINDOW_CONST) > 0 ? w : MAX_ACK_WINDOW_CONST;
    }

    /** Takes window scale and SACK-permitted from a parsed option set, keeping only the liberal flag. */
    static void applyOptions(TcpProtoState st, int dir, int options) {
        if (options == TcpOptions.NO_OPTIONS) {
            return;
        }
        st.scale(dir, options >>> 8);
        st.flags(dir, (st.flags(dir) & TcpProtoState.BE_LIBERAL) | (options & 0xff));
    }

    /**
     * Learns a sender from its SYN or SYN/ACK ({@code tcp_init_sender}). Window scaling is used only if both
     * sides offered it (RFC 7323), which is known once the reply direction's SYN is seen.
     */
    static void initSender(TcpProtoState st, int dir, Packet pkt, int dataoff, int end, int win) {
        st.end(dir, end);
        st.maxend(dir, end);
        st.maxwin(dir, win == 0 ? 1 : win);
        applyOptions(st, dir, TcpOptions.parse(pkt, dataoff));
        int other = dir ^ 1;
        if (dir == Direction.REPLY
            && !(st.hasFlag(dir, TcpProtoState.WINDOW_SCALE) && st.hasFlag(other, TcpProtoState.WINDOW_SCALE))) {
            st.scale(dir, 0);
            st.scale(other, 0);
        }
    }

    /**
     * Checks the segment against the window of direction {@code dir} and, if it is acceptable, updates both
     * directions' window data and the retransmission counter. {@code state} is the connection's state
     * before this packet; {@code seqAdj} the connection's NAT sequence adjustment, or null.
     */
    static long check(TcpProtoState st, int dir, int index, int state, Packet pkt, int dataoff, int flags,
        SeqAdj seqAdj, boolean sysctlLiberal) {
        int rdir = dir ^ 1;
        boolean syn = (flags & TcpStateTable.TH_SYN) != 0;
        boolean hasAck = (flags & TcpStateTable.TH_ACK) != 0;
        int seq = pkt.u32(dataoff + 4);
        int ack = pkt.u32(dataoff + 8);
        int sack = ack;
        int winRaw = pkt.u16(dataoff + 14);
        int win = winRaw;
        int end = segmentEnd(pkt, dataoff, seq, flags);

        if (st.hasFlag(rdir, TcpProtoState.SACK_PERM)) {
            sack = TcpOptions.highestSack(pkt, dataoff, sack);
        }
        // Acknowledgements refer to the receiver's sequence space as the receiver sent it, before NAT
        // shifted it: take the shift back out.
        if (seqAdj != null) {
            int receiverOffset = seqAdj.offset(rdir, ack - 1);
            ack -= receiverOffset;
            sack -= receiverOffset;
        }

        if (st.maxwin(dir) == 0) {
            if (syn) {
                initSender(st, dir, pkt, dataoff, end, win);
                if (!hasAck) {
                    // The reply direction's own SYN in a simultaneous open: nothing to check it against.
                    return ACCEPTED;
                }
            } else {
                // First packet of this direction in a picked-up connection: believe what it says.
                st.end(dir, end);
                int swin = win << st.scale(dir);
                st.maxwin(dir, swin == 0 ? 1 : swin);
                st.maxend(dir, end + st.maxwin(dir));
                if (st.maxwin(rdir) == 0) {
                    // Nothing seen from the other side either: let its acknowledgement define it.
                    st.end(rdir, sack);
                    st.maxend(rdir, sack);
                } else if (sack == st.end(rdir) + 1) {
                    // Most likely the answer to a keepalive probe (one byte below the window).
                    st.end(rdir, st.end(rdir) + 1);
                }
            }
        } else if (syn && after(end, st.end(dir))
            && (state == TcpStateTable.SYN_SENT || state == TcpStateTable.SYN_RECV)) {
            // A newer SYN (or SYN/ACK) during the handshake: the end restarted with new numbers (RFC 793
            // allows it), so learn the sender again.
            initSender(st, dir, pkt, dataoff, end, win);
            if (dir == Direction.REPLY && !hasAck) {
                return ACCEPTED;
            }
        }

        if (!hasAck) {
            // No acknowledgement: take it as acknowledging exactly what the receiver sent.
            ack = sack = st.end(rdir);
        } else if ((flags & TcpStateTable.TH_RST) != 0 && ack == 0) {
            // Some stacks set ACK with a zero acknowledgement on a RST.
            ack = sack = st.end(rdir);
        }

        if ((flags & TcpStateTable.TH_RST) != 0 && seq == 0 && state == TcpStateTable.SYN_SENT) {
            // A RST answering a SYN carries sequence 0: place it at the end of the (unknown) sender.
            seq = end = st.end(dir);
        }

        boolean liberal = sysctlLiberal || st.hasFlag(dir, TcpProtoState.BE_LIBERAL);

        if (!before(seq, st.maxend(dir) + 1)) {
            // Bound 1 failed. If the rest is fine and the excess fits the receiver's largest window, the
            // sender just overran the announced window: ignore it, but move the end so that the receiver's
            // ACK of this data is not refused later.
            int overshot = end - st.maxend(dir) + 1;
            boolean ackOk = after(sack, st.end(rdir) - maxAckWindow(st, dir) - 1);
            boolean inRecvWin = st.maxwin(rdir) != 0 && after(end, st.end(dir) - st.maxwin(rdir) - 1);
            if (inRecvWin && ackOk && Integer.compareUnsigned(overshot, st.maxwin(rdir)) <= 0
                && before(sack, st.end(rdir) + 1)) {
                st.end(dir, end);
                st.addFlag(dir, TcpProtoState.DATA_UNACKNOWLEDGED);
                return refuse(liberal, IGNORE, LOG_OVERSHOT, overshot);
            }
            return refuse(liberal, INVALID, LOG_SEQ_OVER, st.maxend(dir) + 1);
        }
        if (!before(sack, st.end(rdir) + 1)) {
            return refuse(liberal, INVALID, LOG_ACK_OVER, st.end(rdir) + 1);
        }
        if (st.maxwin(rdir) != 0 && !after(end, st.end(dir) - st.maxwin(rdir) - 1)) {
            return refuse(liberal, IGNORE, LOG_SEQ_UNDER, st.end(dir) - st.maxwin(rdir) - 1);
        }
        if (!after(sack, st.end(rdir) - maxAckWindow(st, dir) - 1)) {
            return refuse(liberal, IGNORE, LOG_ACK_UNDER, st.end(rdir) - maxAckWindow(st, dir) - 1);
        }

        // In window. A SYN's window is never scaled (RFC 7323).
        if (!syn) {
            win <<= st.scale(dir);
        }
        int swin = win + (sack - ack);
        if (Integer.compareUnsigned(st.maxwin(dir), swin) < 0) {
            st.maxwin(dir, swin);
        }
        if (after(end, st.end(dir))) {
            st.end(dir, end);
            st.addFlag(dir, TcpProtoState.DATA_UNACKNOWLEDGED);
        }
        if (hasAck) {
            if (!st.hasFlag(dir, TcpProtoState.MAXACK_SET)) {
                st.maxack(dir, ack);
                st.addFlag(dir, TcpProtoState.MAXACK_SET);
            } else if (after(ack, st.maxack(dir))) {
                st.maxack(dir, ack);
            }
        }

        // The receiver's side: data beyond what it allowed widens its window; this ACK moves its limit.
        if (st.maxwin(rdir) != 0 && after(end, st.maxend(dir))) {
            st.maxwin(rdir, st.maxwin(rdir) + end - st.maxend(dir));
        }
        if (after(sack + win, st.maxend(rdir) - 1)) {
            st.maxend(rdir, sack + win);
            if (win == 0) {
                st.maxend(rdir, st.maxend(rdir) + 1);
            }
        }
        if (ack == st.end(rdir)) {
            st.flags(rdir, st.flags(rdir) & ~TcpProtoState.DATA_UNACKNOWLEDGED);
        }

        // Identical ACK-only packets in a row are retransmissions of the same thing.
        if (index == TcpStateTable.ACK_SET) {
            if (st.lastDir == dir && st.lastSeq == seq && st.lastAck == ack && st.lastEnd == end
                && st.lastWin == winRaw) {
                st.retrans++;
            } else {
                st.lastDir = (byte) dir;
                st.lastSeq = seq;
                st.lastAck = ack;
                st.lastEnd = end;
                st.lastWin = (char) winRaw;
                st.retrans = 0;
            }
        }
        return ACCEPTED;
    }

    /** {@code nf_tcp_store_invalid}: a liberal sender passes; otherwise the action with what to log. */
    private static long refuse(boolean liberal, int action, int kind, int value) {
        if (liberal) {
            return ACCEPTED;
        }
        return (long) action << 40 | (long) kind << 32 | (value & 0xffffffffL);
    }
}
