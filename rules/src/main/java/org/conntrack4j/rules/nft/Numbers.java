package org.conntrack4j.rules.nft;

/** Unsigned number parsing for decimal and 0x hex, without exceptions. */
final class Numbers {
    static final long BAD = -1;
    static final long TOO_BIG = -2;
    static final long LEADING_ZERO = -3;

    private Numbers() {
    }

    /** The value, or BAD, TOO_BIG (more than 2^62) or LEADING_ZERO ("010", which nft reads as octal). */
    static long parse(String s) {
        if (s.isEmpty()) {
            return BAD;
        }
        int radix = 10;
        int i = 0;
        if (s.length() > 2 && s.charAt(0) == '0' && (s.charAt(1) == 'x' || s.charAt(1) == 'X')) {
            radix = 16;
            i = 2;
        }
        long v = 0;
        boolean big = false;
        for (int k = i; k < s.length(); k++) {
            char c = s.charAt(k);
            int d = c < 128 ? Character.digit(c, radix) : -1;
            if (d < 0) {
                return BAD;
            }
            if (v > (Long.MAX_VALUE >> 1) / radix) {
                big = true;
            } else {
                v = v * radix + d;
            }
        }
        if (radix == 10 && s.length() > 1 && s.charAt(0) == '0') {
            return LEADING_ZERO;
        }
        return big ? TOO_BIG : v;
    }
}
