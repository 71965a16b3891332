package org.conntrack4j.rules.nft;

/**
 * {@code ct count N} / {@code ct count over N} ({@code nft_connlimit}): counts the connections of a key (the rule's,
 * or a set element's); the rule goes on while there are at most {@code count}, or, with {@code over}, only when
 * there are more.
 *
 * @since 1.2
 */
public record ConnLimit(long count, boolean over) {
    public ConnLimit {
        if (count < 0 || count > 0xffffffffL) {
            throw new IllegalArgumentException("ct count " + count);
        }
    }

    @Override
    public String toString() {
        return "ct count " + (over ? "over " : "") + count;
    }
}
