package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Packet;

/**
 * {@code ct state} / {@code ct status} against flags, as nft compiles it: without an operator any of the bits
 * ({@code bitwise & bits, cmp neq 0}); with {@code ==} or {@code !=} the whole value ({@code cmp eq|neq bits}).
 */
final class FlagMatch extends Expr {
    enum Mode { ANY_BIT, EQUAL, NOT_EQUAL }

    private final Field field;
    private final long bits;
    private final Mode mode;

    FlagMatch(Field field, long bits, Mode mode) {
        this.field = field;
        this.bits = bits;
        this.mode = mode;
    }

    @Override
    int eval(Packet p, long info) {
        long v = field.load(p, info);
        if (v == Field.FAIL) {
            return BREAK;
        }
        boolean ok;
        switch (mode) {
            case ANY_BIT:
                ok = (v & bits) != 0;
                break;
            case EQUAL:
                ok = v == bits;
                break;
            default:
                ok = v != bits;
                break;
        }
        return ok ? CONTINUE : BREAK;
    }

    @Override
    public String toString() {
        return field + " " + mode + " 0x" + Long.toHexString(bits);
    }
}
