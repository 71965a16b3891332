package org.conntrack4j.core.inet;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Tuple;

/**
 * Address helpers for the two-long representation used by {@link Tuple} (IPv4 as {@code hi = 0, lo =
 * address}). Text forms follow conntrack-tools: dotted quads, and RFC 5952 compressed IPv6.
 */
public final class Addr {
    private Addr() {
    }

    public static String toText(int family, long hi, long lo) {
        StringBuilder sb = new StringBuilder(40);
        append(sb, family, hi, lo);
        return sb.toString();
    }

    public static StringBuilder append(StringBuilder sb, int family, long hi, long lo) {
        if (family == Family.IPV6) {
            return appendV6(sb, hi, lo);
        }
        int a = (int) lo;
        return sb.append((a >>> 24) & 0xff).append('.').append((a >>> 16) & 0xff).append('.')
            .append((a >>> 8) & 0xff).append('.').append(a & 0xff);
    }

    private static StringBuilder appendV6(StringBuilder sb, long hi, long lo) {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            g[4 + i] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        // IPv4-mapped addresses print their last 32 bits dotted, as inet_ntop does.
        if (hi == 0 && (lo >>> 32) == 0xffffL) {
            sb.append("::ffff:");
            int a = (int) lo;
            return sb.append((a >>> 24) & 0xff).append('.').append((a >>> 16) & 0xff).append('.')
                .append((a >>> 8) & 0xff).append('.').append(a & 0xff);
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLen) {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb;
    }

    /** Parses a dotted-quad IPv4 address to its 32-bit value; throws IllegalArgumentException if malformed. */
    public static int parseV4(String s) {
        String[] p = s.trim().split("\\.", -1);
        if (p.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + s);
        }
        int v = 0;
        for (String part : p) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("not an IPv4 address: " + s);
            }
            int n = Integer.parseInt(part);
            if (n > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + s);
            }
            v = v << 8 | n;
        }
        return v;
    }

    /**
     * Parses an IPv6 address (with :: compression and an optional dotted IPv4 tail) into {hi, lo};
     * throws IllegalArgumentException if malformed.
     */
    public static long[] parseV6(String s) {
        String t = s.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("not an IPv6 address: " + s);
        }
        int[] groups = new int[8];
        int dbl = t.indexOf("::");
        if (dbl >= 0 && t.indexOf("::", dbl + 1) >= 0) {
            throw new IllegalArgumentException("not an IPv6 address: " + s);
        }
        String head = dbl >= 0 ? t.substring(0, dbl) : t;
        String tail = dbl >= 0 ? t.substring(dbl + 2) : "";
        int[] h = groupsOf(head, s, dbl < 0);
        int[] tl = dbl >= 0 ? groupsOf(tail, s, true) : new int[0];
        if (dbl < 0 && h.length != 8 || dbl >= 0 && h.length + tl.length > 7) {
            throw new IllegalArgumentException("not an IPv6 address: " + s);
        }
        System.arraycopy(h, 0, groups, 0, h.length);
        System.arraycopy(tl, 0, groups, 8 - tl.length, tl.length);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++) {
            hi = hi << 16 | groups[i];
            lo = lo << 16 | groups[4 + i];
        }
        return new long[] {hi, lo};
    }

    private static int[] groupsOf(String part, String whole, boolean mayEndWithV4) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] p = part.split(":", -1);
        int n = p.length;
        boolean v4 = mayEndWithV4 && p[n - 1].indexOf('.') >= 0;
        int[] out = new int[v4 ? n + 1 : n];
        for (int i = 0; i < n; i++) {
            if (v4 && i == n - 1) {
                int a = parseV4(p[i]);
                out[i] = a >>> 16;
                out[i + 1] = a & 0xffff;
                break;
            }
            String g = p[i];
            if (g.isEmpty() || g.length() > 4) {
                throw new IllegalArgumentException("not an IPv6 address: " + whole);
            }
            try {
                out[i] = Integer.parseInt(g, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an IPv6 address: " + whole);
            }
        }
        return out;
    }
}
