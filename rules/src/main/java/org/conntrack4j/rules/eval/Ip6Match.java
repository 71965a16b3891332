package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Packet;

/**
 * {@code ip6 saddr|daddr [!=] value}: 128-bit addresses as two unsigned longs, compared against sorted disjoint
 * inclusive intervals (addresses, prefixes, ranges, sets). Only IPv6 packets load the field (nft's
 * {@code meta nfproto ipv6} dependency).
 */
final class Ip6Match extends Expr {
    private final int offset;
    private final long[] loHi;
    private final long[] loLo;
    private final long[] hiHi;
    private final long[] hiLo;
    private final boolean negate;

    Ip6Match(int offset, long[] loHi, long[] loLo, long[] hiHi, long[] hiLo, boolean negate) {
        this.offset = offset;
        this.loHi = loHi;
        this.loLo = loLo;
        this.hiHi = hiHi;
        this.hiLo = hiLo;
        this.negate = negate;
    }

    @Override
    int eval(Packet p, long info) {
        if (p.family != Family.IPV6 || offset + 16 > p.length()) {
            return BREAK;
        }
        long h = p.u64(offset);
        long l = p.u64(offset + 8);
        return contains(h, l) != negate ? CONTINUE : BREAK;
    }

    static int compare(long h1, long l1, long h2, long l2) {
        int c = Long.compareUnsigned(h1, h2);
        return c != 0 ? c : Long.compareUnsigned(l1, l2);
    }

    boolean contains(long h, long l) {
        int a = 0;
        int b = loHi.length - 1;
        while (a <= b) {
            int m = (a + b) >>> 1;
            if (compare(h, l, loHi[m], loLo[m]) < 0) {
                b = m - 1;
            } else if (compare(h, l, hiHi[m], hiLo[m]) > 0) {
                a = m + 1;
            } else {
                return true;
            }
        }
        return false;
    }
}
