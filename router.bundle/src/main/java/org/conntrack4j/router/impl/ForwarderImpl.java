package org.conntrack4j.router.impl;

import java.io.IOException;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.router.Egress;
import org.conntrack4j.router.Fate;
import org.conntrack4j.router.Forwarder;
import org.conntrack4j.router.Result;

/**
 * One thread's forwarding path through its router: for every received frame, the IP layer's checks, PRE_ROUTING,
 * the routing decision ({@link Routes}), then either forwarding (TTL / hop limit, FORWARD, POST_ROUTING, out on
 * the Ethernet link to the neighbour) or local delivery (LOCAL_IN, the host's answer through LOCAL_OUT and
 * POST_ROUTING).
 *
 * <p>Fragments: the engine's defragmentation (priority -400) holds fragments until their datagram is
 * complete and says so on the packet ({@link Packet#defrag}); a held frame is reported as {@link Result#held},
 * and the frame that completes the datagram names every frame it was built from ({@link Result#absorbed}, from
 * the cookies the router gave the frames, {@link Packet#fragCookies}), all of which share the datagram's
 * verdict. Before
 * forwarding, a packet bigger than the outgoing link's MTU with DF set (IPv6: always; for a rebuilt datagram:
 * when its largest fragment exceeds the MTU) is dropped with an ICMP fragmentation-needed / packet-too-big
 * carrying the MTU ({@code ip_forward}, {@code ip6_forward}); on the way out a packet is cut into fragments
 * as the kernel's output does ({@link IpFragmenter}).
 *
 * <p>Used by one thread. It reuses two packets (the received one and the one it originates), and reports with
 * constants ({@link Fate}), so the forwarding path allocates nothing (measured by the JMH {@code RouterBenchmark}
 * with {@code -prof gc}).
 */
final class ForwarderImpl implements Forwarder {
    /** Ethertypes. */
    private static final int ETH_P_IP = 0x0800;
    private static final int ETH_P_IPV6 = 0x86dd;
    private static final int ETH_P_8021Q = 0x8100;
    private static final int ETH_P_8021AD = 0x88a8;
    private static final int ETH_HLEN = 14;

    private final RouterImpl router;
    private final Conntrack net;
    private final NetDevice[] ports;
    private final Egress egress;
    private final LocalStack local;
    private final Packet pkt = new Packet(65536 + 128);
    private final Packet own = new Packet(2048);
    private final Packet ownErr = new Packet(2048);
    private final byte[] frameOut = new byte[65536 + 64];
    private final IpFragmenter fragmenter = new IpFragmenter(frameOut, ETH_HLEN);
    /** Where {@link #emit} sends the fragment in {@link #frameOut}, and when. */
    private NetDevice emitDev;
    private long emitTstamp;
    private int emitType;
    private final IpFragmenter.Emitter emitter = this::emit;

    ForwarderImpl(RouterImpl router, Egress egress) {
        this.router = router;
        this.net = router.net;
        this.ports = router.ports;
        this.egress = egress;
        this.local = new LocalStack(router.icmpLimit);
    }

    @Override
    public void receive(String iface, int linkType, byte[] frame, int off, int len, long nanos, long tag,
        Result result) throws IOException {
        int port = router.port(iface);
        if (port < 0) {
            result.clear();
            result.note = "unknown interface " + iface;
            result.fate = Fate.UNKNOWN_INTERFACE;
            return;
        }
        receive(port, linkType, frame, off, len, nanos, tag, result);
    }

