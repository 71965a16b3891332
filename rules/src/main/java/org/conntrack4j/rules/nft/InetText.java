package org.conntrack4j.rules.nft;

/** Text forms of IPv4 and IPv6 addresses: strict parsing and the printing glibc's inet_ntop (and so nft) uses. */
final class InetText {
    private InetText() {
    }

    /** Four decimal octets 0-255 without leading zeros, or null. */
    static byte[] parseIpv4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int i = 0;
        int n = s.length();
        while (true) {
            if (i >= n || !isDigit(s.charAt(i))) {
                return null;
            }
            int start = i;
            int v = 0;
            while (i < n && isDigit(s.charAt(i))) {
                v = v * 10 + (s.charAt(i) - '0');
                if (v > 255) {
                    return null;
                }
                i++;
            }
            if (i - start > 1 && s.charAt(start) == '0') {
                return null;
            }
            out[part++] = (byte) v;
            if (part == 4) {
                return i == n ? out : null;
            }
            if (i >= n || s.charAt(i) != '.') {
                return null;
            }
            i++;
        }
    }

    /** True when {@code s} looks like dotted decimal with a leading zero in an octet ("010.0.0.1"). */
    static boolean hasLeadingZeroOctet(String s) {
        if (!s.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
            return false;
        }
        for (String p : s.split("\\.")) {
            if (p.length() > 1 && p.charAt(0) == '0') {
                return true;
            }
        }
        return false;
    }

    /**
     * RFC 4291 text: up to eight groups of 1-4 hex digits, at most one "::", optionally ending in a dotted IPv4
     * address. No zone index. Returns 16 bytes or null.
     */
    static byte[] parseIpv6(String s) {
        if (s.isEmpty() || s.length() > 45) {
            return null;
        }
        int[] words = new int[8];
        int count = 0;
        int gap = -1;
        int i = 0;
        int n = s.length();
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
            if (i == n) {
                return new byte[16];
            }
        } else if (s.charAt(0) == ':') {
            return null;
        }
        while (i < n) {
            if (count == 8) {
                return null;
            }
            int start = i;
            int v = 0;
            while (i < n && Character.digit(s.charAt(i), 16) >= 0 && i - start < 5) {
                v = (v << 4) | Character.digit(s.charAt(i), 16);
                i++;
            }
            int len = i - start;
            if (i < n && s.charAt(i) == '.') {
                // embedded IPv4 in the last 32 bits
                byte[] v4 = parseIpv4(s.substring(start));
                if (v4 == null || count > 6) {
                    return null;
                }
                words[count++] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
                words[count++] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
                i = n;
                break;
            }
            if (len == 0 || len > 4) {
                return null;
            }
            words[count++] = v;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < n && s.charAt(i) == ':') {
                if (gap >= 0) {
                    return null;
                }
                gap = count;
                i++;
                if (i == n) {
                    break;
                }
            } else if (i == n) {
                return null; // trailing single colon
            }
        }
        if (gap < 0 && count != 8) {
            return null;
        }
        if (gap >= 0 && count > 7) {
            return null;
        }
        int[] full = new int[8];
        if (gap < 0) {
            full = words;
        } else {
            int tail = count - gap;
            System.arraycopy(words, 0, full, 0, gap);
            System.arraycopy(words, gap, full, 8 - tail, tail);
        }
        byte[] out = new byte[16];
        for (int k = 0; k < 8; k++) {
            out[2 * k] = (byte) (full[k] >>> 8);
            out[2 * k + 1] = (byte) full[k];
        }
        return out;
    }

    static String formatIpv4(byte[] b) {
        return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
    }

    /**
     * The form glibc's inet_ntop prints: lower-case hex, the first longest run of two or more zero groups
     * shortened to "::", and a dotted IPv4 tail for ::a.b.c.d and ::ffff:a.b.c.d.
     */
    static String formatIpv6(byte[] b) {
        int[] w = new int[8];
        for (int k = 0; k < 8; k++) {
            w[k] = ((b[2 * k] & 0xff) << 8) | (b[2 * k + 1] & 0xff);
        }
        int bestBase = -1;
        int bestLen = 0;
        int k = 0;
        while (k < 8) {
            if (w[k] != 0) {
                k++;
                continue;
            }
            int start = k;
            while (k < 8 && w[k] == 0) {
                k++;
            }
            int len = k - start;
            if (len >= 2 && len > bestLen) {
                bestBase = start;
                bestLen = len;
            }
        }
        StringBuilder sb = new StringBuilder(40);
        for (int i = 0; i < 8; i++) {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
                if (i == bestBase) {
                    sb.append(':');
                }
                continue;
            }
            if (i != 0) {
                sb.append(':');
            }
            if (i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff))) {
                sb.append(b[12] & 0xff).append('.').append(b[13] & 0xff).append('.')
                        .append(b[14] & 0xff).append('.').append(b[15] & 0xff);
                return sb.toString();
            }
            sb.append(Integer.toHexString(w[i]));
        }
        if (bestBase >= 0 && bestBase + bestLen == 8) {
            sb.append(':');
        }
        return sb.toString();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
