package org.conntrack4j.rules.nft;

/**
 * Comparison operator of a match.
 *
 * <p>For ordinary values (ports, addresses, protocols, marks, names, direction) {@link #IMPLICIT} and {@link #EQ}
 * mean the same and the parser stores {@code IMPLICIT}; a {@link Operand.Range} or {@link Operand.SetOf} operand
 * means "inside" ({@code IMPLICIT}) or "not inside" ({@code NE}).
 *
 * <p>For the bitmask selectors {@code ct state} and {@code ct status} with a {@link Operand.Flags} operand, nft
 * (checked with nft 1.0.6 {@code --debug=netlink}) compiles:
 * <ul>
 * <li>{@code IMPLICIT} ({@code ct state established,related}): {@code (value & bits) != 0};</li>
 * <li>{@code EQ} ({@code ct state == established}): {@code value == bits};</li>
 * <li>{@code NE} ({@code ct state != established}): {@code value != bits}.</li>
 * </ul>
 * A one-element set of flags is read as those flags with the operator kept ({@code ct status == { assured }} is
 * {@code ct status == assured}), as nft compiles it; a set of two or more is a lookup of the whole value.
 * The relational operators are only accepted for ports, protocol numbers, marks and addresses.
 */
public enum Op {
    IMPLICIT(""),
    EQ("=="),
    NE("!="),
    LT("<"),
    GT(">"),
    LE("<="),
    GE(">=");

    private final String symbol;

    Op(String symbol) {
        this.symbol = symbol;
    }

    /** {@code ""} for IMPLICIT, else {@code ==}, {@code !=}, ... */
    public String symbol() {
        return symbol;
    }

    public boolean isRelational() {
        return this == LT || this == GT || this == LE || this == GE;
    }

    @Override
    public String toString() {
        return symbol;
    }
}
