package org.conntrack4j.router.impl;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.router.Egress;
import org.conntrack4j.router.Fate;
import org.conntrack4j.router.Forwarder;
import org.conntrack4j.router.Result;

/**
 * One thread's forwarding path through its router: for every received frame, the link layer (ARP answered and
 * learnt from, frames for other hosts dropped), the IP layer's checks, PRE_ROUTING, the routing decision
 * ({@link Routes}), then either forwarding (TTL / hop limit, FORWARD, POST_ROUTING, out to the next hop's link
 * address) or local delivery (LOCAL_IN, then the host's answer through LOCAL_OUT and POST_ROUTING; neighbour
 * discovery messages update the neighbour table and are answered).
 *
 * <p>Fragments: the engine's defragmentation (priority -400) holds fragments until their datagram is
 * complete and says so on the packet ({@link Packet#defrag}); a held frame is reported as {@link Result#held},
 * and the frame that completes the datagram names every frame it was built from ({@link Result#absorbed}, from
 * the cookies the router gave the frames, {@link Packet#fragCookies}), all of which share the datagram's
 * verdict. Before forwarding, a packet bigger than the outgoing link's MTU with DF set (IPv6: always; for a
 * rebuilt datagram: when its largest fragment exceeds the MTU) is dropped with an ICMP fragmentation-needed /
 * packet-too-big carrying the MTU ({@code ip_forward}, {@code ip6_forward}); on the way out a packet is cut into
 * fragments as the kernel's output does ({@link IpFragmenter}).
 *
 * <p>Link addresses: a port with a static neighbour sends everything there (a replay's topology); otherwise the
 * next hop's address comes from the {@link Neighbours} table, and a packet whose next hop is not resolved yet waits
 * in the table's queue while this forwarder solicits it.
 *
 * <p>Used by one thread. It reuses its packets and buffers, sends a forwarded packet from the received packet's
 * own buffer (the Ethernet header written into its headroom), and reports with constants ({@link Fate}), so the
 * forwarding path of a known connection allocates nothing (measured by the JMH {@code RouterBenchmark} with
 * {@code -prof gc}, and live by the dataplane's allocation counter).
 */
final class ForwarderImpl implements Forwarder, Neighbours.Sender {
    /** Ethertypes. */
    private static final int ETH_P_IP = 0x0800;
    private static final int ETH_P_IPV6 = 0x86dd;
    private static final int ETH_P_8021Q = 0x8100;
    private static final int ETH_P_8021AD = 0x88a8;
    private static final int ETH_HLEN = 14;
    /** How often the timers run at most: neighbour timers count in seconds. */
    private static final long TICK_NANOS = 10_000_000L;
    private static final int TCP_FIN = 0x01;
    private static final int TCP_SYN = 0x02;
    private static final int TCP_RST = 0x04;

    private final RouterImpl router;
    private final Conntrack net;
    private final Port[] ports;
    private final Egress egress;
    private final LocalStack local;
    private final Packet pkt = new Packet(65536 + 128);
    private final Packet own = new Packet(2048);
    private final Packet ownErr = new Packet(2048);
    /** What plug-ins originate through {@link org.conntrack4j.core.api.LocalOutput} (a rule's reject). */
    private final Packet ownRule = new Packet(2048);
    /** The thread this forwarder last received on (bound to it in the router, for plug-ins' packets). */
    private Thread thread;
    /** A queued packet whose neighbour failed, for the ICMP error about it. */
    private final Packet spare = new Packet(2048);
    /** Solicitations, which may be sent in the middle of sending another packet (its fragments). */
    private final Packet ndOut = new Packet(256);
    private final byte[] frameOut = new byte[65536 + 64];
    private final byte[] linkFrame = new byte[64];
    private final IpFragmenter fragmenter = new IpFragmenter(frameOut, ETH_HLEN);
    private final Arp arp = new Arp();
    private final Ndisc nd = new Ndisc();
    /** This forwarder's counters ({@link Stat}), written by its thread only. */
    final long[] stats = new long[Stat.COUNT];
    /** Where {@link #emitFragment} sends the fragment in {@link #frameOut}: port, next hop, ethertype. */
    private int txPort;
    private int txFamily;
    private long txHopHi;
    private long txHopLo;
    /** The gso_size the packet being sent leaves with (0: an ordinary packet, a fragment, the router's own). */
    private int txGso;
    /**
     * The received frame's gso_size: a super-frame (GRO, TSO) forwarded whole, as Linux forwards one skb, whose
     * MTU checks are made on its segments ({@code skb_gso_validate_network_len}); 0 for an ordinary frame.
     */
    private int gsoSize;
    private final IpFragmenter.Emitter emitter = this::emitFragment;
    /** The feeder's time of the frame being processed (or of the tick). */
    private long now;
    private long lastTick = Long.MIN_VALUE;

