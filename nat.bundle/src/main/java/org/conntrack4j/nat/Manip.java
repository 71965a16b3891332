package org.conntrack4j.nat;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.Ipv6Headers;
import org.conntrack4j.core.nat.NatManip;

/**
 * Rewriting packets after a binding ({@code nf_nat_proto.c}): addresses in the IPv4/IPv6 header, ports (TCP,
 * UDP, UDP-Lite, SCTP, DCCP), ICMP and ICMPv6 query ids, GRE call ids, with the checksums updated incrementally
 * (RFC 1624) as the kernel does, so that a packet that arrived with a bad checksum leaves with a bad one; and ICMP
 * errors, whose quoted packet is translated too ({@code nf_nat_icmp_reply_translation}).
 *
 * <p>Offsets are relative to the packet's network header; {@code iph} is the IP header being rewritten (0, or
 * the quoted header inside an ICMP error). Nothing here allocates. Methods return false where the kernel fails
 * to make the packet writable (too short): the caller drops it.
 */
final class Manip {
    private static final int ICMP_ECHOREPLY = 0;
    private static final int ICMP_REDIRECT = 5;
    private static final int ICMP_ECHO = 8;
    private static final int ICMP_TIMESTAMP = 13;
    private static final int ICMP_ADDRESSREPLY = 18;
    private static final int ICMPV6_ECHO_REQUEST = 128;
    private static final int ICMPV6_ECHO_REPLY = 129;
    private static final int NDISC_REDIRECT = 137;
    /** {@code CSUM_MANGLED_0}: a UDP checksum that comes out as zero is sent as all ones (zero means none). */
    private static final int CSUM_MANGLED_0 = 0xffff;

    private Manip() {
    }

    /**
     * {@code nf_nat_manip_pkt}: makes a packet of direction {@code dir} look like the inverse of the other
     * direction's tuple, on the side {@code mtype} changes.
     */
    static boolean manipPacket(Conntrack net, Packet p, Connection ct, int mtype, int dir) {
        int other = dir ^ 1;
        int proto = ct.protocol();
        boolean icmp = isIcmp(proto);
        // The target tuple is the inverse of the other direction's: its source is that tuple's destination.
        int srcU = icmp ? ct.srcPort(other) : ct.dstPort(other);
        int dstU = ct.srcPort(other);
        if (mtype == NatManip.SRC) {
            return manipIp(net, p, 0, ct.family(), proto, mtype, ct.dstHi(other), ct.dstLo(other), srcU, srcU);
        }
        return manipIp(net, p, 0, ct.family(), proto, mtype, ct.srcHi(other), ct.srcLo(other), dstU, srcU);
    }

    static boolean isIcmp(int proto) {
        return proto == IpProto.ICMP || proto == IpProto.ICMPV6;
    }

    /**
     * Rewrites the IP header at {@code iph} and its L4 header ({@code nf_nat_ipv4_manip_pkt},
     * {@code nf_nat_ipv6_manip_pkt}): the source ({@code mtype} SRC) or destination address becomes
     * {@code (hi, lo)}, the corresponding port {@code port}, an ICMP query id {@code id}. {@code proto} says how to
     * treat the L4 header (the connection's protocol, not the header's).
     */
    static boolean manipIp(Conntrack net, Packet p, int iph, int family, int proto, int mtype, long hi, long lo,
        int port, int id) {
        if (family == Family.IPV4) {
            if (p.length() < iph + 20) {
                return false;
            }
            int hdroff = iph + ((p.u8(iph) & 0x0f) << 2);
            if (!l4Manip(net, p, iph, hdroff, family, proto, mtype, hi, lo, port, id)) {
                return false;
            }
            int addrOff = iph + (mtype == NatManip.SRC ? 12 : 16);
            int old = p.u32(addrOff);
            p.put16(iph + 10, Checksum.replace32(p.u16(iph + 10), old, (int) lo));
            p.put32(addrOff, (int) lo);
            return true;
        }
        if (p.length() < iph + 40) {
            return false;
        }
        long ext = Ipv6Headers.skip(p, iph + 40, p.u8(iph + 6));
        int hdroff = ext < 0 ? -1 : Ipv6Headers.offset(ext);
        int fragOff = ext < 0 ? 0 : Ipv6Headers.fragOffset(ext);
        // A non-first fragment has no L4 header to rewrite; only the addresses change.
        if (hdroff >= 0 && (fragOff & ~0x7) == 0
            && !l4Manip(net, p, iph, hdroff, family, proto, mtype, hi, lo, port, id)) {
            return false;
        }
        int addrOff = iph + (mtype == NatManip.SRC ? 8 : 24);
        p.put32(addrOff, (int) (hi >>> 32));
        p.put32(addrOff + 4, (int) hi);
        p.put32(addrOff + 8, (int) (lo >>> 32));
        p.put32(addrOff + 12, (int) lo);
        return true;
    }

