package org.conntrack4j.router.impl;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.router.PeerSegments;
import org.conntrack4j.router.RouterSocket;

/**
 * What the router's own IP stack answers, as a Linux host with the sockets it is given ({@link RouterSocket}: a UDP
 * datagram for one is taken in silently, a TCP listener's connections are {@link LocalTcp}'s): echo requests get
 * echo replies; UDP to other ports gets ICMP port unreachable; TCP to other ports gets a reset (unless it is one);
 * other protocols get
 * protocol unreachable (ICMPv6: parameter problem); ICMP errors and replies are consumed. Also builds the
 * ICMP errors the forwarding path sends (time exceeded, unreachable, fragmentation needed / packet too big).
 * Used by one forwarder's thread; the rate limit is the router's, shared.
 */
final class LocalStack {
    static final int ICMP_ECHOREPLY = 0;
    static final int ICMP_DEST_UNREACH = 3;
    static final int ICMP_ECHO = 8;
    static final int ICMP_TIME_EXCEEDED = 11;
    static final int ICMP_NET_UNREACH = 0;
    static final int ICMP_HOST_UNREACH = 1;
    static final int ICMP_PROT_UNREACH = 2;
    static final int ICMP_PORT_UNREACH = 3;
    static final int ICMP_FRAG_NEEDED = 4;
    static final int ICMPV6_DEST_UNREACH = 1;
    static final int ICMPV6_PKT_TOOBIG = 2;
    static final int ICMPV6_TIME_EXCEED = 3;
    static final int ICMPV6_PARAMPROB = 4;
    static final int ICMPV6_ECHO_REQUEST = 128;
    static final int ICMPV6_ECHO_REPLY = 129;
    static final int ICMPV6_NOROUTE = 0;
    static final int ICMPV6_NOT_NEIGHBOUR = 2;
    static final int ICMPV6_ADDR_UNREACH = 3;
    static final int ICMPV6_PORT_UNREACH = 4;
    static final int ICMPV6_UNK_NEXTHDR = 1;
    /** Linux's ICMPv4 errors quote the offending packet up to a 576-byte error. */
    private static final int ICMP_MAX_QUOTE = 576 - 20 - 8;
    /** ICMPv6 errors fill up to the minimum IPv6 MTU. */
    private static final int ICMPV6_MAX_QUOTE = 1280 - 40 - 8;

    private final RateLimiter limiter;
    private final RouterSocket[] sockets;
    /** TCP for the router's listeners. */
    final LocalTcp tcp;
    private int nextId = 1;

    LocalStack(RateLimiter limiter, RouterSocket[] sockets, PeerSegments peers, long[] stats) {
        this.limiter = limiter;
        this.sockets = sockets;
        this.tcp = new LocalTcp(sockets, peers, stats);
    }