    ForwarderImpl(RouterImpl router, Egress egress) {
        this.router = router;
        this.net = router.net;
        this.ports = router.ports;
        this.egress = egress;
        this.local = new LocalStack(router.icmpLimit, router.sockets, router.peerSegments, stats);
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
    public void receive(int port, byte[] frame, int off, int len, int gsoSize, long nanos, long tag, Result result)
        throws IOException {
        this.gsoSize = Math.max(0, gsoSize);
        try {
            receive(port, LINKTYPE_ETHERNET, frame, off, len, nanos, tag, result);
        } finally {
            this.gsoSize = 0;
        }
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
        now = nanos;
        if (thread != Thread.currentThread()) {
            thread = Thread.currentThread();
            router.bind(this);
        }
        stats[Stat.RX_FRAMES]++;
        router.flows.gc();
        Port inPort = ports[port];
        int l3 = l3Offset(linkType, frame, off, len);
        if (l3 < 0) {
            if (l3 == -3) {
                receiveArp(inPort, frame, off, len, result);
                return;
            }
            stats[l3 == -2 ? Stat.RX_UNKNOWN_ETHERTYPE : Stat.RX_TOO_SHORT]++;
            result.note = l3 == -2 ? "not an IPv4 or IPv6 frame" : "frame too short";
            result.fate = Fate.NOT_IP;
            return;
        }
        // PACKET_HOST or a group address; a frame for another host is not ours (ip_rcv)
        boolean linkGroup = false;
        if (linkType == LINKTYPE_ETHERNET) {
            long dst = Macs.toLong(frame, off);
            linkGroup = Macs.isGroup(dst);
            if (!linkGroup && dst != inPort.mac) {
                stats[Stat.RX_NOT_FOR_US]++;
                result.note = "sent to another host's link address";
                result.fate = Fate.NOT_FOR_US;
                return;
            }
        }
        NetDevice in = inPort.dev;
        pkt.reset();
        pkt.load(frame, off + l3, len - l3, 64);
        if (linkType == LINKTYPE_ETHERNET) {
            pkt.macHeader(frame, off, l3);
        }
        String bad = IpHeaders.validate(pkt);
        if (bad != null) {
            stats[Stat.RX_IP_ERRORS]++;
            result.note = bad;
            result.fate = Fate.IP_LAYER;
            return;
        }
        pkt.tstamp = nanos;
        pkt.in = in;
        pkt.cookie = tag;
        FlowtableImpl[] fts = router.flows.hooks[port];
        if (fts.length != 0 && !linkGroup && offload(pkt, port, fts, result)) {
            return;
        }
        int v = net.packets().runHook(Hook.PRE_ROUTING, pkt);
        if (pkt.defrag == Packet.DEFRAG_HELD || pkt.defrag == Packet.DEFRAG_DROPPED) {
            // Defragmentation took it (a fragment held, or one it consumed) or dropped it: conntrack never saw it.
            if (pkt.defrag == Packet.DEFRAG_HELD) {
                stats[Stat.FRAGMENTS_HELD]++;
                result.held = true;
                result.fate = Fate.HELD;
            } else {
                stats[Stat.DROPPED_BY_HOOKS]++;
                result.note = "fragment dropped by defragmentation";
                result.fate = Fate.DROPPED_PREROUTING;
                result.by = pkt.verdictBy;
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
            stats[Stat.DROPPED_BY_HOOKS]++;
            result.fate = Fate.DROPPED_PREROUTING;
            result.by = pkt.verdictBy;
            return;
        }
        if (pkt.family == Family.IPV4 && martian(pkt, result)) {
            return;
        }
        if (router.isLocal(pkt.family, dstHi(pkt), dstLo(pkt))) {
            deliverLocal(pkt, inPort, result);
            return;
        }
        if (linkGroup) {
            // ip_forward / ip6_forward: only what was sent to our own link address is forwarded
            stats[Stat.RX_NOT_FOR_US]++;
            result.note = "a unicast packet in a link-layer broadcast";
            result.fate = Fate.NOT_FOR_US;
            return;
        }
        NetDevice out = routeInput(pkt, inPort);
        if (out == null) {
            sendError(pkt, in, pkt.family == Family.IPV4 ? LocalStack.ICMP_DEST_UNREACH : LocalStack.ICMPV6_DEST_UNREACH,
                pkt.family == Family.IPV4 ? LocalStack.ICMP_NET_UNREACH : LocalStack.ICMPV6_NOROUTE, 0);
            stats[Stat.NO_ROUTE]++;
            result.fate = Fate.NO_ROUTE;
            return;
        }
        forward(pkt, in, out, result);
    }

    /**
     * The flowtables' ingress hooks, in priority order ({@code nf_flow_offload_ip_hook},
     * {@code nf_flow_offload_ipv6_hook}): a TCP or UDP packet without IPv4 options, not a fragment, with a TTL or hop
     * limit above 1, of a flow in a flowtable of this port, no bigger than the way out's MTU, gets its connection's
     * NAT and a decremented TTL and goes straight out, counted in the connection's accounting if the flowtable
     * counts; a FIN or RST marks the flow closing, a SYN on a closing flow hands it back to conntrack and goes the
     * slow way. Returns false for the slow path. Allocates nothing.
     */
    private boolean offload(Packet p, int port, FlowtableImpl[] fts, Result result) throws IOException {
        int family = p.family;
        int proto;
        int thoff;
        long sHi;
        long sLo;
        long dHi;
        long dLo;
        if (family == Family.IPV4) {
            if ((p.u8(0) & 0x0f) != 5 || (p.u16(6) & 0x3fff) != 0 || p.u8(8) <= 1) {
                return false;
            }
            proto = p.u8(9);
            thoff = 20;
            sHi = 0;
            sLo = p.u32(12) & 0xffffffffL;
            dHi = 0;
            dLo = p.u32(16) & 0xffffffffL;
        } else {
            if (p.u8(7) <= 1) {
                return false;
            }
            proto = p.u8(6);
            thoff = 40;
            sHi = p.u64(8);
            sLo = p.u64(16);
            dHi = p.u64(24);
            dLo = p.u64(32);
        }
        int hdr = proto == IpProto.TCP ? 20 : proto == IpProto.UDP ? 8 : -1;
        if (hdr < 0 || p.length() < thoff + hdr) {
            return false;
        }
        int sp = p.u16(thoff);
        int dp = p.u16(thoff + 2);
        long jiffies = net.now();
        for (FlowtableImpl ft : fts) {
            if (ft.family != 0 && ft.family != family) {
                continue;
            }
            FlowtableImpl.Entry e = ft.lookup(family, proto, sHi, sLo, dHi, dLo, sp, dp, port);
            if (e == null) {
                continue;
            }
            FlowtableImpl.Flow f = e.flow;
            int dir = e.dir;
            Port outPort = ports[e.outPort];
            // nf_flow_exceeds_mtu: a super-frame by its segments
            if (segmentLength(p, gsoSize) > (family == Family.IPV4 ? outPort.mtu
                : Math.max(outPort.mtu, IpFragmenter.IPV6_MIN_MTU))) {
                continue;
            }
            if (proto == IpProto.TCP) {
                int flags = p.u8(thoff + 13);
                if ((flags & TCP_SYN) != 0 && f.closing) {
                    ft.teardown(f);
                    continue;
                }
                if ((flags & (TCP_FIN | TCP_RST)) != 0 && !f.closing) {
                    f.closing = true;
                }
            }
            ft.refresh(f, jiffies);
            FlowTables.nat(p, f, dir, thoff);
            if (family == Family.IPV4) {
                IpOut.decreaseTtl(p);
            } else {
                p.put8(7, p.u8(7) - 1);
            }
            p.ct = f.ct;
            p.ctinfo = dir == 0 ? CtInfo.ESTABLISHED : CtInfo.ESTABLISHED_REPLY;
            if (ft.counter) {
                // nf_ct_acct_update: counted, the deadline left as it is
                net.packets().refresh(f.ct, p, f.ct.timeout() - jiffies);
            }
            record(p, result);
            NetDevice out = outPort.dev;
            p.out = out;
            transmit(p, out, false, gsoSize);
            stats[Stat.FORWARDED]++;
            stats[Stat.FLOW_OFFLOADED]++;
            result.fate = Fate.OFFLOADED;
            result.out = out;
            return true;
        }
        return false;
    }

    private static void record(Packet p, Result r) {
        boolean hasCt = p.ct != null;
        r.ctState = CtInfo.stateName(hasCt, p.ctinfo);
        r.ctDir = hasCt ? (CtInfo.direction(p.ctinfo) == 0 ? "original" : "reply") : "none";
        r.hasCt = hasCt;
        r.ctId = hasCt ? p.ct.id() : 0;
        r.logReason = p.logReason;
        r.logProto = p.logProto;
    }

    /**
     * The checks of {@code ip_route_input_slow} that no route lookup makes, with route_localnet off: a multicast,
     * limited broadcast or loopback source, or a loopback destination, is dropped without an answer (counted as
     * {@code in_martian_src} / {@code in_martian_dst} are). Linux 6.18 forwards sources in 0.0.0.0/8 and 240.0.0.0/4
     * and routes destinations in 0.0.0.0/8 like any other (no route here: net unreachable), as asked of it.
     */
    private boolean martian(Packet p, Result result) {
        long src = p.u32(12) & 0xffffffffL;
        long dst = p.u32(16) & 0xffffffffL;
        boolean badSource = src >>> 28 == 0xe || src == 0xffffffffL;
        if (!badSource && (dst == 0xffffffffL || src == 0 && dst == 0)) {
            return false; // the limited broadcast is taken in before the loopback checks
        }
        if (!badSource && dst >>> 24 == 127) {
            stats[Stat.MARTIAN_DESTINATION]++;
            result.note = "martian destination";
            result.fate = Fate.BAD_DESTINATION;
            return true;
        }
        if (badSource || src >>> 24 == 127) {
            stats[Stat.MARTIAN_SOURCE]++;
            result.note = "martian source";
            result.fate = Fate.BAD_SOURCE;
            return true;
        }
        return false;
    }

    /**
     * The input route ({@code ip_route_input} / {@code ip6_route_input}): an IPv6 link-local destination only on
     * the link it came from, through that link's fe80::/64 route, which exists when the interface has a link-local
     * address; anything else by the routing table.
     */
    private NetDevice routeInput(Packet p, Port inPort) {
        if (p.family == Family.IPV6 && Macs.isLinkLocal(p.u64(24))) {
            return inPort.linkLocal() != null ? inPort.dev : null;
        }
        return route(p.family, dstHi(p), dstLo(p));
    }

    /** {@code ip_forward} / {@code ip6_forward}. */
    private void forward(Packet p, NetDevice in, NetDevice out, Result result) throws IOException {
        if (p.family == Family.IPV4) {
            if (p.u8(8) <= 1) {
                sendError(p, in, LocalStack.ICMP_TIME_EXCEEDED, 0, 0);
                stats[Stat.TTL_EXCEEDED]++;
                result.fate = Fate.TTL_EXCEEDED;
                return;
            }
            int mtu = mtu(out);
            if (exceedsMtu(p, segmentLength(p, gsoSize), mtu)) {
                sendError(p, in, LocalStack.ICMP_DEST_UNREACH, LocalStack.ICMP_FRAG_NEEDED, mtu);
                stats[Stat.TOO_BIG]++;
                result.fate = Fate.FRAGMENTATION_NEEDED;
                result.mtu = mtu;
                return;
            }
            IpOut.decreaseTtl(p);
        } else {
            if (p.u8(7) <= 1) {
                sendError(p, in, LocalStack.ICMPV6_TIME_EXCEED, 0, 0);
                stats[Stat.TTL_EXCEEDED]++;
                result.fate = Fate.HOP_LIMIT_EXCEEDED;
                return;
            }
            if (out != in && badSource6(p, in, result)) {
                return;
            }
            int mtu = Math.max(mtu(out), IpFragmenter.IPV6_MIN_MTU);
            if (tooBig6(p, segmentLength(p, gsoSize), mtu)) {
                sendError(p, in, LocalStack.ICMPV6_PKT_TOOBIG, 0, mtu);
                stats[Stat.TOO_BIG]++;
                result.fate = Fate.PACKET_TOO_BIG;
                result.mtu = mtu;
                return;
            }
            p.put8(7, p.u8(7) - 1);
        }
        p.out = out;
        if (net.packets().runHook(Hook.FORWARD, p) != Verdict.ACCEPT) {
            stats[Stat.DROPPED_BY_HOOKS]++;
            result.fate = Fate.DROPPED_FORWARD;
            result.by = p.verdictBy;
            return;
        }
        if (p.family == Family.IPV4) {
            IpOut.recordRoute(p, out);
        }
        if (net.packets().runHook(Hook.POST_ROUTING, p) != Verdict.ACCEPT) {
            stats[Stat.DROPPED_BY_HOOKS]++;
            result.fate = Fate.DROPPED_POSTROUTING;
            result.by = p.verdictBy;
            return;
        }
        transmit(p, out, false, gsoSize);
        stats[Stat.FORWARDED]++;
        result.fate = Fate.FORWARDED;
        result.out = out;
    }

    /**
     * {@code ip6_forward}'s source check for a packet leaving by another interface than it came in by (the same
     * interface would get a redirect, and be forwarded): an unspecified, multicast or loopback source is dropped
     * (counted as {@code Ip6InAddrErrors}); a link-local one is, with a destination unreachable "beyond scope of
     * source address" to its sender. Returns true when the packet is dropped.
     */
    private boolean badSource6(Packet p, NetDevice in, Result result) throws IOException {
        long hi = p.u64(8);
        long lo = p.u64(16);
        if (hi == 0 && (lo == 0 || lo == 1) || hi >>> 56 == 0xff) {
            stats[Stat.IN_ADDR_ERRORS]++;
            result.note = "ipv6: source address not forwarded";
            result.fate = Fate.BAD_SOURCE;
            return true;
        }
        if (Macs.isLinkLocal(hi)) {
            sendError(p, in, LocalStack.ICMPV6_DEST_UNREACH, LocalStack.ICMPV6_NOT_NEIGHBOUR, 0);
            stats[Stat.IN_ADDR_ERRORS]++;
            result.fate = Fate.BEYOND_SCOPE;
            return true;
        }
        return false;
    }

    /** The link's MTU as the feeder last reported it. */
    private int mtu(NetDevice d) {
        return ports[d.index() - 1].mtu;
    }

    /**
     * {@code ip_exceeds_mtu}: only a packet with DF set is refused; a rebuilt datagram is refused when one of
     * its fragments was bigger than the MTU, and otherwise goes on to be fragmented again ({@code ignore_df}).
     */
    private static boolean exceedsMtu(Packet p, int len, int mtu) {
        if (len <= mtu || (p.u16(6) & 0x4000) == 0) {
            return false;
        }
        return p.fragMaxSize > mtu || p.fragMaxSize == 0;
    }

    /** {@code ip6_pkt_too_big}: routers never fragment IPv6, except a rebuilt datagram whose fragments fit. */
    private static boolean tooBig6(Packet p, int len, int mtu) {
        if (len <= mtu) {
            return false;
        }
        return p.fragMaxSize == 0 || p.fragMaxSize > mtu;
    }

    /**
     * The length the MTU is compared with: the packet's, or for a super-frame of segments of {@code gso} payload
     * bytes, its largest segment's (network and transport headers plus {@code gso}), as
     * {@code skb_gso_validate_network_len} measures it.
     */
    static int segmentLength(Packet p, int gso) {
        int n = p.length();
        if (gso <= 0) {
            return n;
        }
        int l4;
        int proto;
        if (p.family == Family.IPV4) {
            l4 = (p.u8(0) & 0xf) * 4;
            proto = p.u8(9);
        } else {
            l4 = 40;
            proto = p.u8(6);
            while ((proto == 0 || proto == 60) && l4 + 8 <= n) {
                proto = p.u8(l4);
                l4 += (p.u8(l4 + 1) + 1) * 8;
            }
        }
        int hdrs = proto == 6 && l4 + 20 <= n ? l4 + (p.u8(l4 + 12) >> 4) * 4 : l4 + 8;
        return Math.min(n, hdrs + gso);
    }

    private void deliverLocal(Packet p, Port inPort, Result result) throws IOException {
        p.out = null;
        if (net.packets().runHook(Hook.LOCAL_IN, p) != Verdict.ACCEPT) {
            stats[Stat.DROPPED_BY_HOOKS]++;
            result.fate = Fate.DROPPED_INPUT;
            result.by = p.verdictBy;
            return;
        }
        stats[Stat.DELIVERED]++;
        result.fate = Fate.DELIVERED;
        if (p.family == Family.IPV6 && neighbourDiscovery(p, inPort)) {
            return;
        }
        if (local.answer(p, own, net.now(), net.clock().hz(), inPort.mtu, now)
            && output(own, p.tstamp, inPort.index)) {
            result.fate = Fate.ANSWERED;
            result.answer = answerKind(own);
        }
    }

    /** What the local stack's answer {@code o} is, in constant words for {@link Result#answer}. */
    static String answerKind(Packet o) {
        boolean v4 = o.family == Family.IPV4;
        int proto = v4 ? o.u8(9) : LocalStack.l4Proto(o);
        int l4 = v4 ? (o.u8(0) & 0x0f) << 2 : LocalStack.l4Offset(o);
        if (l4 < 0 || o.length() < l4 + 2) {
            return v4 ? "IPv4 packet" : "IPv6 packet";
        }
        int type = o.u8(l4);
        int code = o.u8(l4 + 1);
        if (proto == IpProto.TCP) {
            int flags = o.length() >= l4 + 14 ? o.u8(l4 + 13) : 0;
            // the local TCP stack's answers: RST, SYN|ACK, FIN|ACK, a bare ACK
            return (flags & 0x04) != 0 ? "TCP reset" : (flags & 0x02) != 0 ? "TCP SYN-ACK"
                : (flags & 0x01) != 0 ? "TCP FIN" : (flags & 0x10) != 0 ? "TCP ACK" : "TCP segment";
        }
        if (proto == IpProto.ICMP) {
            if (type == LocalStack.ICMP_ECHOREPLY) {
                return "ICMP echo reply";
            }
            if (type == LocalStack.ICMP_DEST_UNREACH) {
                return code == LocalStack.ICMP_PORT_UNREACH ? "ICMP port unreachable"
                    : code == LocalStack.ICMP_PROT_UNREACH ? "ICMP protocol unreachable" : "ICMP destination unreachable";
            }
            return "ICMP message";
        }
        if (proto == IpProto.ICMPV6) {
            if (type == LocalStack.ICMPV6_ECHO_REPLY) {
                return "ICMPv6 echo reply";
            }
            if (type == LocalStack.ICMPV6_DEST_UNREACH) {
                return code == LocalStack.ICMPV6_PORT_UNREACH ? "ICMPv6 port unreachable"
                    : "ICMPv6 destination unreachable";
            }
            return type == LocalStack.ICMPV6_PARAMPROB ? "ICMPv6 parameter problem" : "ICMPv6 message";
        }
        return v4 ? "IPv4 packet" : "IPv6 packet";
    }

    /**
     * {@code ndisc_rcv} for what was delivered to the router: a solicitation for one of the port's addresses is
     * answered (and teaches the sender's address), an advertisement answers a resolution. Returns false for other
     * messages, which the local stack handles.
     */
    private boolean neighbourDiscovery(Packet p, Port inPort) throws IOException {
        int l4 = LocalStack.l4Offset(p);
        if (l4 < 0 || LocalStack.l4Proto(p) != IpProto.ICMPV6 || p.length() - l4 < 1) {
            return false;
        }
        int type = p.u8(l4);
        if (type < Ndisc.ROUTER_SOLICITATION || type > Ndisc.REDIRECT) {
            return false;
        }
        stats[Stat.RX_ND]++;
        if (type != Ndisc.NEIGHBOUR_SOLICITATION && type != Ndisc.NEIGHBOUR_ADVERTISEMENT) {
            // router solicitations, advertisements and redirects: a router without radvd ignores them
            return true;
        }
        if (!nd.read(p, l4)) {
            stats[Stat.RX_ND_INVALID]++;
            return true;
        }
        long srcHi = p.u64(8);
        long srcLo = p.u64(16);
        boolean unspecified = srcHi == 0 && srcLo == 0;
        if (type == Ndisc.NEIGHBOUR_ADVERTISEMENT) {
            boolean toGroup = p.u8(24) == 0xff;
            if (toGroup && (nd.flags & Ndisc.FLAG_SOLICITED) != 0 || nd.lladdr < 0) {
                stats[Stat.RX_ND_INVALID]++;
                return true;
            }
            router.neighbours.update(inPort.index, Family.IPV6, nd.targetHi, nd.targetLo, nd.lladdr,
                (nd.flags & Ndisc.FLAG_SOLICITED) != 0, (nd.flags & Ndisc.FLAG_OVERRIDE) != 0, false, now, this);
            return true;
        }
        // a solicitation: for an address of this port? (ipv6_get_ifaddr with the device)
        NetDevice dev = inPort.dev;
        if (!dev.owns(Family.IPV6, nd.targetHi, nd.targetLo)) {
            return true;
        }
        if (unspecified && (nd.lladdr >= 0 || p.u64(24) != Ndisc.SOLICITED_NODE_HI)) {
            stats[Stat.RX_ND_INVALID]++;
            return true;
        }
        boolean toGroup = p.u8(24) == 0xff;
        long mac = inPort.mac;
        if (unspecified) {
            // duplicate address detection by someone else: tell all nodes the address is taken
            Ndisc.advertisement(own, nd.targetHi, nd.targetLo, Ndisc.ALL_NODES_HI, Ndisc.ALL_NODES_LO, nd.targetHi,
                nd.targetLo, Ndisc.FLAG_ROUTER | Ndisc.FLAG_OVERRIDE, mac);
        } else {
            if (nd.lladdr >= 0) {
                router.neighbours.update(inPort.index, Family.IPV6, srcHi, srcLo, nd.lladdr, false, true, true, now,
                    this);
            }
            Ndisc.advertisement(own, nd.targetHi, nd.targetLo, srcHi, srcLo, nd.targetHi, nd.targetLo,
                Ndisc.FLAG_ROUTER | Ndisc.FLAG_SOLICITED | Ndisc.FLAG_OVERRIDE, toGroup ? mac : -1);
        }
        stats[Stat.NA_SENT]++;
        output(own, p.tstamp, inPort.index);
        return true;
    }

    /**
     * {@code arp_process}: a request for one of the router's addresses (on any interface, {@code arp_ignore=0})
     * is answered and makes or refreshes the sender's entry; other requests and replies only refresh an entry that
     * exists ({@code arp_accept=0}), a reply sent to us confirming it.
     */
    private void receiveArp(Port inPort, byte[] frame, int off, int len, Result result) throws IOException {
        stats[Stat.RX_ARP]++;
        result.fate = Fate.ARP;
        int at = off + arpOffset(frame, off, len);
        long dstMac = Macs.toLong(frame, off);
        if (!arp.read(frame, at, off + len) || (arp.targetIp >>> 28) == 0xe || (arp.senderIp >>> 28) == 0xe
            || arp.senderIp == 0xffff_ffffL || !Macs.isGroup(dstMac) && dstMac != inPort.mac) {
            stats[Stat.RX_ARP_INVALID]++;
            result.note = "ARP frame not understood or not for us";
            return;
        }
        boolean forUs = arp.op == Arp.REQUEST && router.isOwnAddress(Family.IPV4, 0, arp.targetIp);
        if (arp.senderIp == 0) {
            // an address probe (RFC 5227): answer if the address is ours, learn nothing
            if (forUs) {
                sendArp(inPort, arp.senderMac, Arp.REPLY, arp.targetIp, arp.senderMac, 0);
            }
            return;
        }
        if (forUs) {
            router.neighbours.update(inPort.index, Family.IPV4, 0, arp.senderIp, arp.senderMac, false, true, true, now,
                this);
            if (router.neighbours.lookup(inPort.index, Family.IPV4, 0, arp.senderIp) != null) {
                sendArp(inPort, arp.senderMac, Arp.REPLY, arp.targetIp, arp.senderMac, arp.senderIp);
                stats[Stat.ARP_REPLIES_SENT]++;
            }
            return;
        }
        boolean replyToUs = arp.op == Arp.REPLY && dstMac == inPort.mac;
        router.neighbours.update(inPort.index, Family.IPV4, 0, arp.senderIp, arp.senderMac, replyToUs, true, false, now,
            this);
    }

    /** Sends an ARP message out of {@code port}, from the port's link address. */
    private void sendArp(Port port, long ethDst, int op, long sip, long tha, long tip) throws IOException {
        if (!port.running) {
            stats[Stat.TX_LINK_DOWN]++;
            return;
        }
        long mac = port.mac;
        Arp.write(linkFrame, ethDst, mac, op, mac, sip, tha, tip);
        // Ethernet's minimum frame: the device pads, as the kernel's does
        java.util.Arrays.fill(linkFrame, Arp.FRAME_LENGTH, 60, (byte) 0);
        egress.send(port.index, now, linkFrame, 0, 60);
        stats[Stat.TX_FRAMES]++;
    }

    /** A locally generated packet: LOCAL_OUT, routing, POST_ROUTING, out. {@code oif}: the port a link-scoped answer leaves by. */
    private boolean output(Packet o, long tstamp, int oif) throws IOException {
        o.tstamp = tstamp;
        o.in = null;
        o.out = null;
        NetDevice out = outputRoute(o, oif);
        if (out == null) {
            return false;
        }
        o.out = out;
        if (net.packets().runHook(Hook.LOCAL_OUT, o) != Verdict.ACCEPT) {
            return false;
        }
        // DNAT in LOCAL_OUT may have changed the destination.
        NetDevice out2 = outputRoute(o, oif);
        if (out2 == null) {
            return false;
        }
        if (router.isOwnAddress(o.family, dstHi(o), dstLo(o))) {
            // to the router itself (Linux: loopback, then its own stack, which consumes errors and answers)
            return false;
        }
        o.out = out2;
        if (net.packets().runHook(Hook.POST_ROUTING, o) != Verdict.ACCEPT) {
            return false;
        }
        transmit(o, out2, true, 0);
        return true;
    }

    /** {@link org.conntrack4j.core.api.LocalOutput}: a packet a plug-in originates, sent as the router's own. */
    boolean sendLocal(Packet p) {
        ownRule.reset();
        ownRule.load(p.array(), p.head(), p.length(), 64);
        ownRule.family = p.family;
        ownRule.ct = p.ct;
        ownRule.ctinfo = p.ctinfo;
        ownRule.mark = p.mark;
        try {
            return output(ownRule, p.tstamp, -1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Link-scoped destinations (IPv6 link-local and multicast) leave by {@code oif}; the others are routed. */
    private NetDevice outputRoute(Packet o, int oif) {
        if (oif >= 0 && o.family == Family.IPV6 && (o.u8(24) == 0xff || Macs.isLinkLocal(o.u64(24)))) {
            return ports[oif].dev;
        }
        return route(o.family, dstHi(o), dstLo(o));
    }

    /** Sends an ICMP error about {@code about}, from the address facing its sender. */
    private void sendError(Packet about, NetDevice in, int type, int code, int info) throws IOException {
        long sHi = srcHi(about);
        long sLo = srcLo(about);
        if (about.family == Family.IPV6 && Macs.isLinkLocal(sHi)) {
            // icmp6_send routes the error: a link-local sender is reached only through the fe80::/64 route of the
            // link it is on, which an interface without a link-local address lacks (no error then)
            Port inPort = in == null ? null : ports[in.index() - 1];
            if (inPort == null || inPort.linkLocal() == null) {
                return;
            }
        }
        NetDevice back = route(about.family, sHi, sLo);
        long[] src = LocalStack.sourceFor(back != null ? back : in, about.family, sHi, sLo);
        if (src == null) {
            return;
        }
        // no per-destination rate limit for an error to the router itself (icmpv4_xrlim_allow: loopback)
        boolean toSelf = router.isOwnAddress(about.family, sHi, sLo);
        if (local.error(about, ownErr, type, code, info, src, net.now(), net.clock().hz(), !toSelf)) {
            // nf_ct_attach: the error belongs to the offending packet's connection, the other way round, so that
            // NAT translates it back and conntrack_local leaves it alone.
            if (about.ct != null) {
                ownErr.ct = about.ct;
                ownErr.ctinfo = CtInfo.direction(about.ctinfo) == 0 ? CtInfo.RELATED_REPLY : CtInfo.RELATED;
            }
            stats[Stat.ICMP_ERRORS_SENT]++;
            output(ownErr, about.tstamp, in == null ? -1 : in.index() - 1);
        }
    }

    /**
     * Sends the packet out on {@code out}, in fragments when it does not fit the MTU or was rebuilt from
     * fragments ({@code ip_finish_output} / {@code ip6_finish_output}). {@code local}: originated by the router
     * (IPv6 lets the stack fragment it). {@code gso}: a super-frame's segment size; one whose segments fit leaves
     * whole for the device to segment ({@code ip_finish_output_gso}).
     */
    private void transmit(Packet p, NetDevice out, boolean local, int gso) throws IOException {
        int mtu = mtu(out);
        int n = segmentLength(p, gso);
        nextHop(p, out);
        if (p.family == Family.IPV4 && (n > mtu || p.fragMaxSize != 0)) {
            // ip_fragment: DF forbids cutting, unless the datagram was rebuilt from fragments that all fit.
            if ((p.u16(6) & 0x4000) != 0 && (p.fragMaxSize == 0 || p.fragMaxSize > mtu)) {
                sendError(p, p.in, LocalStack.ICMP_DEST_UNREACH, LocalStack.ICMP_FRAG_NEEDED, mtu);
                return;
            }
            fragmenter.fragmentV4(p, mtu, emitter);
            return;
        }
        if (p.family == Family.IPV6 && (n > mtu || p.fragMaxSize != 0 && n > p.fragMaxSize)) {
            int r = fragmenter.fragmentV6(p, mtu, local || p.fragMaxSize != 0, emitter);
            if (r < 0 && r != Integer.MIN_VALUE) {
                sendError(p, p.in, LocalStack.ICMPV6_PKT_TOOBIG, 0, -r);
            }
            return;
        }
        // the Ethernet header goes into the packet's headroom: no copy
        n = p.length();
        txGso = gso;
        try {
            if (p.head() >= ETH_HLEN) {
                sendIp(p.array(), p.head(), n);
            } else {
                p.copyOut(0, frameOut, ETH_HLEN, n);
                sendIp(frameOut, ETH_HLEN, n);
            }
        } finally {
            txGso = 0;
        }
    }

    /** Where {@code p} goes next on {@code out}: its gateway, or the destination itself on a connected prefix. */
    private void nextHop(Packet p, NetDevice out) {
        txPort = out.index() - 1;
        txFamily = p.family;
        long hi = dstHi(p);
        long lo = dstLo(p);
        Routes.Entry e = router.routes.lookup(p.family, hi, lo);
        if (e != null && e.viaGateway && e.port == txPort) {
            txHopHi = e.gatewayHi;
            txHopLo = e.gatewayLo;
        } else {
            txHopHi = hi;
            txHopLo = lo;
        }
    }

    private void emitFragment(int ipLength) throws IOException {
        sendIp(frameOut, ETH_HLEN, ipLength);
    }

    /**
     * Sends the IP packet at {@code buf[off, off + len)} (with room for the Ethernet header before it) to the next
     * hop set by {@link #nextHop}: a group address for multicast and broadcast, the static neighbour, or the
     * neighbour table's answer (the packet then may wait for the resolution; a super-frame that waits is sent as
     * an ordinary frame later, which the egress drops as too large: its sender's TCP sends it again).
     */
    private void sendIp(byte[] buf, int off, int len) throws IOException {
        Port port = ports[txPort];
        if (!port.running) {
            stats[Stat.TX_LINK_DOWN]++;
            return;
        }
        long dst;
        if (txFamily == Family.IPV6 && txHopHi >>> 56 == 0xff) {
            dst = Macs.ipv6Multicast(txHopLo);
        } else if (txFamily == Family.IPV4 && (txHopLo >>> 28 == 0xe)) {
            dst = Macs.ipv4Multicast(txHopLo);
        } else if (txFamily == Family.IPV4 && router.isBroadcast(txPort, txHopLo)) {
            dst = Macs.BROADCAST;
        } else if (port.staticNeighbour >= 0) {
            dst = port.staticNeighbour;
        } else {
            dst = router.neighbours.output(txPort, txFamily, txHopHi, txHopLo, now, buf, off, len, this);
            if (dst < 0) {
                return;
            }
        }
        sendFrame(port, dst, txFamily, buf, off, len, txGso);
    }

    /**
     * Writes the Ethernet header before the IP packet at {@code off} and sends the frame ({@code gso} &gt; 0: a
     * super-frame, whole).
     */
    private void sendFrame(Port port, long dst, int family, byte[] buf, int off, int len, int gso) throws IOException {
        int h = off - ETH_HLEN;
        Macs.put(buf, h, dst);
        Macs.put(buf, h + 6, port.mac);
        int type = family == Family.IPV6 ? ETH_P_IPV6 : ETH_P_IP;
        buf[h + 12] = (byte) (type >>> 8);
        buf[h + 13] = (byte) type;
        if (gso > 0) {
            egress.sendGso(port.index, now, buf, h, len + ETH_HLEN, gso);
        } else {
            egress.send(port.index, now, buf, h, len + ETH_HLEN);
        }
        stats[Stat.TX_FRAMES]++;
    }

    // ---- what the neighbour table asks for ----

    @Override
    public void solicit(Neighbours.Entry e, boolean unicast) {
        Port port = ports[e.port];
        // the packet that asked for the resolution may be half sent (fragments): keep its next hop
        int savedPort = txPort;
        int savedFamily = txFamily;
        long savedHi = txHopHi;
        long savedLo = txHopLo;
        int savedGso = txGso;
        txGso = 0;
        try {
            if (e.family == Family.IPV4) {
                NetDevice.IfAddr src = port.dev.selectSource(Family.IPV4, 0, e.lo);
                if (src == null) {
                    return;
                }
                sendArp(port, unicast ? e.mac : Macs.BROADCAST, Arp.REQUEST, src.lo, unicast ? e.mac : 0, e.lo);
                stats[Stat.ARP_REQUESTS_SENT]++;
                return;
            }
            NetDevice.IfAddr src = port.dev.selectSource(Family.IPV6, e.hi, e.lo);
            if (src == null) {
                return;
            }
            long dstHi = unicast ? e.hi : Ndisc.SOLICITED_NODE_HI;
            long dstLo = unicast ? e.lo : Ndisc.solicitedNodeLo(e.lo);
            Ndisc.solicitation(ndOut, src.hi, src.lo, dstHi, dstLo, e.hi, e.lo, port.mac);
            stats[Stat.NS_SENT]++;
            output(ndOut, now, port.index);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } finally {
            txPort = savedPort;
            txFamily = savedFamily;
            txHopHi = savedHi;
            txHopLo = savedLo;
            txGso = savedGso;
        }
    }

    @Override
    public void release(Neighbours.Entry e, byte[] frame) {
        Port port = ports[e.port];
        if (!port.running) {
            stats[Stat.TX_LINK_DOWN]++;
            return;
        }
        try {
            sendFrame(port, e.mac, e.family, frame, ETH_HLEN, frame.length - ETH_HLEN, 0);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void unreachable(Neighbours.Entry e, byte[] frame) {
        // arp_error_report / ndisc_error_report: host (address) unreachable to the packet's sender. A packet the
        // router source-NATed names the router as its sender: the error goes to the router's own address, and
        // LOCAL_OUT's conntrack finds the connection from the quoted packet and NAT translates it back to the real
        // sender, as Linux's does through loopback. An answer of the router's own stays with it (output()).
        spare.reset().load(frame, ETH_HLEN, frame.length - ETH_HLEN, 64);
        spare.family = e.family;
        try {
            if (e.family == Family.IPV4) {
                sendError(spare, null, LocalStack.ICMP_DEST_UNREACH, LocalStack.ICMP_HOST_UNREACH, 0);
            } else {
                sendError(spare, null, LocalStack.ICMPV6_DEST_UNREACH, LocalStack.ICMPV6_ADDR_UNREACH, 0);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void tick(long nanos) throws IOException {
        // the local TCP stack's owed ACKs go as soon as they are due (its reader's and delayed-ACK timers)
        now = nanos;
        while (local.tcp.timers(nanos, own)) {
            output(own, nanos, -1);
        }
        if (lastTick != Long.MIN_VALUE && nanos - lastTick < TICK_NANOS) {
            return;
        }
        lastTick = nanos;
        now = nanos;
        router.flows.gc();
        for (Port port : ports) {
            if (port.announce && port.running) {
                port.announce = false;
                announce(port);
            }
        }
        try {
            router.neighbours.tick(nanos, this);
        } catch (UncheckedIOException ex) {
            throw ex.getCause();
        }
    }

    /**
     * Tells the link the router's addresses (a start, a link coming up, a failover): a gratuitous ARP request for
     * every IPv4 address, an unsolicited neighbour advertisement to all nodes for every IPv6 one.
     */
    private void announce(Port port) throws IOException {
        NetDevice d = port.dev;
        for (int i = 0; i < d.addressCount(); i++) {
            NetDevice.IfAddr a = d.address(i);
            if (a.family == Family.IPV4) {
                sendArp(port, Macs.BROADCAST, Arp.REQUEST, a.lo, 0, a.lo);
            } else {
                Ndisc.advertisement(own, a.hi, a.lo, Ndisc.ALL_NODES_HI, Ndisc.ALL_NODES_LO, a.hi, a.lo,
                    Ndisc.FLAG_ROUTER | Ndisc.FLAG_OVERRIDE, port.mac);
                output(own, now, port.index);
            }
            stats[Stat.ANNOUNCEMENTS_SENT]++;
        }
    }

    /** The interface the routing table sends the destination to, or null (no route). */
    NetDevice route(int family, long hi, long lo) {
        int port = router.routes.port(family, hi, lo);
        return port < 0 ? null : ports[port].dev;
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

    /** Offset of the IP header in the frame, -1 if too short, -2 if neither IP nor ARP, -3 for ARP. */
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
        if (type == Arp.ETH_P_ARP) {
            return -3;
        }
        if (type != ETH_P_IP && type != ETH_P_IPV6) {
            return -2;
        }
        return pos + 2;
    }

    /** Offset of the ARP message in an Ethernet frame (after any VLAN tags). */
    private static int arpOffset(byte[] f, int off, int len) {
        int pos = 12;
        while (pos + 2 <= len && ((f[off + pos] & 0xff) << 8 | (f[off + pos + 1] & 0xff)) != Arp.ETH_P_ARP) {
            pos += 4;
        }
        return pos + 2;
    }
}
