package org.conntrack4j.rules.nft;

import java.util.Objects;

/**
 * A named set declared in a table, {@code set NAME { type ipv4_addr; size N; flags dynamic; }}: in the subset a set
 * of addresses that rules fill from the packet path ({@code add @NAME { ip saddr ct count over 2 }}), each element
 * with its own connection count. {@code size} bounds the elements (nft gives a set that rules add to 65535 when none
 * is given); {@code keyType} is {@link ValueKind#IPV4_ADDR} or {@link ValueKind#IPV6_ADDR}. Equality ignores the
 * position.
 *
 * @since 1.2
 */
public record NamedSet(String name, ValueKind keyType, long size, boolean dynamic, SourcePos position) {
    /** The size nft gives a set that rules add elements to when it was declared without one. */
    public static final long DEFAULT_DYNAMIC_SIZE = 65535;

    public NamedSet {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(position, "position");
        if (keyType != ValueKind.IPV4_ADDR && keyType != ValueKind.IPV6_ADDR) {
            throw new IllegalArgumentException("set type must be ipv4_addr or ipv6_addr");
        }
        if (size < 0 || size > 0xffffffffL) {
            throw new IllegalArgumentException("set size " + size);
        }
    }

    /** The nft type name of the keys. */
    public String typeName() {
        return keyType == ValueKind.IPV4_ADDR ? "ipv4_addr" : "ipv6_addr";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamedSet n && n.name.equals(name) && n.keyType == keyType && n.size == size
                && n.dynamic == dynamic;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, keyType, size, dynamic);
    }

    void format(StringBuilder sb, String indent) {
        sb.append(indent).append("set ").append(name).append(" {\n");
        sb.append(indent).append("\ttype ").append(typeName()).append('\n');
        if (size != 0) {
            sb.append(indent).append("\tsize ").append(size).append('\n');
        }
        if (dynamic) {
            sb.append(indent).append("\tflags dynamic\n");
        }
        sb.append(indent).append('}');
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        format(sb, "");
        return sb.toString();
    }
}