    /** {@code l4proto_manip_pkt}. Unknown protocols pass unchanged. */
    private static boolean l4Manip(Conntrack net, Packet p, int iph, int hdroff, int family, int proto, int mtype,
        long hi, long lo, int port, int id) {
        switch (proto) {
            case IpProto.TCP:
                return portManip(p, iph, hdroff, family, mtype, hi, lo, port, 20, 16);
            case IpProto.UDP:
                return udpManip(p, iph, hdroff, family, mtype, hi, lo, port, false);
            case IpProto.UDPLITE:
                if (!NatEngine.hasPorts(net, family, proto)) {
                    return true;
                }
                return udpManip(p, iph, hdroff, family, mtype, hi, lo, port, true);
            case NatEngine.DCCP:
                if (!NatEngine.hasPorts(net, family, proto)) {
                    return true;
                }
                return portManip(p, iph, hdroff, family, mtype, hi, lo, port, 12, 6);
            case IpProto.SCTP:
                if (!NatEngine.hasPorts(net, family, proto)) {
                    return true;
                }
                return sctpManip(p, hdroff, mtype, port);
            case IpProto.ICMP:
                return icmpManip(p, hdroff, id);
            case IpProto.ICMPV6:
                return icmpv6Manip(p, iph, hdroff, mtype, hi, lo, id);
            case IpProto.GRE:
                return greManip(p, hdroff, mtype, port);
            default:
                return true;
        }
    }

    /**
     * TCP and DCCP ({@code tcp_manip_pkt}, {@code dccp_manip_pkt}): the port is always rewritten (8 bytes are
     * guaranteed, even in a quoted header); the checksum only when the whole {@code full}-byte header is there.
     */
    private static boolean portManip(Packet p, int iph, int hdroff, int family, int mtype, long hi, long lo, int port,
        int full, int checkOff) {
        if (p.length() < hdroff + 8) {
            return false;
        }
        int portOff = hdroff + (mtype == NatManip.SRC ? 0 : 2);
        int old = p.u16(portOff);
        p.put16(portOff, port);
        if (p.length() < hdroff + full) {
            return true;
        }
        int c = pseudoUpdate(p.u16(hdroff + checkOff), p, iph, family, mtype, hi, lo);
        p.put16(hdroff + checkOff, Checksum.replace16(c, old, port));
        return true;
    }

    /** {@code udp_manip_pkt}: a zero UDP checksum means "none" and stays zero (UDP-Lite always has one). */
    private static boolean udpManip(Packet p, int iph, int hdroff, int family, int mtype, long hi, long lo, int port,
        boolean lite) {
        if (p.length() < hdroff + 8) {
            return false;
        }
        int portOff = hdroff + (mtype == NatManip.SRC ? 0 : 2);
        int check = p.u16(hdroff + 6);
        if (lite || check != 0) {
            int c = pseudoUpdate(check, p, iph, family, mtype, hi, lo);
            c = Checksum.replace16(c, p.u16(portOff), port);
            p.put16(hdroff + 6, c == 0 ? CSUM_MANGLED_0 : c);
        }
        p.put16(portOff, port);
        return true;
    }

    /** {@code sctp_manip_pkt}: the port, then the CRC32c over the whole packet when the full header is there. */
    private static boolean sctpManip(Packet p, int hdroff, int mtype, int port) {
        int hdrsize = p.length() >= hdroff + 12 ? 12 : 8;
        if (p.length() < hdroff + hdrsize) {
            return false;
        }
        p.put16(hdroff + (mtype == NatManip.SRC ? 0 : 2), port);
        if (hdrsize < 12) {
            return true;
        }
        // Recomputed whole, whether or not it was right before: a packet with a bad CRC leaves with a good one,
        // as in Linux (an invalid packet has no connection and is not NATed, so only the checksum=0 case sees it).
        p.put32(hdroff + 8, Checksum.sctp(p, hdroff));
        return true;
    }

    /** {@code icmp_manip_pkt}: only queries and their replies carry an id; errors pass unchanged. */
    private static boolean icmpManip(Packet p, int hdroff, int id) {
        if (p.length() < hdroff + 8) {
            return false;
        }
        int type = p.u8(hdroff);
        boolean query = type == ICMP_ECHOREPLY || type == ICMP_ECHO || type >= ICMP_TIMESTAMP && type <= ICMP_ADDRESSREPLY;
        if (!query) {
            return true;
        }
        p.put16(hdroff + 2, Checksum.replace16(p.u16(hdroff + 2), p.u16(hdroff + 4), id));
        p.put16(hdroff + 4, id);
        return true;
    }

    /** {@code icmpv6_manip_pkt}: the checksum covers the pseudo-header; echo messages carry an id. */
    private static boolean icmpv6Manip(Packet p, int iph, int hdroff, int mtype, long hi, long lo, int id) {
        if (p.length() < hdroff + 8) {
            return false;
        }
        int c = pseudoUpdate(p.u16(hdroff + 2), p, iph, Family.IPV6, mtype, hi, lo);
        int type = p.u8(hdroff);
        if (type == ICMPV6_ECHO_REQUEST || type == ICMPV6_ECHO_REPLY) {
            c = Checksum.replace16(c, p.u16(hdroff + 4), id);
            p.put16(hdroff + 4, id);
        }
        p.put16(hdroff + 2, c);
        return true;
    }

