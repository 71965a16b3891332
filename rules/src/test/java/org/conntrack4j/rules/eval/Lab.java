package org.conntrack4j.rules.eval;

import java.util.List;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.testkit.LogRecorder;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.osgi.service.log.LogLevel;

/**
 * The kit's {@link Rig} with the UDP tracker (TCP falls to the generic tracker), the oracle router's two devices
 * ({@code lan} 198.51.100.1/24 and 2001:db8:1::1/64, index 1; {@code wan} 203.0.113.1/24 and 2001:db8:2::1/64,
 * index 2), packet builders, and a recorder of what {@code log} statements write.
 */
final class Lab implements AutoCloseable {
    final Plugins plugins = new Plugins();
    final Rig rig;
    final Conntrack net;
    final NetDevice lan;
    final NetDevice wan;
    final List<ConntrackEvent> events;
    /** Where the {@code log} statements of installed rulesets write. */
    final LogRecorder packetLog;

    Lab() {
        this(LogLevel.DEBUG);
    }

    /** A lab whose packet log records from {@code packetLogLevel} up ({@code log} writes at DEBUG). */
    Lab(LogLevel packetLogLevel) {
        packetLog = new LogRecorder(LogExpr.LOGGER, packetLogLevel);
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        rig = new Rig(plugins);
        net = rig.net();
        events = rig.events().raw();
        lan = new NetDevice("lan", 1, null, null, 1500, List.of(
            new NetDevice.IfAddr(Family.IPV4, 0, Addr.parseV4("198.51.100.1") & 0xffffffffL, 24),
            v6Addr("2001:db8:1::1", 64)));
        wan = new NetDevice("wan", 2, null, null, 1500, List.of(
            new NetDevice.IfAddr(Family.IPV4, 0, Addr.parseV4("203.0.113.1") & 0xffffffffL, 24),
            v6Addr("2001:db8:2::1", 64)));
    }

    private static NetDevice.IfAddr v6Addr(String a, int len) {
        long[] v = Addr.parseV6(a);
        return new NetDevice.IfAddr(Family.IPV6, v[0], v[1], len);
    }

    InstalledRuleset install(String text) throws Exception {
        return new NftRulesets(packetLog).install(net, "test.nft", text);
    }

    /** A base chain around one rule, for operator tests: the rule drops what it matches. */
    InstalledRuleset installRule(String hook, int priority, String rule) throws Exception {
        return install("table inet t {\n\tchain c {\n\t\ttype filter hook " + hook + " priority " + priority
            + "; policy accept;\n\t\t" + rule + " drop\n\t}\n}\n");
    }

    /** Prerouting only (conntrack runs at -200); returns the verdict. */
    int pre(Packet p, NetDevice in) {
        p.in = in;
        return net.packets().runHook(Hook.PRE_ROUTING, p);
    }

    /** The router's forwarding path: prerouting, forward, postrouting. Returns the first non-accept verdict. */
    int forward(Packet p, NetDevice in, NetDevice out) {
        p.in = in;
        int v = net.packets().runHook(Hook.PRE_ROUTING, p);
        if (v != Verdict.ACCEPT) {
            return v;
        }
        p.out = out;
        v = net.packets().runHook(Hook.FORWARD, p);
        if (v != Verdict.ACCEPT) {
            return v;
        }
        return net.packets().runHook(Hook.POST_ROUTING, p);
    }

    @Override
    public void close() {
        rig.close();
    }

    // ---- packets ------------------------------------------------------------------------------------------------

    static byte[] udp(int sport, int dport, int payload) {
        return Packets.udp(sport, dport, new byte[payload]);
    }

    static final int SYN = Packets.SYN;
    static final int ACK = Packets.ACK;

    static byte[] tcp(int sport, int dport, int flags) {
        return Packets.tcp(sport, dport).seq(1 << 24).flags(flags).win(65535).bytes();
    }

    static Packet v4(String src, String dst, int proto, byte[] l4) {
        return v4(src, dst, proto, l4, 0);
    }

    /**
     * An IPv4 packet; {@code frag} is the flags/fragment-offset word (0x2000 MF, offset in 8-byte units). The
     * transport checksum is filled in for TCP and UDP only.
     */
    static Packet v4(String src, String dst, int proto, byte[] l4, int frag) {
        return Packets.packet(Packets.ip(src, dst).id(0x1234).fragment(frag).payload(proto, l4, l4proto(proto), 0)
            .build());
    }

    /**
     * An IPv6 packet: {@code nexthdr} in the fixed header, then {@code rest} (extension headers and the transport
     * header); the transport checksum (TCP, UDP) is filled in when {@code l4off >= 0} (an offset in the packet).
     */
    static Packet v6(String src, String dst, int nexthdr, byte[] rest, int l4off, int proto) {
        return Packets.packet(Packets.ip(src, dst).payload(nexthdr, rest, l4off >= 0 ? l4proto(proto) : -1,
            Math.max(l4off - 40, 0)).build());
    }

    static Packet v6(String src, String dst, int proto, byte[] l4) {
        return v6(src, dst, proto, l4, 40, proto);
    }

    private static int l4proto(int proto) {
        return proto == IpProto.TCP || proto == IpProto.UDP ? proto : -1;
    }

    static byte[] concat(byte[]... parts) {
        return Packets.concat(parts);
    }

    /** An IPv6 extension header of 8 bytes (hop-by-hop, destination options, routing) followed by {@code next}. */
    static byte[] ext8(int next) {
        byte[] b = new byte[8];
        b[0] = (byte) next;
        return b;
    }

    /** An IPv6 fragment header: {@code offset} in 8-byte units, {@code more} fragments flag. */
    static byte[] fragHdr(int next, int offset, boolean more) {
        byte[] b = new byte[8];
        b[0] = (byte) next;
        int w = offset << 3 | (more ? 1 : 0);
        b[2] = (byte) (w >>> 8);
        b[3] = (byte) w;
        b[7] = 1;
        return b;
    }
}
