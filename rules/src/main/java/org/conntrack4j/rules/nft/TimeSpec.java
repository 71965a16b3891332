package org.conntrack4j.rules.nft;

/**
 * nft's time values: {@code 1d2h3m4s5ms} read into milliseconds (a bare number is seconds), and printed back as
 * nft prints them ({@code time_print}: the non-zero units from days down to milliseconds, {@code 0s} for zero).
 */
final class TimeSpec {
    private static final long[] FACTORS = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};
    private static final String[] UNITS = {"d", "h", "m", "s", "ms"};

    private TimeSpec() {
    }

    /** The milliseconds of {@code s}, or -1 if it is no time value (units in order, each at most once). */
    static long parseMillis(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        if (s.chars().allMatch(Character::isDigit)) {
            long n = Numbers.parse(s);
            return n < 0 || n > Long.MAX_VALUE / 1000 ? -1 : n * 1000;
        }
        long total = 0;
        int i = 0;
        int lastUnit = -1;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            if (i == start || i - start > 12) {
                return -1;
            }
            long n = Long.parseLong(s.substring(start, i));
            int u = -1;
            for (int k = UNITS.length - 1; k >= 0; k--) {
                if (s.startsWith(UNITS[k], i) && (k != 2 || !s.startsWith("ms", i))) {
                    u = k;
                    break;
                }
            }
            if (u < 0 || u <= lastUnit) {
                return -1;
            }
            i += UNITS[u].length();
            lastUnit = u;
            total += n * FACTORS[u];
            if (total < 0) {
                return -1;
            }
        }
        return total;
    }

    /** nft's {@code time_print}. */
    static String format(long millis) {
        if (millis == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        long left = millis;
        for (int k = 0; k < FACTORS.length; k++) {
            long n = left / FACTORS[k];
            left %= FACTORS[k];
            if (n > 0) {
                sb.append(n).append(UNITS[k]);
            }
        }
        return sb.toString();
    }
}