    /** {@code gre_manip_pkt}: only PPTP's enhanced GRE (version 1) has a call id, changed by destination NAT. */
    private static boolean greManip(Packet p, int hdroff, int mtype, int key) {
        if (p.length() < hdroff + 8) {
            return false;
        }
        if (mtype != NatManip.DST) {
            return true;
        }
        switch (p.u8(hdroff + 1) & 0x07) {
            case 0:
                return true;
            case 1:
                p.put16(hdroff + 6, key);
                return true;
            default:
                return false;
        }
    }

    /**
     * {@code nf_csum_update}: the L4 checksum after the address in the IP header at {@code iph} (still the old
     * one) changes to {@code (hi, lo)}.
     */
    private static int pseudoUpdate(int check, Packet p, int iph, int family, int mtype, long hi, long lo) {
        if (family == Family.IPV4) {
            return Checksum.replace32(check, p.u32(iph + (mtype == NatManip.SRC ? 12 : 16)), (int) lo);
        }
        int a = iph + (mtype == NatManip.SRC ? 8 : 24);
        return Checksum.replace128(check, p.u64(a), p.u64(a + 8), hi, lo);
    }

    /**
     * The L4 header of an IPv6 packet ({@link Ipv6Headers#skip} from the fixed header) as
     * {@code protocol << 16 | offset}, or -1 when there is none (no next header, truncation). A non-first fragment
     * reports protocol {@link IpProto#FRAGMENT}.
     */
    static int ipv6L4(Packet p) {
        if (p.length() < 40) {
            return -1;
        }
        long w = Ipv6Headers.skip(p, 40, p.u8(6));
        return w < 0 ? -1 : Ipv6Headers.protocol(w) << 16 | Ipv6Headers.offset(w);
    }

    /**
     * {@code nf_nat_icmp_reply_translation} and {@code nf_nat_icmpv6_reply_translation}: an ICMP error RELATED to
     * a NATed connection, at offset {@code hdrlen}. The quoted packet travelled the other way, so it gets the
     * opposite manipulation to the other direction's tuple; the ICMP checksum is then computed afresh (the quote
     * changed); the outer header is translated like any packet of the connection. Errors with a bad checksum
     * are dropped, and redirects for NATed connections too. Returns false to drop.
     */
    static boolean icmpReplyTranslation(Conntrack net, Packet p, Connection ct, int ctinfo, int hook, int hdrlen) {
        boolean v4 = p.family == Family.IPV4;
        int inner = hdrlen + 8;
        if (p.length() < inner + (v4 ? 20 : 40)) {
            return false;
        }
        int icmpLen = p.length() - hdrlen;
        long sum = Checksum.add(p, hdrlen, icmpLen, v4 ? 0 : Checksum.pseudoHeader(p, Family.IPV6, IpProto.ICMPV6,
            icmpLen));
        if (Checksum.fold(sum) != 0xffff) {
            return false;
        }
        int type = p.u8(hdrlen);
        int status = ct.status();
        if (type == (v4 ? ICMP_REDIRECT : NDISC_REDIRECT)) {
            // A redirect is only passed for a connection NAT looked at and left alone.
            if ((status & Status.NAT_DONE_MASK) != Status.NAT_DONE_MASK || (status & Status.NAT_MASK) != 0) {
                return false;
            }
        }
        int manip = NatManip.ofHook(hook);
        int dir = CtInfo.direction(ctinfo);
        int statusbit = manip == NatManip.SRC ? Status.SRC_NAT : Status.DST_NAT;
        if (dir == 1) {
            statusbit ^= Status.NAT_MASK;
        }
        if ((status & statusbit) == 0) {
            return true;
        }
        int other = dir ^ 1;
        int family = ct.family();
        int proto = ct.protocol();
        // The quote: the other direction's tuple as it is, with the opposite manipulation.
        int innerManip = manip ^ 1;
        boolean innerSrc = innerManip == NatManip.SRC;
        if (!manipIp(net, p, inner, family, proto, innerManip,
            innerSrc ? ct.srcHi(other) : ct.dstHi(other), innerSrc ? ct.srcLo(other) : ct.dstLo(other),
            innerSrc ? ct.srcPort(other) : ct.dstPort(other), ct.srcPort(other))) {
            return false;
        }
        p.put16(hdrlen + 2, 0);
        long s = Checksum.add(p, hdrlen, icmpLen, v4 ? 0 : Checksum.pseudoHeader(p, Family.IPV6, IpProto.ICMPV6,
            icmpLen));
        p.put16(hdrlen + 2, ~Checksum.fold(s) & 0xffff);
        // The outer header: like a packet of this direction, with the ICMP protocol.
        boolean outerSrc = manip == NatManip.SRC;
        int outerId = isIcmp(proto) ? ct.srcPort(other) : ct.dstPort(other);
        return manipIp(net, p, 0, family, v4 ? IpProto.ICMP : IpProto.ICMPV6, manip,
            outerSrc ? ct.dstHi(other) : ct.srcHi(other), outerSrc ? ct.dstLo(other) : ct.srcLo(other),
            outerSrc ? outerId : ct.srcPort(other), outerId);
    }
}
