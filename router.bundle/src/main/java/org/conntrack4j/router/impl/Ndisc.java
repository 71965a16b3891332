package org.conntrack4j.router.impl;

import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Checksum;

/**
 * IPv6 neighbour discovery messages (RFC 4861) as the router reads and writes them: neighbour solicitations and
 * advertisements with their link-layer address options. Reading fills this object's fields (one per forwarder, so
 * that reading allocates nothing); writing builds a whole IPv6 packet into a {@link Packet}.
 */
final class Ndisc {
    static final int ROUTER_SOLICITATION = 133;
    static final int NEIGHBOUR_SOLICITATION = 135;
    static final int NEIGHBOUR_ADVERTISEMENT = 136;
    static final int REDIRECT = 137;
    /** Advertisement flags in the first word after the ICMPv6 header. */
    static final int FLAG_ROUTER = 0x8000_0000;
    static final int FLAG_SOLICITED = 0x4000_0000;
    static final int FLAG_OVERRIDE = 0x2000_0000;
    private static final int OPT_SOURCE_LLADDR = 1;
    private static final int OPT_TARGET_LLADDR = 2;
    /** The all-nodes group ff02::1. */
    static final long ALL_NODES_HI = 0xff02_0000_0000_0000L;
    static final long ALL_NODES_LO = 1;
    /** What a message starts from: answering a solicitation allocates nothing. */
    private static final byte[] ZEROS = new byte[40 + 32];

    int type;
    int flags;
    long targetHi;
    long targetLo;
    /** The link-layer address option the message carried (source for a solicitation, target for an advertisement), or -1. */
    long lladdr;

    /**
     * Reads the solicitation or advertisement at {@code l4} of {@code p} with the checks of {@code ndisc_rcv}: hop
     * limit 255, code 0, a whole message, a valid checksum, a unicast target, well-formed options. Returns false for
     * anything else.
     */
    boolean read(Packet p, int l4) {
        int len = p.length() - l4;
        if (len < 24 || p.u8(7) != 255 || p.u8(l4 + 1) != 0 || !Checksum.l4Valid(p, l4, IpProto.ICMPV6)) {
            return false;
        }
        type = p.u8(l4);
        flags = p.u32(l4 + 4);
        targetHi = p.u64(l4 + 8);
        targetLo = p.u64(l4 + 16);
        if (targetHi >>> 56 == 0xff) {
            return false;
        }
        lladdr = -1;
        int want = type == NEIGHBOUR_SOLICITATION ? OPT_SOURCE_LLADDR : OPT_TARGET_LLADDR;
        for (int o = l4 + 24; o < p.length(); ) {
            if (o + 2 > p.length()) {
                return false;
            }
            int olen = p.u8(o + 1) * 8;
            if (olen == 0 || o + olen > p.length()) {
                return false;
            }
            if (p.u8(o) == want && olen == 8) {
                lladdr = (long) p.u16(o + 2) << 32 | p.u32(o + 4) & 0xffff_ffffL;
            }
            o += olen;
        }
        return true;
    }

    /** The solicited-node group of {@code lo}: ff02::1:ff00:0 and its low 24 bits. */
    static long solicitedNodeLo(long lo) {
        return 0x0000_0001_ff00_0000L | lo & 0xff_ffffL;
    }

    static final long SOLICITED_NODE_HI = 0xff02_0000_0000_0000L;

    /** A neighbour solicitation for the target, with our link address as the source option (when {@code mac >= 0}). */
    static void solicitation(Packet out, long srcHi, long srcLo, long dstHi, long dstLo, long tgtHi, long tgtLo,
        long mac) {
        message(out, NEIGHBOUR_SOLICITATION, 0, srcHi, srcLo, dstHi, dstLo, tgtHi, tgtLo, OPT_SOURCE_LLADDR, mac);
    }

    /** A neighbour advertisement for the target with {@code flags}, with our link address as the target option (when {@code mac >= 0}). */
    static void advertisement(Packet out, long srcHi, long srcLo, long dstHi, long dstLo, long tgtHi, long tgtLo,
        int flags, long mac) {
        message(out, NEIGHBOUR_ADVERTISEMENT, flags, srcHi, srcLo, dstHi, dstLo, tgtHi, tgtLo, OPT_TARGET_LLADDR, mac);
    }

    private static void message(Packet out, int type, int flags, long srcHi, long srcLo, long dstHi, long dstLo,
        long tgtHi, long tgtLo, int option, long mac) {
        int l4len = 24 + (mac >= 0 ? 8 : 0);
        out.reset().load(ZEROS, 0, 40 + l4len, 64);
        IpOut.ipv6Header(out, 0, 0, 255, IpProto.ICMPV6, srcHi, srcLo, dstHi, dstLo, l4len);
        out.put8(40, type);
        out.put8(41, 0);
        out.put32(44, flags);
        out.put32(48, (int) (tgtHi >>> 32));
        out.put32(52, (int) tgtHi);
        out.put32(56, (int) (tgtLo >>> 32));
        out.put32(60, (int) tgtLo);
        if (mac >= 0) {
            out.put8(64, option);
            out.put8(65, 1);
            out.put16(66, (int) (mac >>> 32));
            out.put32(68, (int) mac);
        }
        IpOut.l4Checksum(out, 40, IpProto.ICMPV6, 42);
    }
}
