package org.conntrack4j.rules.nft;

import java.util.List;
import java.util.Objects;

/**
 * The right-hand side of a match (and the address/port parts of NAT statements). What an operand means depends on
 * the {@link Selector} it is compared with: a {@link Num} is a port for {@code tcp dport}, a protocol number for
 * {@code meta l4proto}, a mark for {@code ct mark}, a state bit for a {@code ct state} set element, and so on.
 */
public sealed interface Operand
        permits Operand.Num, Operand.IfName, Operand.Range, Operand.Flags, Operand.SetOf, IpAddress {

    /** An integer value (unsigned; at most 32 bits for every selector of the subset). */
    record Num(long value) implements Operand {
        /** The value as an int (ports, protocol numbers, directions); marks above 2^31-1 do not fit. */
        public int intValue() {
            return Math.toIntExact(value);
        }

        @Override
        public String toString() {
            return Long.toString(value);
        }
    }

    /**
     * An interface name: for {@code iifname}/{@code oifname} a name or, with {@code wildcard}, a name prefix
     * ({@code "eth*"} is {@code IfName("eth", true)}); for {@code iif}/{@code oif} a name the index is looked up
     * for. A literal trailing star is written {@code "a\*"}.
     */
    record IfName(String name, boolean wildcard) implements Operand {
        public IfName {
            Objects.requireNonNull(name, "name");
        }

        /** True when {@code ifname} is matched by this name (or prefix). */
        public boolean matches(String ifname) {
            return wildcard ? ifname.startsWith(name) : ifname.equals(name);
        }

        @Override
        public String toString() {
            String body = name;
            if (!wildcard && body.endsWith("*")) {
                body = body.substring(0, body.length() - 1) + "\\*";
            }
            return "\"" + body + (wildcard ? "*" : "") + "\"";
        }
    }

    /** An inclusive range; both ends are {@link Num}s, or host {@link IpAddress}es of one IP version. */
    record Range(Operand low, Operand high) implements Operand {
        public Range {
            Objects.requireNonNull(low, "low");
            Objects.requireNonNull(high, "high");
            boolean nums = low instanceof Num && high instanceof Num;
            boolean addrs = low instanceof IpAddress a && high instanceof IpAddress b && a.isHost() && b.isHost()
                    && a.isIpv6() == b.isIpv6();
            if (!nums && !addrs) {
                throw new IllegalArgumentException("range ends must be two numbers or two host addresses");
            }
            boolean ordered = nums ? ((Num) low).value() <= ((Num) high).value()
                    : ((IpAddress) low).compareTo((IpAddress) high) <= 0;
            if (!ordered) {
                throw new IllegalArgumentException("range low end exceeds high end: " + low + "-" + high);
            }
        }

        @Override
        public String toString() {
            return low + "-" + high;
        }
    }

    /**
     * A combination of flag bits for the bitmask selectors {@code ct state} and {@code ct status}, written
     * {@code established,related} (or {@code established | related}). How it is compared depends on the
     * {@link Op}: see there.
     */
    record Flags(long bits) implements Operand {
        @Override
        public String toString() {
            return "0x" + Long.toHexString(bits);
        }
    }

    /**
     * An anonymous set {@code { a, b, c-d }}. The parser keeps it canonical as nft does: elements sorted, duplicates
     * removed, and when the set holds ranges or prefixes, overlapping and adjacent intervals merged. A set always has
     * at least two elements (a one-element set is just its element).
     */
    record SetOf(List<Operand> elements) implements Operand {
        public SetOf {
            elements = List.copyOf(elements);
            for (Operand e : elements) {
                if (e instanceof SetOf || e instanceof Flags) {
                    throw new IllegalArgumentException("set elements are values or ranges, not " + e);
                }
            }
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("{ ");
            for (int i = 0; i < elements.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                sb.append(elements.get(i));
            }
            return sb.append(" }").toString();
        }
    }
}
