package org.conntrack4j.replay.router;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.LocalOutput;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.IpHeaders;

/**
 * A Linux router around one engine: for every received frame, the IP layer's checks, PRE_ROUTING, the
 * routing decision from the interfaces' connected prefixes, then either forwarding (TTL / hop limit,
 * FORWARD, POST_ROUTING, out on the Ethernet link to the static neighbour) or local delivery (LOCAL_IN, the
 * host's answer through LOCAL_OUT and POST_ROUTING).
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
 * <p>Single-threaded: a router processes its capture in order. It reuses two packets (the received one and
 * the one it originates), and reports with constants ({@link Fate}), so the forwarding path allocates nothing
 * (measured by the JMH {@code RouterBenchmark} with {@code -prof gc}).
 */
public final class Router {
    /** Ethertypes. */
    private static final int ETH_P_IP = 0x0800;
    private static final int ETH_P_IPV6 = 0x86dd;
    private static final int ETH_P_8021Q = 0x8100;
    private static final int ETH_P_8021AD = 0x88a8;
    private static final int ETH_HLEN = 14;
    /** Pcap link types this router reads. */
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int LINKTYPE_RAW = 101;
    public static final int LINKTYPE_IPV4 = 228;
    public static final int LINKTYPE_IPV6 = 229;

    /** What finally became of a received packet; constant words, so that reporting it allocates nothing. */
    public enum Fate {
        NONE("-"),
        UNKNOWN_INTERFACE("dropped: unknown interface"),
        NOT_IP("dropped: not IP"),
        IP_LAYER("dropped by the IP layer"),
        HELD("held for reassembly"),
        DROPPED_PREROUTING("dropped in prerouting"),
        NO_ROUTE("dropped: no route"),
        TTL_EXCEEDED("dropped: ttl exceeded"),
        FRAGMENTATION_NEEDED("dropped: fragmentation needed"),
        HOP_LIMIT_EXCEEDED("dropped: hop limit exceeded"),
        PACKET_TOO_BIG("dropped: packet too big"),
        DROPPED_FORWARD("dropped in forward"),
        DROPPED_POSTROUTING("dropped in postrouting"),
        FORWARDED("forwarded to"),
        DROPPED_INPUT("dropped in input"),
        DELIVERED("delivered locally");

        /** The fate in words. */
        public final String words;

        Fate(String words) {
            this.words = words;
        }
    }

    /**
     * What happened to one received packet, as the replay reports it. Every field is a constant or a reference the
     * router already holds: filling it allocates nothing (reasons for dropped malformed packets aside).
     */
    public static final class Result {
        /** nftables ct state word (new, established, related, invalid, untracked), or "-" if conntrack never saw it. */
        public String ctState;
        /** original, reply, or none. */
        public String ctDir;
        /** The reason conntrack logged for the packet, or null. */
        public String logReason;
        public int logProto;
        /** Why the packet did not reach conntrack (IP-layer drop, not IP, unknown interface), or null. */
        public String note;
        /** The final fate: forwarded, local, dropped (with the hook); words in {@link #fateText()}. */
        public Fate fate = Fate.NONE;
        /** For {@link Fate#FORWARDED}: the interface it left by. */
        public NetDevice out;
        /** For {@link Fate#FRAGMENTATION_NEEDED} and {@link Fate#PACKET_TOO_BIG}: the MTU that was too small. */
        public int mtu;
        /**
         * The frame was taken by defragmentation: it belongs to a datagram not complete yet. Its verdict comes
         * with the frame that completes the datagram (see {@link #absorbed}); if none does, it never had one.
         */
        public boolean held;
        /**
         * When this frame completed a datagram: the tags of the frames it was built from, this one included, in
         * arrival order ({@code [0, absorbedCount)}); they all share this frame's verdict.
         */
        public long[] absorbed = new long[0];
        public int absorbedCount;

        /** The fate in words ({@code forwarded to wan}, {@code dropped: packet too big (mtu 1280)}); allocates. */
        public String fateText() {
            switch (fate) {
                case FORWARDED:
                    return fate.words + " " + out.name();
                case FRAGMENTATION_NEEDED:
                case PACKET_TOO_BIG:
                    return fate.words + " (mtu " + mtu + ")";
                default:
                    return fate.words;
            }
        }

        void clear() {
            ctState = "-";
            ctDir = "none";
            logReason = null;
            logProto = 0;
            note = null;
            fate = Fate.NONE;
            out = null;
            mtu = 0;
            held = false;
            absorbedCount = 0;
        }
    }

    private final Conntrack net;
    private final List<NetDevice> devices = new ArrayList<>();
    private final EgressSink egress;
    private final LocalStack local = new LocalStack();
    private final Packet pkt = new Packet(65536 + 128);
    private final Packet own = new Packet(2048);
    private final Packet ownErr = new Packet(2048);
    /** What plug-ins originate through {@link LocalOutput} (a rule's reject). */
    private final Packet ownRule = new Packet(2048);
    private final Registration output;
    private final byte[] frameOut = new byte[65536 + 64];
    private final IpFragmenter fragmenter = new IpFragmenter(frameOut, ETH_HLEN);
    /** Where {@link #emit} sends the fragment in {@link #frameOut}, and when. */
    private NetDevice emitDev;
    private long emitTstamp;
    private int emitType;
    private final IpFragmenter.Emitter emitter = this::emit;

