package org.conntrack4j.core.impl;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.inet.Ipv6Headers;

/**
 * IPv4 and IPv6 handling of the core: finding the L4 header ({@code get_l4proto}, with the IPv6 extension
 * header walk of {@link Ipv6Headers#skip}) and the address part of tuples. Header validation of the kind
 * {@code ip_rcv} does before the hooks is {@link org.conntrack4j.core.inet.IpHeaders}' job.
 */
final class L3 {
    private L3() {
    }

    /**
     * The L4 header of the IP packet at {@code nhoff} as {@code protocol << 16 | offset}, or -1 when
     * conntrack cannot use the packet (truncated header, a non-first fragment).
     */
    static int l4(Packet p, int nhoff, int family) {
        if (family == Family.IPV4) {
            if (p.length() - nhoff < 20) {
                return -1;
            }
            // bytes 6-9: flags and fragment offset, TTL, protocol
            int w = p.u32(nhoff + 6);
            // Conntrack runs after defragmentation; fragments can still be quoted inside ICMP errors.
            if ((w & 0x1fff0000) != 0) {
                return -1;
            }
            int dataoff = nhoff + ((p.u8(nhoff) & 0x0f) << 2);
            if (dataoff > p.length()) {
                return -1;
            }
            return (w & 0xff) << 16 | dataoff;
        }
        if (family == Family.IPV6) {
            if (p.length() - nhoff < 40) {
                return -1;
            }
            return ipv6L4(p, nhoff + 40, p.u8(nhoff + 6));
        }
        return -1;
    }

    /**
     * The L4 header of an IPv6 packet whose extension headers start at {@code start} with type {@code nexthdr}
     * ({@code ipv6_skip_exthdr}) as {@code protocol << 16 | offset}, or -1 when conntrack cannot use it (no next
     * header, truncation, a non-first fragment).
     */
    static int ipv6L4(Packet p, int start, int nexthdr) {
        long w = Ipv6Headers.skip(p, start, nexthdr);
        if (w < 0 || Ipv6Headers.isLaterFragment(w) || Ipv6Headers.offset(w) > p.length()) {
            return -1;
        }
        return Ipv6Headers.protocol(w) << 16 | Ipv6Headers.offset(w);
    }

    /** Fills the address part of {@code t} from the header at {@code nhoff}. */
    static void addresses(Packet p, int nhoff, int family, Tuple t) {
        t.family = family;
        if (family == Family.IPV4) {
            // both addresses in one read
            long a = p.u64(nhoff + 12);
            t.srcHi = 0;
            t.srcLo = a >>> 32;
            t.dstHi = 0;
            t.dstLo = a & 0xffffffffL;
        } else {
            t.srcHi = p.u64(nhoff + 8);
            t.srcLo = p.u64(nhoff + 16);
            t.dstHi = p.u64(nhoff + 24);
            t.dstLo = p.u64(nhoff + 32);
        }
    }
}
