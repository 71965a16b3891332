package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Packet;

/**
 * {@code field [!=] value}, where the value is one number, a range, a prefix, a relational bound or an anonymous
 * set of those, compiled into sorted disjoint intervals ({@code nft_cmp}, {@code nft_range}, {@code nft_lookup}).
 * Binary search: a set of 65536 elements costs 16 comparisons.
 */
final class IntervalMatch extends Expr {
    private final Field field;
    private final long[] lo;
    private final long[] hi;
    private final boolean negate;

    /** {@code lo}/{@code hi}: sorted, disjoint, inclusive. */
    IntervalMatch(Field field, long[] lo, long[] hi, boolean negate) {
        this.field = field;
        this.lo = lo;
        this.hi = hi;
        this.negate = negate;
    }

    @Override
    int eval(Packet p, long info) {
        long v = field.load(p, info);
        if (v == Field.FAIL) {
            return BREAK;
        }
        return contains(v) != negate ? CONTINUE : BREAK;
    }

    boolean contains(long v) {
        int a = 0;
        int b = lo.length - 1;
        while (a <= b) {
            int m = (a + b) >>> 1;
            if (v < lo[m]) {
                b = m - 1;
            } else if (v > hi[m]) {
                a = m + 1;
            } else {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return field + (negate ? " !in " : " in ") + lo.length + " intervals";
    }
}
