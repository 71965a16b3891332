package org.conntrack4j.rules.nft;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@code masquerade}, {@code snat}, {@code dnat} or {@code redirect}.
 *
 * <ul>
 * <li>{@code family}: the {@code ip}/{@code ip6} written after snat/dnat; present only in inet tables (where nft
 * requires it with an address); in ip and ip6 tables the table's family applies and this is empty.</li>
 * <li>{@code address}: for snat/dnat, a host {@link IpAddress}, a prefix, or an {@link Operand.Range} of hosts;
 * empty for masquerade/redirect and for {@code dnat to :PORT}.</li>
 * <li>{@code ports}: a {@link Operand.Num} or an {@link Operand.Range} of Nums; empty when not given.</li>
 * <li>{@code flags}: random, fully-random, persistent.</li>
 * </ul>
 */
public record NatStatement(Kind kind, Optional<Family> family, Optional<Operand> address, Optional<Operand> ports,
        Set<Flag> flags) implements Statement {

    public enum Kind {
        MASQUERADE("masquerade"),
        SNAT("snat"),
        DNAT("dnat"),
        REDIRECT("redirect");

        private final String keyword;

        Kind(String keyword) {
            this.keyword = keyword;
        }

        public String keyword() {
            return keyword;
        }

        /** snat and dnat take an address; masquerade and redirect do not. */
        public boolean takesAddress() {
            return this == SNAT || this == DNAT;
        }

        /** Whether this is source NAT (masquerade, snat) rather than destination NAT (dnat, redirect). */
        public boolean isSource() {
            return this == MASQUERADE || this == SNAT;
        }
    }

    /** NAT range flags, in the order nft prints them, with the kernel's NF_NAT_RANGE_* bits. */
    public enum Flag {
        RANDOM("random", 4),
        FULLY_RANDOM("fully-random", 16),
        PERSISTENT("persistent", 8);

        private final String keyword;
        private final int bit;

        Flag(String keyword, int bit) {
            this.keyword = keyword;
            this.bit = bit;
        }

        public String keyword() {
            return keyword;
        }

        /** NF_NAT_RANGE_PROTO_RANDOM 4, NF_NAT_RANGE_PERSISTENT 8, NF_NAT_RANGE_PROTO_RANDOM_FULLY 16. */
        public int bit() {
            return bit;
        }

        public static Optional<Flag> fromKeyword(String word) {
            for (Flag f : values()) {
                if (f.keyword.equals(word)) {
                    return Optional.of(f);
                }
            }
            return Optional.empty();
        }
    }

    public NatStatement {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(ports, "ports");
        Objects.requireNonNull(flags, "flags");
        flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
        if (!kind.takesAddress() && (address.isPresent() || family.isPresent())) {
            throw new IllegalArgumentException(kind.keyword() + " takes no address");
        }
        if (family.isPresent() && family.get() == Family.INET) {
            throw new IllegalArgumentException("NAT family is ip or ip6");
        }
        address.ifPresent(a -> {
            boolean ok = a instanceof IpAddress || (a instanceof Operand.Range r && r.low() instanceof IpAddress);
            if (!ok) {
                throw new IllegalArgumentException("NAT address must be an address, prefix or address range");
            }
        });
        ports.ifPresent(p -> {
            boolean ok = p instanceof Operand.Num || (p instanceof Operand.Range r && r.low() instanceof Operand.Num);
            if (!ok) {
                throw new IllegalArgumentException("NAT ports must be a number or a number range");
            }
        });
    }

    /** The IP version of the address, if there is one: true for IPv6. */
    public Optional<Boolean> addressIsIpv6() {
        return address.map(a -> a instanceof IpAddress ip ? ip.isIpv6()
                : ((IpAddress) ((Operand.Range) a).low()).isIpv6());
    }

    /**
     * The prefix an address range is exactly (a one-address range is a /32 or /128), as nft lists such a range;
     * empty for a host, a prefix written as one, and a range that is no prefix.
     *
     * @since 1.4
     */
    public Optional<IpAddress> listedPrefix() {
        if (address.isEmpty() || !(address.get() instanceof Operand.Range r)) {
            return Optional.empty();
        }
        IpAddress lo = (IpAddress) r.low();
        if (lo.equals(r.high())) {
            return Optional.of(lo);
        }
        Operand p = SetCanon.addressInterval(lo, (IpAddress) r.high());
        return p instanceof IpAddress ip ? Optional.of(ip) : Optional.empty();
    }

    @Override
    public boolean isTerminal() {
        return true;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(kind.keyword());
        family.ifPresent(f -> sb.append(' ').append(f.keyword()));
        if (address.isPresent() || ports.isPresent()) {
            sb.append(" to ");
            address.ifPresent(a -> {
                boolean bracket = ports.isPresent() && addressIsIpv6().orElse(false);
                Optional<IpAddress> prefix = listedPrefix();
                if (prefix.isPresent()) {
                    // nft prints the prefix without brackets, even before a port: 2001:db8::/120:80
                    sb.append(prefix.get().addressText()).append('/').append(prefix.get().prefixLength());
                } else if (a instanceof Operand.Range r && bracket) {
                    sb.append('[').append(r.low()).append("]-[").append(r.high()).append(']');
                } else if (bracket) {
                    sb.append('[').append(a).append(']');
                } else {
                    sb.append(a);
                }
            });
            ports.ifPresent(p -> sb.append(':').append(p));
        }
        boolean first = true;
        for (Flag f : Flag.values()) {
            if (flags.contains(f)) {
                sb.append(first ? ' ' : ',').append(f.keyword());
                first = false;
            }
        }
        return sb.toString();
    }
}
