package org.conntrack4j.core.inet;

import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;

/**
 * The IPv6 extension header walk, once for every user: conntrack (the L4 header of a packet or of a quoted one),
 * NAT (where to rewrite ports) and nftables rules (what {@code meta l4proto} sees). Linux has two walks over the
 * same headers that differ in three places, and each caller here needs the one its kernel counterpart uses:
 *
 * <ul>
 * <li>{@link #skip} is {@code ipv6_skip_exthdr} (conntrack, NAT, ICMPv6): every extension header is skipped, an
 * authentication header too; a non-first fragment stops the walk at its fragment header.</li>
 * <li>{@link #findTransport} is {@code ipv6_find_hdr(skb, &thoff, -1, &fragoff, IP6_FH_F_AUTH)} (nftables' packet
 * info): an authentication header counts as the transport header; a non-first fragment reports the protocol its
 * fragment header names (if that is not another extension header) and no offset.</li>
 * </ul>
 *
 * <p>Both return a walk result packed in a {@code long}, so that the packet path allocates nothing: read it with
 * {@link #protocol}, {@link #offset} and {@link #fragOffset}; a negative value ({@link #NONE}) means no header
 * could be found (a header runs past the packet, "no next header"). Offsets are relative to the network header
 * ({@link Packet}'s convention) and may point past the end of the packet when the last extension header claims
 * more bytes than there are, as the kernel's do: callers check before reading the L4 header. Stateless and
 * thread-safe.
 */
public final class Ipv6Headers {
    /** No header found. */
    public static final long NONE = -1;

    private Ipv6Headers() {
    }

    /** {@code ipv6_ext_hdr}: is {@code nexthdr} an extension header (or "no next header")? */
    public static boolean isExtension(int nexthdr) {
        return nexthdr == IpProto.HOPOPTS || nexthdr == IpProto.ROUTING || nexthdr == IpProto.FRAGMENT
            || nexthdr == IpProto.AH || nexthdr == IpProto.NONE || nexthdr == IpProto.DSTOPTS;
    }

    /**
     * {@code ipv6_skip_exthdr}: skips the extension headers from offset {@code start}, where a header of type
     * {@code nexthdr} begins (40 and the fixed header's next header for a packet's own headers). The result names
     * the first header that is not an extension header and its offset; for a non-first fragment, the fragment
     * header ({@link IpProto#FRAGMENT}) at its offset, with {@link #isLaterFragment} true. {@link #NONE} when the
     * chain ends with "no next header" or a header is cut off.
     */
    public static long skip(Packet p, int start, int nexthdr) {
        return walk(p, start, nexthdr, false);
    }

    /**
     * {@code ipv6_find_hdr} as nftables calls it for the packet's transport header: walks from the fixed header
     * of the IPv6 packet at offset 0; stops at an authentication header (which is then the transport header); for
     * a non-first fragment reports the protocol in its fragment header, with offset 0, unless that is another
     * extension header ({@link #NONE}). {@link #NONE} also when a header is cut off.
     */
    public static long findTransport(Packet p) {
        if (p.length() < 40) {
            return NONE;
        }
        return walk(p, 40, p.u8(6), true);
    }

    /** The protocol of the header the walk stopped at. */
    public static int protocol(long walk) {
        return (int) (walk >>> 32) & 0xff;
    }

    /** The offset of that header from the network header. */
    public static int offset(long walk) {
        return (int) walk;
    }

    /** The last fragment header's offset field as on the wire (offset in 8-byte units and flags), or 0. */
    public static int fragOffset(long walk) {
        return (int) (walk >>> 40) & 0xffff;
    }

    /** Did the walk stop at a non-first fragment (no transport header in this packet)? */
    public static boolean isLaterFragment(long walk) {
        return walk >= 0 && (fragOffset(walk) & ~0x7) != 0;
    }

    private static long result(int protocol, int offset, int fragField) {
        return (long) fragField << 40 | (long) (protocol & 0xff) << 32 | (offset & 0xffffffffL);
    }

    /**
     * The one loop. {@code find}: {@code ipv6_find_hdr}'s differences (authentication header as transport, "no
     * next header" as a result, the routing header's fixed part read, a later fragment named by its next header).
     */
    private static long walk(Packet p, int start, int nexthdr, boolean find) {
        int len = p.length();
        int off = start;
        int nh = nexthdr;
        int frag = 0;
        while (isExtension(nh)) {
            if (nh == IpProto.NONE) {
                return find ? result(nh, off, frag) : NONE;
            }
            if (off + 2 > len) {
                return NONE;
            }
            int hdrlen;
            if (nh == IpProto.FRAGMENT) {
                if (off + 4 > len) {
                    return NONE;
                }
                frag = p.u16(off + 2);
                if ((frag & ~0x7) != 0) {
                    if (!find) {
                        return result(nh, off, frag);
                    }
                    int inner = p.u8(off);
                    return isExtension(inner) && inner != IpProto.NONE ? NONE : result(inner, 0, frag);
                }
                hdrlen = 8;
            } else if (nh == IpProto.AH) {
                if (find) {
                    return result(nh, off, frag);
                }
                hdrlen = (p.u8(off + 1) + 2) << 2;
            } else {
                if (find && nh == IpProto.ROUTING && off + 4 > len) {
                    return NONE;
                }
                hdrlen = (p.u8(off + 1) + 1) << 3;
            }
            nh = p.u8(off);
            off += hdrlen;
        }
        return result(nh, off, frag);
    }
}
