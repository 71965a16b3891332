package org.conntrack4j.router;

/** What finally became of a received frame; constant words, so that reporting it allocates nothing. */
public enum Fate {
    NONE("-"),
    UNKNOWN_INTERFACE("dropped: unknown interface"),
    NOT_IP("dropped: not IP"),
    /** Sent to another host's link address, or a unicast IP packet in a link broadcast (Linux drops both). */
    NOT_FOR_US("dropped: not for this host"),
    /** An ARP frame: answered or learnt from by the router's own stack, never forwarded. */
    ARP("arp"),
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
    /** IPv6 with a link-local source, to leave by another interface: not forwarded beyond its link. */
    BEYOND_SCOPE("dropped: beyond scope"),
    /**
     * A source no router forwards from: IPv6 unspecified (to leave by another interface); IPv4 multicast, limited
     * broadcast or loopback ({@code martian source}).
     */
    BAD_SOURCE("dropped: bad source address"),
    /** IPv4 to a loopback address ({@code martian destination}). */
    BAD_DESTINATION("dropped: bad destination address"),
    FORWARDED("forwarded to"),
    /**
     * Forwarded from ingress by a flowtable ({@code flow add}): no hook saw it; its connection's NAT applied, its
     * TTL or hop limit decremented, as the slow path would have forwarded it.
     */
    OFFLOADED("forwarded by a flowtable to"),
    DROPPED_INPUT("dropped in input"),
    /** Taken in by the router's own stack without an answer (an ICMP error or reply, a datagram for a socket). */
    DELIVERED("consumed by the local stack"),
    /** Delivered to the router, whose stack answered it ({@link Result#answer} says how). */
    ANSWERED("answered locally:");

    /** The fate in words. */
    public final String words;

    Fate(String words) {
        this.words = words;
    }
}
