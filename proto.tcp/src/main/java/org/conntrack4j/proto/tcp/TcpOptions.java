package org.conntrack4j.proto.tcp;

import org.conntrack4j.core.api.Packet;

/**
 * Reads the TCP options conntrack cares about: window scale and SACK-permitted from a SYN
 * ({@code tcp_options}), and the highest SACK block edge from an ACK ({@code tcp_sack}). Both stop at the
 * first malformed option, as the kernel's simplified parser does. Callers have checked that the header
 * ({@code doff} words) is inside the packet.
 */
final class TcpOptions {
    static final int EOL = 0;
    static final int NOP = 1;
    static final int MSS = 2;
    static final int WINDOW = 3;
    static final int SACK_PERM = 4;
    static final int SACK = 5;
    static final int TIMESTAMP = 8;
    /** RFC 7323: larger shifts are taken as 14. */
    static final int MAX_WSCALE = 14;

    /** Returned by {@link #parse} when the header has no options: the sender's state is left as it is. */
    static final int NO_OPTIONS = -1;

    private TcpOptions() {
    }

    /**
     * The window scale and SACK-permitted options of the segment at {@code dataoff}: {@link #NO_OPTIONS}
     * when there are none, else {@code scale << 8 | flags} with flags from
     * {@link TcpProtoState#WINDOW_SCALE} and {@link TcpProtoState#SACK_PERM} (scale 0 without the option).
     */
    static int parse(Packet pkt, int dataoff) {
        int length = headerLength(pkt, dataoff) - 20;
        if (length <= 0) {
            return NO_OPTIONS;
        }
        int scale = 0;
        int flags = 0;
        int p = dataoff + 20;
        while (length > 0) {
            int kind = pkt.u8(p++);
            if (kind == EOL) {
                break;
            }
            if (kind == NOP) {
                length--;
                continue;
            }
            if (length < 2) {
                break;
            }
            int size = pkt.u8(p++);
            if (size < 2 || size > length) {
                break;
            }
            if (kind == SACK_PERM && size == 2) {
                flags |= TcpProtoState.SACK_PERM;
            } else if (kind == WINDOW && size == 3) {
                scale = Math.min(pkt.u8(p), MAX_WSCALE);
                flags |= TcpProtoState.WINDOW_SCALE;
            }
            p += size - 2;
            length -= size;
        }
        return scale << 8 | flags;
    }

    /**
     * The highest right edge among {@code sack} and the blocks of the first well-formed SACK option of the
     * segment ({@code tcp_sack}); {@code sack} itself when there is none.
     */
    static int highestSack(Packet pkt, int dataoff, int sack) {
        int length = headerLength(pkt, dataoff) - 20;
        if (length <= 0) {
            return sack;
        }
        int p = dataoff + 20;
        // The common case, timestamps only (NOP, NOP, TS): nothing to look for.
        if (length == 12 && pkt.u32(p) == (NOP << 24 | NOP << 16 | TIMESTAMP << 8 | 10)) {
            return sack;
        }
        int best = sack;
        while (length > 0) {
            int kind = pkt.u8(p++);
            if (kind == EOL) {
                return best;
            }
            if (kind == NOP) {
                length--;
                continue;
            }
            if (length < 2) {
                return best;
            }
            int size = pkt.u8(p++);
            if (size < 2 || size > length) {
                return best;
            }
            if (kind == SACK && size >= 2 + 8 && (size - 2) % 8 == 0) {
                for (int i = 0; i < size - 2; i += 8) {
                    int right = pkt.u32(p + i + 4);
                    if (TcpProtoState.after(right, best)) {
                        best = right;
                    }
                }
                return best;
            }
            p += size - 2;
            length -= size;
        }
        return best;
    }

    /** The header length in bytes (data offset field). */
    static int headerLength(Packet pkt, int dataoff) {
        return (pkt.u8(dataoff + 12) >>> 4) << 2;
    }
}
