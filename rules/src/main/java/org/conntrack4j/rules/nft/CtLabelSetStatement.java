package org.conntrack4j.rules.nft;

/**
 * {@code ct label set N}: adds label {@code bit} (0-127) to the connection's labels.
 *
 * @since 1.2
 */
public record CtLabelSetStatement(int bit) implements Statement {
    public CtLabelSetStatement {
        if (bit < 0 || bit > 127) {
            throw new IllegalArgumentException("ct label bit " + bit);
        }
    }

    @Override
    public String toString() {
        return "ct label set " + bit;
    }
}