    @Override
    public void receive(int port, int linkType, byte[] frame, int off, int len, long nanos, long tag, Result result)
        throws IOException {
        result.clear();
        if (port < 0 || port >= ports.length) {
            result.note = "unknown interface " + port;
            result.fate = Fate.UNKNOWN_INTERFACE;
            return;
        }
        NetDevice in = ports[port];
        int l3 = l3Offset(linkType, frame, off, len);
        if (l3 < 0) {
            result.note = l3 == -2 ? "not an IPv4 or IPv6 frame" : "frame too short";
            result.fate = Fate.NOT_IP;
            return;
        }
        pkt.reset();
        pkt.load(frame, off + l3, len - l3, 64);
        String bad = IpHeaders.validate(pkt);
        if (bad != null) {
            result.note = bad;
            result.fate = Fate.IP_LAYER;
            return;
        }
        pkt.tstamp = nanos;
        pkt.in = in;
        pkt.cookie = tag;
        int v = net.packets().runHook(Hook.PRE_ROUTING, pkt);
        if (pkt.defrag == Packet.DEFRAG_HELD || pkt.defrag == Packet.DEFRAG_DROPPED) {
            // Defragmentation took it (a fragment held, or one it consumed) or dropped it: conntrack never saw it.
            if (pkt.defrag == Packet.DEFRAG_HELD) {
                result.held = true;
                result.fate = Fate.HELD;
            } else {
                result.note = "fragment dropped by defragmentation";
                result.fate = Fate.DROPPED_PREROUTING;
            }
            return;
        }
        record(pkt, result);
        if (pkt.defrag == Packet.DEFRAG_REBUILT) {
            if (result.absorbed.length < pkt.fragCount) {
                result.absorbed = new long[Math.max(pkt.fragCount, 2 * result.absorbed.length)];
            }
            System.arraycopy(pkt.fragCookies, 0, result.absorbed, 0, pkt.fragCount);
            result.absorbedCount = pkt.fragCount;
        }
        if (v != Verdict.ACCEPT) {
            result.fate = Fate.DROPPED_PREROUTING;
            return;
        }
        if (router.isLocal(pkt.family, dstHi(pkt), dstLo(pkt))) {
            deliverLocal(pkt, in, result);
            return;
        }
        NetDevice out = route(pkt.family, dstHi(pkt), dstLo(pkt));
        if (out == null) {
            sendError(pkt, in, pkt.family == Family.IPV4 ? LocalStack.ICMP_DEST_UNREACH : LocalStack.ICMPV6_DEST_UNREACH,
                pkt.family == Family.IPV4 ? LocalStack.ICMP_NET_UNREACH : LocalStack.ICMPV6_NOROUTE, 0);
            result.fate = Fate.NO_ROUTE;
            return;
        }
        forward(pkt, in, out, result);
    }

    private static void record(Packet p, Result r) {
        boolean hasCt = p.ct != null;
        r.ctState = CtInfo.stateName(hasCt, p.ctinfo);
        r.ctDir = hasCt ? (CtInfo.direction(p.ctinfo) == 0 ? "original" : "reply") : "none";
        r.logReason = p.logReason;
        r.logProto = p.logProto;
    }

    /** {@code ip_forward} / {@code ip6_forward}. */
    private void forward(Packet p, NetDevice in, NetDevice out, Result result) throws IOException {
        if (p.family == Family.IPV4) {
            if (p.u8(8) <= 1) {
                sendError(p, in, LocalStack.ICMP_TIME_EXCEEDED, 0, 0);
                result.fate = Fate.TTL_EXCEEDED;
                return;
            }
            int mtu = out.mtu();
            if (exceedsMtu(p, mtu)) {
                sendError(p, in, LocalStack.ICMP_DEST_UNREACH, LocalStack.ICMP_FRAG_NEEDED, mtu);
                result.fate = Fate.FRAGMENTATION_NEEDED;
                result.mtu = mtu;
                return;
            }
            IpOut.decreaseTtl(p);
        } else {
            if (p.u8(7) <= 1) {
                sendError(p, in, LocalStack.ICMPV6_TIME_EXCEED, 0, 0);
                result.fate = Fate.HOP_LIMIT_EXCEEDED;
                return;
            }
            int mtu = Math.max(out.mtu(), IpFragmenter.IPV6_MIN_MTU);
            if (tooBig6(p, mtu)) {
                sendError(p, in, LocalStack.ICMPV6_PKT_TOOBIG, 0, mtu);
                result.fate = Fate.PACKET_TOO_BIG;
                result.mtu = mtu;
                return;
            }
            p.put8(7, p.u8(7) - 1);
        }
        p.out = out;
        if (net.packets().runHook(Hook.FORWARD, p) != Verdict.ACCEPT) {
            result.fate = Fate.DROPPED_FORWARD;
            return;
        }
        if (p.family == Family.IPV4) {
            IpOut.recordRoute(p, out);
        }
        if (net.packets().runHook(Hook.POST_ROUTING, p) != Verdict.ACCEPT) {
            result.fate = Fate.DROPPED_POSTROUTING;
            return;
        }
        transmit(p, out, false);
        result.fate = Fate.FORWARDED;
        result.out = out;
    }

