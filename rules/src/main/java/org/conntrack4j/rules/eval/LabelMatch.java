package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.ConnLabels;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.rules.nft.Op;

/**
 * {@code ct label N}: the label is set ({@code bitwise} and {@code cmp neq 0}); {@code ct label == N} and
 * {@code != N}: the labels are (are not) exactly that one (a 128-bit {@code cmp}). Without a connection the rule
 * ends; a zone template has no labels.
 */
final class LabelMatch extends Expr {
    private final long lo;
    private final long hi;
    private final Op op;

    LabelMatch(int bit, Op op) {
        this.lo = ConnLabels.word(bit) == 0 ? ConnLabels.mask(bit) : 0;
        this.hi = ConnLabels.word(bit) == 1 ? ConnLabels.mask(bit) : 0;
        this.op = op;
    }

    @Override
    int eval(Packet p, long info) {
        Connection ct = p.ct;
        long l;
        long h;
        if (ct != null) {
            l = ct.labelsLo();
            h = ct.labelsHi();
        } else if (Field.template(p)) {
            l = 0;
            h = 0;
        } else {
            return BREAK;
        }
        boolean match;
        switch (op) {
            case EQ:
                match = l == lo && h == hi;
                break;
            case NE:
                match = l != lo || h != hi;
                break;
            default:
                match = (l & lo) != 0 || (h & hi) != 0;
                break;
        }
        return match ? CONTINUE : BREAK;
    }
}
