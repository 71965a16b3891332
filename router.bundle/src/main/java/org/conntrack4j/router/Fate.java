package org.conntrack4j.router;

/** What finally became of a received frame; constant words, so that reporting it allocates nothing. */
public enum Fate {
    NONE("-"),
    UNKNOWN_INTERFACE("dropped: unknown interface"),
    NOT_IP("dropped: not IP"),
    IP_LAYER("dropped by the IP layer"),
    HELD("held for reassembly"),
    DROPPED_PREROUTING("dropped in prerouting"),
    NO_ROUTE("dropped: no route"),
    TTL_EXCEEDED("dropped: ttl exceeded"),
    FRAGMENTATION_NEEDED("dropped: fragmentation needed"),
    HOP_LIMIT_EXCEEDED("dropped: hop limit exceeded"),
    PACKET_TOO_BIG("dropped: packet too big"),
    DROPPED_FORWARD("dropped in forward"),
    DROPPED_POSTROUTING("dropped in postrouting"),
    FORWARDED("forwarded to"),
    DROPPED_INPUT("dropped in input"),
    DELIVERED("delivered locally");

    /** The fate in words. */
    public final String words;

    Fate(String words) {
        this.words = words;
    }
}
