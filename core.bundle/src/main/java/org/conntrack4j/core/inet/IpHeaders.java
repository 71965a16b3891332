package org.conntrack4j.core.inet;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;

/**
 * The checks the IP layer makes before the first hook ({@code ip_rcv_core}, {@code ipv6_rcv}): a packet
 * failing them never reaches netfilter. On success the packet is trimmed to the length its header states and
 * {@code family} is set.
 */
public final class IpHeaders {
    private IpHeaders() {
    }

    /**
     * Validates the IP packet in {@code p}. Returns null if the IP layer accepts it, else the reason it is
     * dropped (e.g. {@code "ipv4: bad header checksum"}).
     */
    public static String validate(Packet p) {
        if (p.length() < 1) {
            return "empty packet";
        }
        int v = p.u8(0) >>> 4;
        if (v == 4) {
            return validateV4(p);
        }
        if (v == 6) {
            return validateV6(p);
        }
        return "not IPv4 or IPv6 (version " + v + ")";
    }

    private static String validateV4(Packet p) {
        int len = p.length();
        if (len >= 20 && p.u8(0) == 0x45) {
            // The usual header, 20 bytes without options, read as two 8-byte words and one 4-byte word: its sum
            // (32-bit big-endian chunks fold to the sum of 16-bit words) and its total length (bytes 2-3) come
            // from them. A header that fails a check here takes the general path below for its reason.
            long w0 = p.u64(0);
            long w1 = p.u64(8);
            long sum = (w0 >>> 32) + (w0 & 0xffffffffL) + (w1 >>> 32) + (w1 & 0xffffffffL) + (p.u32(16) & 0xffffffffL);
            int tot = (int) (w0 >>> 32) & 0xffff;
            if (Checksum.fold(sum) == 0xffff && tot >= 20 && tot <= len) {
                p.trim(tot);
                p.family = Family.IPV4;
                return null;
            }
        }
        if (len < 20) {
            return "ipv4: truncated header (" + p.length() + " bytes)";
        }
        int ihl = (p.u8(0) & 0x0f) << 2;
        if (ihl < 20) {
            return "ipv4: header length " + ihl + " below 20";
        }
        if (p.length() < ihl) {
            return "ipv4: truncated header (" + p.length() + " of " + ihl + " bytes)";
        }
        if (Checksum.fold(Checksum.add(p, 0, ihl, 0)) != 0xffff) {
            return "ipv4: bad header checksum";
        }
        int tot = p.u16(2);
        if (tot > p.length()) {
            return "ipv4: total length " + tot + " beyond the " + p.length() + " bytes received";
        }
        if (tot < ihl) {
            return "ipv4: total length " + tot + " below header length " + ihl;
        }
        p.trim(tot);
        p.family = Family.IPV4;
        return null;
    }

    private static String validateV6(Packet p) {
        if (p.length() < 40) {
            return "ipv6: truncated header (" + p.length() + " bytes)";
        }
        if (p.u8(8) == 0xff) {
            return "ipv6: multicast source address";
        }
        // ip6_rcv_core: the loopback address belongs to no link (RFC 4291 2.5.3)
        if (p.u64(8) == 0 && p.u64(16) == 1 || p.u64(24) == 0 && p.u64(32) == 1) {
            return "ipv6: loopback address on a link";
        }
        int plen = p.u16(4);
        if (plen == 0 && p.u8(6) == IpProto.HOPOPTS) {
            return "ipv6: jumbograms are not supported";
        }
        if (40 + plen > p.length()) {
            return "ipv6: payload length " + plen + " beyond the " + (p.length() - 40) + " bytes received";
        }
        p.trim(40 + plen);
        p.family = Family.IPV6;
        return null;
    }
}
