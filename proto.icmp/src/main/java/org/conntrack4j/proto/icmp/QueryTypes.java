package org.conntrack4j.proto.icmp;

import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Tuple;

/**
 * The query/reply message types of one ICMP version: for each type its counterpart (Linux's {@code invmap}),
 * and whether it may open a connection ({@code valid_new}). A type without a counterpart gets no
 * connection at all. Built once, then read-only: safe to share between threads.
 */
final class QueryTypes {
    /** Counterpart type + 1 per type; 0 where a type has none. */
    private final short[] inverse = new short[256];
    private final boolean[] opens = new boolean[256];

    /** Declares a query type and its reply: each is the other's inverse, only the query opens a connection. */
    QueryTypes pair(int query, int reply) {
        inverse[query] = (short) (reply + 1);
        inverse[reply] = (short) (query + 1);
        opens[query] = true;
        return this;
    }

    /** The counterpart of {@code type}, or -1 when it has none. */
    int inverse(int type) {
        return inverse[type & 0xff] - 1;
    }

    /** May a packet of this type be the first of a connection? */
    boolean opens(int type) {
        return opens[type & 0xff];
    }

    /**
     * Reads type, code and the identifier of the echo layout (bytes 4-5, whatever the type) of the 8-byte header
     * at {@code dataoff}; false when it is shorter. The same for ICMP and ICMPv6.
     */
    static boolean readTuple(Packet pkt, int dataoff, Tuple t) {
        if (pkt.length() - dataoff < 8) {
            return false;
        }
        t.icmp(pkt.u16(dataoff + 4), pkt.u8(dataoff), pkt.u8(dataoff + 1));
        return true;
    }

    /** The reply tuple's "u" fields: the counterpart type, same id and code; false when the type has none. */
    boolean invert(Tuple inverse, Tuple orig) {
        int type = inverse(orig.icmpType());
        if (type < 0) {
            return false;
        }
        inverse.icmp(orig.icmpId(), type, orig.icmpCode());
        return true;
    }
}
