package org.conntrack4j.rules.nft;

import java.util.Objects;

/**
 * A {@code ct expectation NAME { protocol P; dport N; timeout T; size N; l3proto F; }} object: what a connection
 * given it with {@code ct expectation set "NAME"} expects, without a helper ({@code nft_ct_expect_obj_eval}): a
 * connection of {@code protocol} from the peer (any source port) to its own address and {@code dport}, at most
 * {@code size} at a time. {@code timeoutMillis} is what nft sends the kernel, in milliseconds; the kernel (6.18)
 * takes that number as seconds ({@code 30s} makes expectations of 30000 seconds), and so does conntrack4j.
 * {@code l3proto} is {@link Family#IP} or {@link Family#IP6}. Equality ignores the position.
 *
 * @since 1.2
 */
public record CtExpectationObject(String name, int protocol, int dport, long timeoutMillis, int size,
        Family l3proto, SourcePos position) implements TableObject {

    public CtExpectationObject {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(l3proto, "l3proto");
        Objects.requireNonNull(position, "position");
        if (protocol != 6 && protocol != 17 && protocol != 132 && protocol != 33) {
            throw new IllegalArgumentException("ct expectation protocol must be tcp, udp, dccp or sctp");
        }
        if (dport < 0 || dport > 65535 || size < 0 || size > 255 || timeoutMillis < 0
                || timeoutMillis > 0xffffffffL || l3proto == Family.INET) {
            throw new IllegalArgumentException("ct expectation " + name + ": dport " + dport + ", size " + size
                    + ", timeout " + timeoutMillis + ", l3proto " + l3proto);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CtExpectationObject x && x.name.equals(name) && x.protocol == protocol
                && x.dport == dport && x.timeoutMillis == timeoutMillis && x.size == size && x.l3proto == l3proto;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, protocol, dport, timeoutMillis, size, l3proto);
    }

    @Override
    public void format(StringBuilder sb, String indent) {
        sb.append(indent).append("ct expectation ").append(name).append(" {\n");
        sb.append(indent).append("\tprotocol ").append(Symbols.protocolName(protocol)).append('\n');
        sb.append(indent).append("\tdport ").append(dport).append('\n');
        sb.append(indent).append("\ttimeout ").append(TimeSpec.format(timeoutMillis)).append('\n');
        sb.append(indent).append("\tsize ").append(size).append('\n');
        sb.append(indent).append("\tl3proto ").append(l3proto.keyword()).append('\n');
        sb.append(indent).append('}');
    }

    @Override
    public String toString() {
        return TableObject.text(this);
    }
}
