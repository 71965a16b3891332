package org.conntrack4j.rules.nft;

import java.util.Objects;

/**
 * A base chain priority: the resolved number and the text it was written as ({@code "mangle"},
 * {@code "srcnat - 10"}, {@code "-150"}). Two priorities are equal when their numbers are: the text is only a
 * reminder of the spelling.
 */
public record ChainPriority(int value, String text) {
    public ChainPriority {
        Objects.requireNonNull(text, "text");
    }

    public static ChainPriority of(int value) {
        return new ChainPriority(value, Integer.toString(value));
    }

    /** The text nft would print for this priority on {@code hook}. */
    public String canonical(Hook hook) {
        return StandardPriority.format(value, hook);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChainPriority p && p.value == value;
    }

    @Override
    public int hashCode() {
        return Integer.hashCode(value);
    }

    @Override
    public String toString() {
        return text;
    }
}