    /**
     * {@code ip_exceeds_mtu}: only a packet with DF set is refused; a rebuilt datagram is refused when one of
     * its fragments was bigger than the MTU, and otherwise goes on to be fragmented again ({@code ignore_df}).
     */
    private static boolean exceedsMtu(Packet p, int mtu) {
        if (p.length() <= mtu || (p.u16(6) & 0x4000) == 0) {
            return false;
        }
        return p.fragMaxSize > mtu || p.fragMaxSize == 0;
    }

    /** {@code ip6_pkt_too_big}: routers never fragment IPv6, except a rebuilt datagram whose fragments fit. */
    private static boolean tooBig6(Packet p, int mtu) {
        if (p.length() <= mtu) {
            return false;
        }
        return p.fragMaxSize == 0 || p.fragMaxSize > mtu;
    }

    private void deliverLocal(Packet p, NetDevice in, Result result) throws IOException {
        p.out = null;
        if (net.packets().runHook(Hook.LOCAL_IN, p) != Verdict.ACCEPT) {
            result.fate = Fate.DROPPED_INPUT;
            return;
        }
        result.fate = Fate.DELIVERED;
        if (local.answer(p, own, net.now(), net.clock().hz())) {
            output(own, p.tstamp);
        }
    }

    /** A locally generated packet: LOCAL_OUT, routing, POST_ROUTING, out. */
    private void output(Packet o, long tstamp) throws IOException {
        o.tstamp = tstamp;
        o.in = null;
        o.out = null;
        NetDevice out = route(o.family, dstHi(o), dstLo(o));
        if (out == null) {
            return;
        }
        o.out = out;
        if (net.packets().runHook(Hook.LOCAL_OUT, o) != Verdict.ACCEPT) {
            return;
        }
        // DNAT in LOCAL_OUT may have changed the destination.
        NetDevice out2 = route(o.family, dstHi(o), dstLo(o));
        if (out2 == null) {
            return;
        }
        o.out = out2;
        if (net.packets().runHook(Hook.POST_ROUTING, o) != Verdict.ACCEPT) {
            return;
        }
        transmit(o, out2, true);
    }

    /** Sends an ICMP error about {@code about}, from the address facing its sender. */
    private void sendError(Packet about, NetDevice in, int type, int code, int info) throws IOException {
        long sHi = srcHi(about);
        long sLo = srcLo(about);
        NetDevice back = route(about.family, sHi, sLo);
        long[] src = LocalStack.sourceFor(back != null ? back : in, about.family, sHi, sLo);
        if (src == null) {
            return;
        }
        if (local.error(about, ownErr, type, code, info, src, net.now(), net.clock().hz())) {
            // nf_ct_attach: the error belongs to the offending packet's connection, the other way round, so that
            // NAT translates it back and conntrack_local leaves it alone.
            if (about.ct != null) {
                ownErr.ct = about.ct;
                ownErr.ctinfo = CtInfo.direction(about.ctinfo) == 0 ? CtInfo.RELATED_REPLY : CtInfo.RELATED;
            }
            output(ownErr, about.tstamp);
        }
    }

