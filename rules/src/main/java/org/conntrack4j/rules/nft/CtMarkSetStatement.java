package org.conntrack4j.rules.nft;

/** {@code ct mark set N}: sets the connection mark (32 bits, held unsigned in a long). */
public record CtMarkSetStatement(long mark) implements Statement {
    public CtMarkSetStatement {
        if (mark < 0 || mark > 0xffffffffL) {
            throw new IllegalArgumentException("ct mark out of 32-bit range: " + mark);
        }
    }

    @Override
    public String toString() {
        return String.format("ct mark set 0x%08x", mark);
    }
}
