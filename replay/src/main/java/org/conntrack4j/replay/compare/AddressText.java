package org.conntrack4j.replay.compare;

/**
 * Addresses as Python's {@code ipaddress} prints them (compare.py matches packets to conntrack's text by these
 * strings): dotted quad for IPv4; for IPv6 lowercase hextets without leading zeros, the first longest run of two
 * or more zero hextets shortened to "::" (Python 3.11 rules: an IPv4-mapped address prints in hex too).
 */
final class AddressText {
    private AddressText() {
    }

    /** {@code str(ipaddress.ip_address(p[at:at+length]))} for a length of 4 or 16. */
    static String of(byte[] p, int at, int length) {
        if (length == 4) {
            return (p[at] & 0xFF) + "." + (p[at + 1] & 0xFF) + "." + (p[at + 2] & 0xFF) + "." + (p[at + 3] & 0xFF);
        }
        if (length != 16) {
            throw new IllegalArgumentException("address of " + length + " bytes");
        }
        int[] h = new int[8];
        for (int i = 0; i < 8; i++) {
            h[i] = (p[at + 2 * i] & 0xFF) << 8 | (p[at + 2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; ) {
            if (h[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && h[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (bestLength > 1 && i == bestStart) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLength - 1;
                continue;
            }
            sb.append(Integer.toHexString(h[i]));
            if (i < 7) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    /**
     * {@code str(ipaddress.ip_interface(text).ip)}: the address part of "ADDRESS[/PREFIX]" in canonical form, or
     * null where Python would refuse it (compare.py would then stop with an error; the port skips the address).
     * As in Python 3.11, an IPv6 %scope is dropped from the address.
     */
    static String ofInterface(String text) {
        String[] parts = text.split("/", -1);
        if (parts.length > 2) {
            return null;
        }
        byte[] v4 = parseIpv4(parts[0]);
        if (v4 != null) {
            return parts.length == 1 || prefixOk(parts[1], 32) || parseIpv4(parts[1]) != null ? of(v4, 0, 4) : null;
        }
        String address = parts[0];
        int percent = address.indexOf('%');
        if (percent >= 0) {
            String scope = address.substring(percent + 1);
            if (scope.isEmpty() || scope.indexOf('%') >= 0) {
                return null;
            }
            address = address.substring(0, percent);
        }
        byte[] v6 = parseIpv6(address);
        return v6 != null && (parts.length == 1 || prefixOk(parts[1], 128)) ? of(v6, 0, 16) : null;
    }

    /** A decimal prefix length up to {@code max}. */
    private static boolean prefixOk(String prefix, int max) {
        if (prefix.isEmpty() || prefix.length() > 3) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (prefix.charAt(i) < '0' || prefix.charAt(i) > '9') {
                return false;
            }
        }
        return Integer.parseInt(prefix) <= max;
    }

    /** Four decimal octets, no leading zeros (Python's strict parsing), or null. */
    static byte[] parseIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
                return null;
            }
            int v = 0;
            for (int k = 0; k < part.length(); k++) {
                char c = part.charAt(k);
                if (c < '0' || c > '9') {
                    return null;
                }
                v = v * 10 + c - '0';
            }
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    /** Colon-hex with at most one "::" and an optional dotted IPv4 tail, or null. */
    static byte[] parseIpv6(String s) {
        if (s.indexOf('%') >= 0 || s.length() < 2) {
            return null;
        }
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        String head = gap < 0 ? s : s.substring(0, gap);
        String tail = gap < 0 ? "" : s.substring(gap + 2);
        int[] front = hextets(head, gap < 0);
        int[] back = gap < 0 ? new int[0] : hextets(tail, true);
        if (front == null || back == null) {
            return null;
        }
        int count = front.length + back.length;
        if (gap < 0 ? count != 8 : count > 7) {
            return null;
        }
        byte[] out = new byte[16];
        for (int i = 0; i < front.length; i++) {
            out[2 * i] = (byte) (front[i] >> 8);
            out[2 * i + 1] = (byte) front[i];
        }
        for (int i = 0; i < back.length; i++) {
            int k = 8 - back.length + i;
            out[2 * k] = (byte) (back[i] >> 8);
            out[2 * k + 1] = (byte) back[i];
        }
        return out;
    }

    /** The hextets of a colon-separated run; an IPv4 tail is allowed only at the end of the address. */
    private static int[] hextets(String run, boolean endsAddress) {
        if (run.isEmpty()) {
            return new int[0];
        }
        String[] parts = run.split(":", -1);
        boolean dotted = parts[parts.length - 1].indexOf('.') >= 0;
        if (dotted && !endsAddress) {
            return null;
        }
        int[] out = new int[parts.length + (dotted ? 1 : 0)];
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (dotted && i == parts.length - 1) {
                byte[] v4 = parseIpv4(part);
                if (v4 == null) {
                    return null;
                }
                out[i] = (v4[0] & 0xFF) << 8 | (v4[1] & 0xFF);
                out[i + 1] = (v4[2] & 0xFF) << 8 | (v4[3] & 0xFF);
                break;
            }
            if (part.isEmpty() || part.length() > 4) {
                return null;
            }
            int v = 0;
            for (int k = 0; k < part.length(); k++) {
                int d = Character.digit(part.charAt(k), 16);
                if (d < 0 || part.charAt(k) > 'f') {
                    return null;
                }
                v = v << 4 | d;
            }
            out[i] = v;
        }
        return out;
    }
}