    /** Is a UDP socket of the router's own bound where the datagram goes (then it is taken in, unanswered)? */
    private boolean udpTaken(Packet in, int l4) {
        if (in.length() - l4 < 4) {
            return false;
        }
        long hi = in.family == Family.IPV4 ? 0 : in.u64(24);
        long lo = in.family == Family.IPV4 ? in.u32(16) & 0xffffffffL : in.u64(32);
        for (RouterSocket s : sockets) {
            if (s.takes(IpProto.UDP, in.family, hi, lo, in.u16(l4 + 2))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The answer to a packet delivered to the router, written into {@code out}, or false if there is none.
     * {@code now}/{@code hz} drive the ICMP error rate limit; {@code mtu} is the link's the packet came by (the MSS
     * a TCP listener advertises), {@code nanos} the feeder's clock (TCP timestamps).
     */
    boolean answer(Packet in, Packet out, long now, int hz, int mtu, long nanos) {
        int l4 = l4Offset(in);
        if (l4 < 0) {
            return false;
        }
        int proto = in.family == Family.IPV4 ? in.u8(9) : l4Proto(in);
        if (in.family == Family.IPV4) {
            if (isBroadcastOrMulticast(in.u32(16))) {
                return false;
            }
            switch (proto) {
                case IpProto.ICMP:
                    return in.length() - l4 >= 8 && in.u8(l4) == ICMP_ECHO && echoReply(in, out, l4, 0, 0);
                case IpProto.UDP:
                    return !udpTaken(in, l4)
                        && error(in, out, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, srcOf(in), now, hz, true);
                case IpProto.TCP:
                    return tcp.listening(in, l4) ? tcp.segment(in, l4, out, mtu, nanos) : tcpReset(in, out, l4);
                default:
                    return error(in, out, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0, srcOf(in), now, hz, true);
            }
        }
        if ((in.u8(24) & 0xff) == 0xff) {
            // icmpv6_echo_reply (echo_ignore_multicast 0): a group the router is in is answered, from the address
            // routing picks for the sender; nothing else sent to a group gets an answer
            if (proto != IpProto.ICMPV6 || in.length() - l4 < 8 || in.u8(l4) != ICMPV6_ECHO_REQUEST
                || !joined(in.in, in.u64(24), in.u64(32))) {
                return false;
            }
            long[] src = sourceFor(in.in, Family.IPV6, in.u64(8), in.u64(16));
            return src != null && echoReply(in, out, l4, src[0], src[1]);
        }
        switch (proto) {
            case IpProto.ICMPV6:
                return in.length() - l4 >= 8 && in.u8(l4) == ICMPV6_ECHO_REQUEST
                    && echoReply(in, out, l4, in.u64(24), in.u64(32));
            case IpProto.UDP:
                return !udpTaken(in, l4)
                    && error(in, out, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0, srcOf(in), now, hz, true);
            case IpProto.TCP:
                return tcp.listening(in, l4) ? tcp.segment(in, l4, out, mtu, nanos) : tcpReset(in, out, l4);
            case IpProto.NONE:
                return false;
            default:
                return error(in, out, ICMPV6_PARAMPROB, ICMPV6_UNK_NEXTHDR, nextHeaderPointer(in), srcOf(in), now, hz, true);
        }
    }

    /** The address the router answers from: the one the packet was sent to. */
    private static long[] srcOf(Packet in) {
        return in.family == Family.IPV4 ? new long[] {0, in.u32(16) & 0xffffffffL}
            : new long[] {in.u64(24), in.u64(32)};
    }

    private static boolean isBroadcastOrMulticast(int dst) {
        return dst == -1 || (dst >>> 28) == 0xe;
    }

    static int l4Offset(Packet p) {
        if (p.family == Family.IPV4) {
            if ((p.u16(6) & 0x1fff) != 0) {
                return -1;
            }
            return (p.u8(0) & 0x0f) << 2;
        }
        int off = 40;
        int nh = p.u8(6);
        for (int i = 0; i < 16 && isExt(nh); i++) {
            if (off + 2 > p.length()) {
                return -1;
            }
            int len = nh == IpProto.FRAGMENT ? 8 : nh == IpProto.AH ? (p.u8(off + 1) + 2) << 2 : (p.u8(off + 1) + 1) << 3;
            nh = p.u8(off);
            off += len;
        }
        return off <= p.length() ? off : -1;
    }

    static int l4Proto(Packet p) {
        int off = 40;
        int nh = p.u8(6);
        for (int i = 0; i < 16 && isExt(nh) && off + 2 <= p.length(); i++) {
            int len = nh == IpProto.FRAGMENT ? 8 : nh == IpProto.AH ? (p.u8(off + 1) + 2) << 2 : (p.u8(off + 1) + 1) << 3;
            nh = p.u8(off);
            off += len;
        }
        return nh;
    }

    /** Offset of the next-header field naming the unknown protocol (for the parameter problem pointer). */
    private static int nextHeaderPointer(Packet p) {
        int field = 6;
        int off = 40;
        int nh = p.u8(6);
        for (int i = 0; i < 16 && isExt(nh) && off + 2 <= p.length(); i++) {
            field = off;
            int len = nh == IpProto.FRAGMENT ? 8 : nh == IpProto.AH ? (p.u8(off + 1) + 2) << 2 : (p.u8(off + 1) + 1) << 3;
            nh = p.u8(off);
            off += len;
        }
        return field;
    }

    private static boolean isExt(int h) {
        return h == IpProto.HOPOPTS || h == IpProto.ROUTING || h == IpProto.FRAGMENT || h == IpProto.AH
            || h == IpProto.DSTOPTS;
    }

    private int nextId() {
        int id = nextId;
        nextId = (nextId + 1) & 0xffff;
        return id;
    }

    /**
     * Is the router in the IPv6 group on {@code dev}: all nodes, all routers (link and site scope: it forwards),
     * the solicited-node group of one of the device's addresses?
     */
    static boolean joined(NetDevice dev, long hi, long lo) {
        if (hi == Ndisc.ALL_NODES_HI && (lo == 1 || lo == 2) || hi == 0xff05_0000_0000_0000L && lo == 2) {
            return true;
        }
        if (hi != Ndisc.SOLICITED_NODE_HI || dev == null) {
            return false;
        }
        for (int i = 0; i < dev.addressCount(); i++) {
            NetDevice.IfAddr a = dev.address(i);
            if (a.family == Family.IPV6 && Ndisc.solicitedNodeLo(a.lo) == lo) {
                return true;
            }
        }
        return false;
    }

    /** Echo reply: same identifier, sequence and data, back to the sender (Linux's {@code icmp_reply}). */
    private boolean echoReply(Packet in, Packet out, int l4, long srcHi, long srcLo) {
        int dataLen = in.length() - l4;
        if (in.family == Family.IPV4) {
            int total = 20 + dataLen;
            out.reset().load(new byte[total], 0, total, 64);
            out.copyIn(20, in.array(), in.head() + l4, dataLen);
            IpOut.ipv4Header(out, in.u8(1), nextId(), false, IpOut.DEFAULT_TTL, IpProto.ICMP, in.u32(16) & 0xffffffffL,
                in.u32(12) & 0xffffffffL, dataLen);
            out.put8(20, ICMP_ECHOREPLY);
            IpOut.icmpChecksum(out, 20);
            return true;
        }
        int total = 40 + dataLen;
        out.reset().load(new byte[total], 0, total, 64);
        out.copyIn(40, in.array(), in.head() + l4, dataLen);
        IpOut.ipv6Header(out, (in.u32(0) >>> 20) & 0xff, 0, IpOut.DEFAULT_TTL, IpProto.ICMPV6, srcHi, srcLo,
            in.u64(8), in.u64(16), dataLen);
        out.put8(40, ICMPV6_ECHO_REPLY);
        IpOut.l4Checksum(out, 40, IpProto.ICMPV6, 42);
        return true;
    }

    /**
     * {@code tcp_v4_send_reset} / {@code tcp_v6_send_reset} for a segment to a port with no listener (or an ACK a
     * listener has no request for).
     */
    static boolean tcpReset(Packet in, Packet out, int l4) {
        if (in.length() - l4 < 20) {
            return false;
        }
        int flags = in.u8(l4 + 13);
        if ((flags & 0x04) != 0) {
            return false;
        }
        int doff = (in.u8(l4 + 12) >>> 4) << 2;
        int dataLen = Math.max(0, in.length() - l4 - doff);
        boolean ack = (flags & 0x10) != 0;
        int seq = ack ? in.u32(l4 + 8) : 0;
        int ackSeq = ack ? 0 : in.u32(l4 + 4) + ((flags & 0x02) != 0 ? 1 : 0) + ((flags & 0x01) != 0 ? 1 : 0) + dataLen;
        int ipLen = in.family == Family.IPV4 ? 20 : 40;
        int total = ipLen + 20;
        out.reset().load(new byte[total], 0, total, 64);
        out.put16(ipLen, in.u16(l4 + 2));
        out.put16(ipLen + 2, in.u16(l4));
        out.put32(ipLen + 4, seq);
        out.put32(ipLen + 8, ackSeq);
        out.put8(ipLen + 12, 5 << 4);
        out.put8(ipLen + 13, ack ? 0x04 : 0x14);
        out.put16(ipLen + 14, 0);
        out.put16(ipLen + 18, 0);
        if (in.family == Family.IPV4) {
            IpOut.ipv4Header(out, in.u8(1), 0, true, IpOut.DEFAULT_TTL, IpProto.TCP, in.u32(16) & 0xffffffffL,
                in.u32(12) & 0xffffffffL, 20);
        } else {
            IpOut.ipv6Header(out, (in.u32(0) >>> 20) & 0xff, 0, IpOut.DEFAULT_TTL, IpProto.TCP, in.u64(24), in.u64(32),
                in.u64(8), in.u64(16), 20);
        }
        IpOut.l4Checksum(out, ipLen, IpProto.TCP, ipLen + 16);
        return true;
    }

    /**
     * Builds an ICMP / ICMPv6 error about {@code in}, sent from {@code src} (hi, lo) to {@code in}'s source,
     * quoting as much of {@code in} as Linux does. {@code info} is the MTU for fragmentation-needed / packet
     * too big, the pointer for a parameter problem. Returns false when Linux would not send one: the offending
     * packet is itself an ICMP error, a fragment other than the first, or sent to/from a broadcast or
     * multicast address, or the rate limit says no ({@code rateLimit}: whether the per-destination limit applies;
     * Linux's does not to an error for the router itself).
     */
    boolean error(Packet in, Packet out, int type, int code, int info, long[] src, long now, int hz,
        boolean rateLimit) {
        if (in.family == Family.IPV4) {
            int saddr = in.u32(12);
            if (isBroadcastOrMulticast(in.u32(16)) || isBroadcastOrMulticast(saddr) || saddr == 0) {
                return false;
            }
            if ((in.u16(6) & 0x1fff) != 0) {
                return false;
            }
            int l4 = (in.u8(0) & 0x0f) << 2;
            if (in.u8(9) == IpProto.ICMP && in.length() >= l4 + 1 && isIcmpError(in.u8(l4))) {
                return false;
            }
            boolean limited = type == ICMP_DEST_UNREACH && code != ICMP_FRAG_NEEDED || type == ICMP_TIME_EXCEEDED
                || type == 4 || type == 12;
            if (limited && rateLimit && !limiter.allow(Addr.toText(Family.IPV4, 0, saddr & 0xffffffffL), now, hz)) {
                return false;
            }
            int quote = Math.min(in.length(), ICMP_MAX_QUOTE);
            int total = 20 + 8 + quote;
            out.reset().load(new byte[total], 0, total, 64);
            out.copyIn(28, in.array(), in.head(), quote);
            IpOut.ipv4Header(out, (in.u8(1) & 0x1e) | 0xc0, nextId(), false, IpOut.DEFAULT_TTL, IpProto.ICMP, src[1],
                saddr & 0xffffffffL, 8 + quote);
            out.put8(20, type);
            out.put8(21, code);
            out.put32(24, type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED ? info & 0xffff
                : type == 12 ? info << 24 : 0);
            IpOut.icmpChecksum(out, 20);
            return true;
        }
        if ((in.u8(24) & 0xff) == 0xff && type != ICMPV6_PKT_TOOBIG && !(type == ICMPV6_PARAMPROB && code == 2)) {
            return false;
        }
        if ((in.u8(8) & 0xff) == 0xff || in.u64(8) == 0 && in.u64(16) == 0) {
            return false;
        }
        int l4 = l4Offset(in);
        if (l4 >= 0 && l4Proto(in) == IpProto.ICMPV6 && in.length() > l4 && in.u8(l4) < 128) {
            return false;
        }
        if (type != ICMPV6_PKT_TOOBIG && rateLimit
            && !limiter.allow(Addr.toText(Family.IPV6, in.u64(8), in.u64(16)), now, hz / 4)) {
            return false;
        }
        int quote = Math.min(in.length(), ICMPV6_MAX_QUOTE);
        int total = 40 + 8 + quote;
        out.reset().load(new byte[total], 0, total, 64);
        out.copyIn(48, in.array(), in.head(), quote);
        IpOut.ipv6Header(out, 0, 0, IpOut.DEFAULT_TTL, IpProto.ICMPV6, src[0], src[1], in.u64(8), in.u64(16), 8 + quote);
        out.put8(40, type);
        out.put8(41, code);
        out.put32(44, type == ICMPV6_PKT_TOOBIG || type == ICMPV6_PARAMPROB ? info : 0);
        IpOut.l4Checksum(out, 40, IpProto.ICMPV6, 42);
        return true;
    }

    private static boolean isIcmpError(int type) {
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    }

    /** The address of {@code dev} to answer {@code dst} from (the one on its prefix, else the first). */
    static long[] sourceFor(NetDevice dev, int family, long dstHi, long dstLo) {
        NetDevice.IfAddr a = dev == null ? null : dev.selectSource(family, dstHi, dstLo);
        return a == null ? null : new long[] {a.hi, a.lo};
    }
}