    /**
     * Sends the packet out on {@code out}, in fragments when it does not fit the MTU or was rebuilt from
     * fragments ({@code ip_finish_output} / {@code ip6_finish_output}). {@code local}: originated by the router
     * (IPv6 lets the stack fragment it).
     */
    private void transmit(Packet p, NetDevice out, boolean local) throws IOException {
        int mtu = out.mtu();
        int n = p.length();
        if (p.family == Family.IPV4 && (n > mtu || p.fragMaxSize != 0)) {
            // ip_fragment: DF forbids cutting, unless the datagram was rebuilt from fragments that all fit.
            if ((p.u16(6) & 0x4000) != 0 && (p.fragMaxSize == 0 || p.fragMaxSize > mtu)) {
                sendError(p, p.in, LocalStack.ICMP_DEST_UNREACH, LocalStack.ICMP_FRAG_NEEDED, mtu);
                return;
            }
            startEmit(out, p.tstamp, ETH_P_IP);
            fragmenter.fragmentV4(p, mtu, emitter);
            return;
        }
        if (p.family == Family.IPV6 && (n > mtu || p.fragMaxSize != 0 && n > p.fragMaxSize)) {
            startEmit(out, p.tstamp, ETH_P_IPV6);
            int r = fragmenter.fragmentV6(p, mtu, local || p.fragMaxSize != 0, emitter);
            if (r < 0 && r != Integer.MIN_VALUE) {
                sendError(p, p.in, LocalStack.ICMPV6_PKT_TOOBIG, 0, -r);
            }
            return;
        }
        startEmit(out, p.tstamp, p.family == Family.IPV6 ? ETH_P_IPV6 : ETH_P_IP);
        p.copyOut(0, frameOut, ETH_HLEN, n);
        emit(n);
    }

    private void startEmit(NetDevice out, long tstamp, int ethertype) {
        emitDev = out;
        emitTstamp = tstamp;
        emitType = ethertype;
    }

    /** Sends the IP packet of {@code ipLength} bytes in {@link #frameOut} as an Ethernet frame. */
    private void emit(int ipLength) throws IOException {
        if (!emitDev.copyPeerMac(frameOut, 0)) {
            java.util.Arrays.fill(frameOut, 0, 6, (byte) 0);
        }
        emitDev.copyMac(frameOut, 6);
        frameOut[12] = (byte) (emitType >>> 8);
        frameOut[13] = (byte) emitType;
        egress.send(emitDev.index() - 1, emitTstamp, frameOut, 0, ETH_HLEN + ipLength);
    }

    /** The interface the routing table sends the destination to, or null (no route). */
    NetDevice route(int family, long hi, long lo) {
        int port = router.routes.port(family, hi, lo);
        return port < 0 ? null : ports[port];
    }

    private static long dstHi(Packet p) {
        return p.family == Family.IPV4 ? 0 : p.u64(24);
    }

    private static long dstLo(Packet p) {
        return p.family == Family.IPV4 ? p.u32(16) & 0xffffffffL : p.u64(32);
    }

    private static long srcHi(Packet p) {
        return p.family == Family.IPV4 ? 0 : p.u64(8);
    }

    private static long srcLo(Packet p) {
        return p.family == Family.IPV4 ? p.u32(12) & 0xffffffffL : p.u64(16);
    }

    /** Offset of the IP header in the frame, -1 if too short, -2 if not IP. */
    static int l3Offset(int linkType, byte[] f, int off, int len) {
        switch (linkType) {
            case LINKTYPE_RAW:
            case LINKTYPE_IPV4:
            case LINKTYPE_IPV6:
                return len > 0 ? 0 : -1;
            case LINKTYPE_ETHERNET:
                break;
            default:
                return -2;
        }
        if (len < ETH_HLEN) {
            return -1;
        }
        int pos = 12;
        int type = (f[off + pos] & 0xff) << 8 | (f[off + pos + 1] & 0xff);
        while (type == ETH_P_8021Q || type == ETH_P_8021AD) {
            pos += 4;
            if (pos + 2 > len) {
                return -1;
            }
            type = (f[off + pos] & 0xff) << 8 | (f[off + pos + 1] & 0xff);
        }
        if (type != ETH_P_IP && type != ETH_P_IPV6) {
            return -2;
        }
        return pos + 2;
    }
}
