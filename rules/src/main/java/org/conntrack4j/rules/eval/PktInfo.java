package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Packet;

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

    // IPv6 extension headers (ipv6_ext_hdr) and the no-next-header value
    private static final int HOP = 0;
    private static final int ROUTING = 43;
    private static final int FRAGMENT_HDR = 44;
    private static final int AUTH = 51;
    private static final int NONE = 59;
    private static final int DEST = 60;

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

    private static boolean isExtension(int h) {
        return h == HOP || h == ROUTING || h == FRAGMENT_HDR || h == AUTH || h == NONE || h == DEST;
    }

    /**
     * {@code ipv6_find_hdr} with no target and {@code IP6_FH_F_AUTH}: walks the extension headers up to the first
     * header that is not one; an authentication header counts as the transport header; a non-first fragment
     * reports the protocol of its fragment header with offset 0; malformed chains leave the packet unspec.
     */
    private static long ipv6(Packet p) {
        int len = p.length();
        if (len < 40) {
            return UNSPEC;
        }
        int start = 40;
        int nexthdr = p.u8(6);
        while (isExtension(nexthdr) && nexthdr != NONE) {
            if (start + 2 > len) {
                return UNSPEC;
            }
            int hdrlen;
            if (nexthdr == ROUTING) {
                if (start + 4 > len) {
                    return UNSPEC;
                }
                hdrlen = (p.u8(start + 1) + 1) << 3;
            } else if (nexthdr == FRAGMENT_HDR) {
                if (start + 4 > len) {
                    return UNSPEC;
                }
                int fragOff = p.u16(start + 2) & ~0x7;
                if (fragOff != 0) {
                    int inner = p.u8(start);
                    if (!isExtension(inner) || inner == NONE) {
                        return of(inner, 0, true);
                    }
                    return UNSPEC; // a later fragment whose first header is another extension: -ENOENT
                }
                hdrlen = 8;
            } else if (nexthdr == AUTH) {
                break;
            } else {
                hdrlen = (p.u8(start + 1) + 1) << 3;
            }
            if (len - start < hdrlen) {
                return UNSPEC;
            }
            nexthdr = p.u8(start);
            start += hdrlen;
        }
        if (start > 0xffff) {
            return UNSPEC;
        }
        return of(nexthdr, start, false);
    }
}
