package org.conntrack4j.rules.nft;

import java.util.Objects;

/**
 * A {@code ct helper NAME { type "ftp" protocol tcp; l3proto inet; }} object. {@code protocol} is the IP protocol
 * number (6 tcp or 17 udp); {@code l3proto} is the family the helper serves (nft defaults it to the table's).
 * Equality ignores the position.
 */
public record CtHelperObject(String name, String type, int protocol, Family l3proto, SourcePos position)
        implements TableObject {
    public CtHelperObject {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(l3proto, "l3proto");
        Objects.requireNonNull(position, "position");
        if (protocol != 6 && protocol != 17) {
            throw new IllegalArgumentException("ct helper protocol must be tcp (6) or udp (17)");
        }
    }

    /**
     * The family the kernel lists the object with: an inet object of a helper Linux has for one IP version only
     * (irc, pptp, snmp: IPv4) serves that version alone and is listed as {@code ip} (or {@code ip6}).
     *
     * @since 1.3
     */
    public Family listedL3proto() {
        Symbols.KernelHelper kh = Symbols.kernelHelper(type);
        if (l3proto != Family.INET || kh == null || kh.ipv4() == kh.ipv6()) {
            return l3proto;
        }
        return kh.ipv4() ? Family.IP : Family.IP6;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CtHelperObject h && h.name.equals(name) && h.type.equals(type) && h.protocol == protocol
                && h.l3proto == l3proto;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, protocol, l3proto);
    }

    @Override
    public void format(StringBuilder sb, String indent) {
        sb.append(indent).append("ct helper ").append(name).append(" {\n");
        sb.append(indent).append("\ttype \"").append(type).append("\" protocol ")
                .append(Symbols.protocolName(protocol)).append('\n');
        sb.append(indent).append("\tl3proto ").append(listedL3proto().keyword()).append('\n');
        sb.append(indent).append('}');
    }

    @Override
    public String toString() {
        return TableObject.text(this);
    }
}
