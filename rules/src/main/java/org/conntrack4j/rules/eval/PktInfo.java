package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Ipv6Headers;

/**
 * What nftables works out about a packet before running a chain ({@code nft_set_pktinfo_ipv4} /
 * {@code nft_set_pktinfo_ipv6}): the transport protocol, the transport header's offset and whether the packet is
 * a non-first fragment. nft finds these itself from the IP header, independently of conntrack.
 *
 * <p>Packed into a long so that evaluation allocates nothing: bits 0-31 the transport offset, 32-39 the
 * protocol, bit 40 "protocol known" ({@code NFT_PKTINFO_L4PROTO}), bit 41 "non-first fragment".
 */
final class PktInfo {
    static final long L4PROTO = 1L << 40;
    static final long FRAGMENT = 1L << 41;
    /** No transport protocol known ({@code nft_set_pktinfo_unspec}). */
    static final long UNSPEC = 0;

    private PktInfo() {
    }

    static int thoff(long info) {
        return (int) info;
    }

    static int tprot(long info) {
        return (int) (info >>> 32) & 0xff;
    }

    static long of(int tprot, int thoff, boolean fragment) {
        return L4PROTO | (fragment ? FRAGMENT : 0) | (long) tprot << 32 | (thoff & 0xffffffffL);
    }

    /** The packet's info; the IP layer has validated the header already. */
    static long compute(Packet p) {
        if (p.family == Family.IPV4) {
            return ipv4(p);
        }
        if (p.family == Family.IPV6) {
            return ipv6(p);
        }
        return UNSPEC;
    }

    private static long ipv4(Packet p) {
        if (p.length() < 20) {
            return UNSPEC;
        }
        int thoff = (p.u8(0) & 0x0f) << 2;
        boolean fragment = (p.u16(6) & 0x1fff) != 0;
        return of(p.u8(9), thoff, fragment);
    }

    /**
     * {@code nft_set_pktinfo_ipv6}: {@code ipv6_find_hdr} with no target and {@code IP6_FH_F_AUTH}
     * ({@link Ipv6Headers#findTransport}); a non-first fragment reports the protocol of its fragment header with
     * offset 0; malformed chains and offsets beyond 16 bits leave the packet unspec.
     */
    private static long ipv6(Packet p) {
        long w = Ipv6Headers.findTransport(p);
        if (w < 0 || Ipv6Headers.offset(w) > 0xffff) {
            return UNSPEC;
        }
        return of(Ipv6Headers.protocol(w), Ipv6Headers.offset(w), Ipv6Headers.isLaterFragment(w));
    }
}
