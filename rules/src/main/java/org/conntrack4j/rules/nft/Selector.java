package org.conntrack4j.rules.nft;

/**
 * The packet or conntrack field a {@link Match} looks at. Spellings that nft treats as the same field share one
 * selector ({@code meta iifname} is {@link #IIFNAME}) and print the way nft lists them.
 */
public enum Selector {
    IIFNAME("iifname", ValueKind.IFNAME, null, -1),
    OIFNAME("oifname", ValueKind.IFNAME, null, -1),
    IIF("iif", ValueKind.IFINDEX, null, -1),
    OIF("oif", ValueKind.IFINDEX, null, -1),
    META_L4PROTO("meta l4proto", ValueKind.PROTOCOL, null, -1),
    META_NFPROTO("meta nfproto", ValueKind.NFPROTO, null, -1),
    IP_PROTOCOL("ip protocol", ValueKind.PROTOCOL, Family.IP, -1),
    IP_SADDR("ip saddr", ValueKind.IPV4_ADDR, Family.IP, -1),
    IP_DADDR("ip daddr", ValueKind.IPV4_ADDR, Family.IP, -1),
    IP6_NEXTHDR("ip6 nexthdr", ValueKind.PROTOCOL, Family.IP6, -1),
    IP6_SADDR("ip6 saddr", ValueKind.IPV6_ADDR, Family.IP6, -1),
    IP6_DADDR("ip6 daddr", ValueKind.IPV6_ADDR, Family.IP6, -1),
    TCP_SPORT("tcp sport", ValueKind.PORT, null, 6),
    TCP_DPORT("tcp dport", ValueKind.PORT, null, 6),
    UDP_SPORT("udp sport", ValueKind.PORT, null, 17),
    UDP_DPORT("udp dport", ValueKind.PORT, null, 17),
    CT_STATE("ct state", ValueKind.CT_STATE, null, -1),
    CT_DIRECTION("ct direction", ValueKind.CT_DIRECTION, null, -1),
    CT_STATUS("ct status", ValueKind.CT_STATUS, null, -1),
    CT_MARK("ct mark", ValueKind.CT_MARK, null, -1),
    /** @since 1.2 */
    META_MARK("meta mark", ValueKind.META_MARK, null, -1),
    /** The link-layer source address ({@code meta iiftype ether} first, as nft adds it). @since 1.2 */
    ETHER_SADDR("ether saddr", ValueKind.ETHER_ADDR, null, -1),
    /** @since 1.2 */
    ETHER_DADDR("ether daddr", ValueKind.ETHER_ADDR, null, -1),
    /** The zone's id, whatever its directions. @since 1.2 */
    CT_ZONE("ct zone", ValueKind.CT_ZONE, null, -1),
    /** The zone of the original direction ({@code nf_ct_zone_id}). @since 1.2 */
    CT_ORIGINAL_ZONE("ct original zone", ValueKind.CT_ZONE, null, -1),
    /** @since 1.2 */
    CT_REPLY_ZONE("ct reply zone", ValueKind.CT_ZONE, null, -1),
    /** A connection label: set (no operator), or the labels exactly that one ({@code ==}, {@code !=}). @since 1.2 */
    CT_LABEL("ct label", ValueKind.CT_LABEL, null, -1);

    private final String keyword;
    private final ValueKind kind;
    private final Family network;
    private final int transport;

    Selector(String keyword, ValueKind kind, Family network, int transport) {
        this.keyword = keyword;
        this.kind = kind;
        this.network = network;
        this.transport = transport;
    }

    /** How nft lists the field, e.g. {@code "tcp dport"}. */
    public String keyword() {
        return keyword;
    }

    public ValueKind kind() {
        return kind;
    }

    /** {@link Family#IP} or {@link Family#IP6} for fields of the IPv4/IPv6 header; null otherwise. */
    public Family network() {
        return network;
    }

    /** The IP protocol (6 tcp, 17 udp) whose header holds the field, or -1. */
    public int transport() {
        return transport;
    }

    @Override
    public String toString() {
        return keyword;
    }
}