    public Router(Conntrack net, List<RouterInterface> interfaces, EgressSink egress) {
        this.net = net;
        this.egress = egress;
        int index = 1;
        for (RouterInterface ri : interfaces) {
            devices.add(ri.toDevice(index++));
        }
        output = net.services().provideExtension(LocalOutput.class, this::sendLocal);
    }

    /** Takes the router's output ({@link LocalOutput}) back from the engine. */
    public void close() {
        output.close();
    }

    /** {@link LocalOutput}: a packet a plug-in originates, sent as the router's own (LOCAL_OUT, route, out). */
    private boolean sendLocal(Packet p) {
        ownRule.reset();
        ownRule.load(p.array(), p.head(), p.length(), 64);
        ownRule.family = p.family;
        ownRule.ct = p.ct;
        ownRule.ctinfo = p.ctinfo;
        ownRule.mark = p.mark;
        try {
            return output(ownRule, p.tstamp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The router's interfaces, in the order given. */
    public List<NetDevice> devices() {
        return List.copyOf(devices);
    }

    private NetDevice device(String name) {
        for (int i = 0; i < devices.size(); i++) {
            NetDevice d = devices.get(i);
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    /**
     * Processes one received frame; fills {@code result}. Never throws for bad packet content (only for
     * egress I/O errors).
     */
    public void receive(String iface, int linkType, byte[] frame, int off, int len, long tstampNanos, Result result)
        throws IOException {
        receive(iface, linkType, frame, off, len, tstampNanos, 0, result);
    }

    /**
     * As {@link #receive(String, int, byte[], int, int, long, Result)}, with the caller's {@code tag} for the
     * frame (a replay passes the capture index), which comes back in {@link Result#absorbed} when the frame was
     * a fragment of a datagram completed later.
     */
    public void receive(String iface, int linkType, byte[] frame, int off, int len, long tstampNanos, long tag,
        Result result) throws IOException {
        result.clear();
        NetDevice in = device(iface);
        if (in == null) {
            result.note = "unknown interface " + iface;
            result.fate = Fate.UNKNOWN_INTERFACE;
            return;
        }
        int l3 = l3Offset(linkType, frame, off, len);
        if (l3 < 0) {
            result.note = l3 == -2 ? "not an IPv4 or IPv6 frame" : "frame too short";
            result.fate = Fate.NOT_IP;
            return;
        }
        pkt.reset();
        pkt.load(frame, off + l3, len - l3, 64);
        if (linkType == LINKTYPE_ETHERNET) {
            pkt.macHeader(frame, off, l3);
        }
        String bad = IpHeaders.validate(pkt);
        if (bad != null) {
            result.note = bad;
            result.fate = Fate.IP_LAYER;
            return;
        }
        pkt.tstamp = tstampNanos;
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
        if (isLocal(pkt)) {
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

    /** A locally generated packet: LOCAL_OUT, routing, POST_ROUTING, out. Returns whether it was sent. */
    private boolean output(Packet o, long tstamp) throws IOException {
        o.tstamp = tstamp;
        o.in = null;
        o.out = null;
        NetDevice out = route(o.family, dstHi(o), dstLo(o));
        if (out == null) {
            return false;
        }
        o.out = out;
        if (net.packets().runHook(Hook.LOCAL_OUT, o) != Verdict.ACCEPT) {
            return false;
        }
        // DNAT in LOCAL_OUT may have changed the destination.
        NetDevice out2 = route(o.family, dstHi(o), dstLo(o));
        if (out2 == null) {
            return false;
        }
        o.out = out2;
        if (net.packets().runHook(Hook.POST_ROUTING, o) != Verdict.ACCEPT) {
            return false;
        }
        transmit(o, out2, true);
        return true;
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
        egress.send(emitDev.name(), emitTstamp, frameOut, 0, ETH_HLEN + ipLength);
    }

    /** Is the destination one of the router's addresses (or broadcast / multicast)? */
    private boolean isLocal(Packet p) {
        long hi = dstHi(p);
        long lo = dstLo(p);
        if (p.family == Family.IPV4) {
            if (lo == 0xffffffffL || (lo >>> 28) == 0xe) {
                return true;
            }
        } else if ((hi >>> 56) == 0xff) {
            return true;
        }
        for (int i = 0; i < devices.size(); i++) {
            NetDevice d = devices.get(i);
            if (d.owns(p.family, hi, lo)) {
                return true;
            }
            for (int j = 0; p.family == Family.IPV4 && j < d.addressCount(); j++) {
                NetDevice.IfAddr a = d.address(j);
                if (a.family == Family.IPV4 && a.prefixLen < 31 && lo == (a.lo | (0xffffffffL >>> a.prefixLen))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The interface whose connected prefix holds the destination, longest prefix first. */
    NetDevice route(int family, long hi, long lo) {
        NetDevice best = null;
        int bestLen = -1;
        for (int i = 0; i < devices.size(); i++) {
            NetDevice d = devices.get(i);
            for (int j = 0; j < d.addressCount(); j++) {
                NetDevice.IfAddr a = d.address(j);
                if (a.prefixLen > bestLen && a.covers(family, hi, lo)) {
                    best = d;
                    bestLen = a.prefixLen;
                }
            }
        }
        return best;
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
