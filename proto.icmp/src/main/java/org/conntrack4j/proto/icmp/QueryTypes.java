package org.conntrack4j.proto.icmp;

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
}
