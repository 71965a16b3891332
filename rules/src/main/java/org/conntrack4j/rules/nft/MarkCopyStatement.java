package org.conntrack4j.rules.nft;

/**
 * {@code meta mark set ct mark} (the packet takes the connection's mark) or, with {@code toConnection},
 * {@code ct mark set meta mark} (the connection takes the packet's).
 *
 * @since 1.2
 */
public record MarkCopyStatement(boolean toConnection) implements Statement {
    @Override
    public String toString() {
        return toConnection ? "ct mark set meta mark" : "meta mark set ct mark";
    }
}
