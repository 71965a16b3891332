package org.conntrack4j.rules.nft;

/**
 * {@code meta mark set N}: sets the packet mark (32 bits, held unsigned in a long).
 *
 * @since 1.2
 */
public record MetaMarkSetStatement(long mark) implements Statement {
    public MetaMarkSetStatement {
        if (mark < 0 || mark > 0xffffffffL) {
            throw new IllegalArgumentException("meta mark out of 32-bit range: " + mark);
        }
    }

    @Override
    public String toString() {
        return String.format("meta mark set 0x%08x", mark);
    }
}
