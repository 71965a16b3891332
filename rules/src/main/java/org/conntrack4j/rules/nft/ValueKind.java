package org.conntrack4j.rules.nft;

/** The type of value a {@link Selector} compares, which fixes the accepted operands and how they are printed. */
public enum ValueKind {
    /** Interface name or name prefix: {@link Operand.IfName}. */
    IFNAME(false, false),
    /** Interface for {@code iif}/{@code oif}: {@link Operand.IfName} (a name) or {@link Operand.Num} (an index). */
    IFINDEX(false, false),
    /** IP protocol number 0-255, printed with its /etc/protocols name. */
    PROTOCOL(true, false),
    /** NFPROTO_IPV4 (2) or NFPROTO_IPV6 (10), printed ipv4/ipv6. */
    NFPROTO(false, false),
    /** IPv4 address, prefix or range. */
    IPV4_ADDR(true, false),
    /** IPv6 address, prefix or range. */
    IPV6_ADDR(true, false),
    /** Transport port 0-65535. */
    PORT(true, false),
    /** Conntrack state bits (invalid 1, established 2, related 4, new 8, untracked 64). */
    CT_STATE(false, true),
    /** Conntrack direction, 0 original or 1 reply. */
    CT_DIRECTION(false, false),
    /** Conntrack status bits IPS_* (expected 1, seen-reply 2, assured 4, confirmed 8, snat 16, dnat 32, dying 512). */
    CT_STATUS(false, true),
    /** Conntrack mark, 32 bits, printed 0x%08x. */
    CT_MARK(true, false),
    /** Packet mark, 32 bits, printed 0x%08x. @since 1.2 */
    META_MARK(true, false),
    /** Ethernet address, 48 bits, printed 02:00:00:00:01:02. @since 1.2 */
    ETHER_ADDR(false, false),
    /** Conntrack zone id, 0-65535. @since 1.2 */
    CT_ZONE(true, false),
    /** Conntrack label bit, 0-127. @since 1.2 */
    CT_LABEL(false, false);

    private final boolean ordered;
    private final boolean bitmask;

    ValueKind(boolean ordered, boolean bitmask) {
        this.ordered = ordered;
        this.bitmask = bitmask;
    }

    /** Ranges and {@code < > <= >=} are accepted. */
    public boolean isOrdered() {
        return ordered;
    }

    /** Values are flag combinations ({@link Operand.Flags}). */
    public boolean isBitmask() {
        return bitmask;
    }

    /** Prints {@code operand} as nft does for this kind of value. */
    public String format(Operand operand) {
        if (operand instanceof Operand.SetOf set) {
            StringBuilder sb = new StringBuilder("{ ");
            for (int i = 0; i < set.elements().size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                sb.append(format(set.elements().get(i)));
            }
            return sb.append(" }").toString();
        }
        if (operand instanceof Operand.Range r) {
            if (this == PROTOCOL) {
                return r.low() + "-" + r.high(); // nft prints protocol ranges as numbers
            }
            return format(r.low()) + "-" + format(r.high());
        }
        if (operand instanceof Operand.Flags f) {
            return Symbols.flagNames(this, f.bits(), ",");
        }
        if (operand instanceof Operand.Num n) {
            long v = n.value();
            switch (this) {
                case PROTOCOL:
                    return Symbols.protocolName((int) v);
                case NFPROTO:
                    return v == 2 ? "ipv4" : v == 10 ? "ipv6" : Long.toString(v);
                case CT_DIRECTION:
                    return v == 0 ? "original" : v == 1 ? "reply" : Long.toString(v);
                case CT_MARK:
                case META_MARK:
                    return String.format("0x%08x", v);
                case ETHER_ADDR:
                    return String.format("%02x:%02x:%02x:%02x:%02x:%02x", v >>> 40 & 0xff, v >>> 32 & 0xff,
                        v >>> 24 & 0xff, v >>> 16 & 0xff, v >>> 8 & 0xff, v & 0xff);
                case CT_STATE:
                case CT_STATUS:
                    return Symbols.flagNames(this, v, ",");
                default:
                    return Long.toString(v);
            }
        }
        return operand.toString();
    }
}
