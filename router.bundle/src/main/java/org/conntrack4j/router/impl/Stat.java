package org.conntrack4j.router.impl;

/**
 * The router's counters ({@code router:stats}), one slot each in a forwarder's array (written by its thread only)
 * or in the neighbour table's (shared); their sum is what {@code Router.counters()} reports. Named as
 * {@code ip -s}, {@code nstat} and {@code /proc/net/stat/arp_cache} name the same events, where they do.
 */
final class Stat {
    // received
    static final int RX_FRAMES = 0;
    static final int RX_NOT_FOR_US = 1;
    static final int RX_TOO_SHORT = 2;
    static final int RX_UNKNOWN_ETHERTYPE = 3;
    static final int RX_IP_ERRORS = 4;
    static final int RX_ARP = 5;
    static final int RX_ARP_INVALID = 6;
    static final int RX_ND = 7;
    static final int RX_ND_INVALID = 8;
    // what became of IP packets
    static final int FORWARDED = 9;
    static final int DELIVERED = 10;
    static final int FRAGMENTS_HELD = 11;
    static final int DROPPED_BY_HOOKS = 12;
    static final int NO_ROUTE = 13;
    static final int TTL_EXCEEDED = 14;
    static final int TOO_BIG = 15;
    // sent
    static final int TX_FRAMES = 16;
    static final int TX_LINK_DOWN = 17;
    static final int ICMP_ERRORS_SENT = 18;
    static final int ARP_REPLIES_SENT = 19;
    static final int ARP_REQUESTS_SENT = 20;
    static final int NA_SENT = 21;
    static final int NS_SENT = 22;
    static final int ANNOUNCEMENTS_SENT = 23;
    // neighbours (shared slots)
    static final int NEIGH_RESOLVED = 24;
    static final int NEIGH_FAILED = 25;
    static final int NEIGH_UNRES_DISCARDS = 26;
    static final int NEIGH_TABLE_FULL = 27;
    static final int NEIGH_QUEUED = 28;
    // what the IP layer refused by address (forwarder slots, kept apart from the shared ones above)
    static final int IN_ADDR_ERRORS = 29;
    static final int MARTIAN_SOURCE = 30;
    static final int MARTIAN_DESTINATION = 31;
    // the local TCP stack: SYNs to a listener dropped because the connection table was full (nstat ListenDrops)
    static final int LISTEN_DROPS = 32;
    // frames a flowtable forwarded from ingress (also counted as forwarded)
    static final int FLOW_OFFLOADED = 33;
    static final int COUNT = 34;

    static final String[] NAMES = {
        "rx_frames", "rx_not_for_us", "rx_too_short", "rx_unknown_ethertype", "rx_ip_errors", "rx_arp",
        "rx_arp_invalid", "rx_nd", "rx_nd_invalid",
        "forwarded", "delivered", "fragments_held", "dropped_by_hooks", "no_route", "ttl_exceeded", "too_big",
        "tx_frames", "tx_link_down", "icmp_errors_sent", "arp_replies_sent", "arp_requests_sent", "na_sent",
        "ns_sent", "announcements_sent",
        "neigh_resolved", "neigh_failed", "neigh_unres_discards", "neigh_table_full", "neigh_queued",
        "in_addr_errors", "martian_source", "martian_destination",
        "listen_drops", "flow_offloaded"};

    private Stat() {
    }
}
