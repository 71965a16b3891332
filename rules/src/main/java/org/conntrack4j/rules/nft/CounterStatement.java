package org.conntrack4j.rules.nft;

/**
 * {@code counter}, with the packet and byte counts nft lists ({@code counter packets 0 bytes 0}). Both counts are
 * unsigned 64-bit values held in a {@code long}.
 */
public record CounterStatement(long packets, long bytes) implements Statement {

    public static CounterStatement zero() {
        return new CounterStatement(0, 0);
    }

    @Override
    public String toString() {
        return "counter packets " + Long.toUnsignedString(packets) + " bytes " + Long.toUnsignedString(bytes);
    }
}
