package org.conntrack4j.nat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.HookFunction;
import org.conntrack4j.core.text.CtFormat;

/**
 * An engine with the trackers and NAT behind a small router: lan (198.51.100.1/24, 2001:db8:1::1/64), wan
 * (203.0.113.1/24, 2001:db8:2::1/64) and wan2 (198.18.0.1/24, 2001:db8:3::1/64; the default route is wan). Packets are forwarded the way the replay's router
 * does it: PRE_ROUTING, routing by connected prefix on the (possibly DNATed) destination, FORWARD and
 * POST_ROUTING, or LOCAL_IN for the router's own addresses.
 */
final class NatRig {
    final NatLab lab = new NatLab();
    final ManualClock clock = new ManualClock(250);
    final Conntrack net;
    final Nat nat;
    final NetDevice lan = device("lan", 1, "198.51.100.1", 24, "2001:db8:1::1", 64);
    final NetDevice wan = device("wan", 2, "203.0.113.1", 24, "2001:db8:2::1", 64);
    final NetDevice wan2 = device("wan2", 3, "198.18.0.1", 24, "2001:db8:3::1", 64);
    /** The router's interfaces (its routes and own addresses); a test may move them. */
    List<NetDevice> devices = List.of(lan, wan, wan2);
    final List<String> events = new ArrayList<>();

    /** What happened to one packet. */
    static final class Fwd {
        int verdict;
        String state;
        String dir;
        Connection ct;
        NetDevice out;
        byte[] bytes;

        String state() {
            return state + "/" + dir;
        }
    }

    NatRig() {
        clock.setWallNanos(1_800_000_000_000_000_000L);
        net = lab.engine("nat-test", clock, Map.of());
        nat = net.services().extension(Nat.class);
        net.table().addListener(e -> events.add(CtFormat.event(e, false)), true);
    }

    static NetDevice device(String name, int index, String v4, int len4, String v6, int len6) {
        long[] a6 = Addr.parseV6(v6);
        return new NetDevice(name, index, new byte[] {2, 0, 0, 0, 0, (byte) index}, null, 1500, List.of(
            new NetDevice.IfAddr(Family.IPV4, 0, Integer.toUnsignedLong(Addr.parseV4(v4)), len4),
            new NetDevice.IfAddr(Family.IPV6, a6[0], a6[1], len6)));
    }

    /** Receives {@code ip} on {@code in} and forwards or delivers it. */
    Fwd forward(byte[] ip, NetDevice in) {
        Packet p = new Packet();
        p.load(ip, 0, ip.length, 14);
        String bad = IpHeaders.validate(p);
        if (bad != null) {
            throw new IllegalArgumentException(bad);
        }
        p.in = in;
        p.tstamp = clock.wallNanos();
        Fwd f = new Fwd();
        f.verdict = net.packets().runHook(Hook.PRE_ROUTING, p);
        f.state = CtInfo.stateName(p.ct != null, p.ctinfo);
        f.dir = p.ct == null ? "none" : CtInfo.direction(p.ctinfo) == 0 ? "original" : "reply";
        f.ct = p.ct;
        if (f.verdict != Verdict.ACCEPT) {
            return f;
        }
        if (isLocal(p)) {
            f.verdict = net.packets().runHook(Hook.LOCAL_IN, p);
        } else {
            p.out = route(p);
            f.out = p.out;
            decreaseTtl(p);
            f.verdict = net.packets().runHook(Hook.FORWARD, p);
            if (f.verdict == Verdict.ACCEPT) {
                f.verdict = net.packets().runHook(Hook.POST_ROUTING, p);
            }
        }
        f.ct = p.ct;
        f.bytes = p.toBytes();
        return f;
    }

    /** Sends {@code ip} from the router itself: LOCAL_OUT, routing, POST_ROUTING. */
    Fwd output(byte[] ip) {
        Packet p = new Packet();
        p.load(ip, 0, ip.length, 14);
        IpHeaders.validate(p);
        p.out = route(p);
        Fwd f = new Fwd();
        f.verdict = net.packets().runHook(Hook.LOCAL_OUT, p);
        f.state = CtInfo.stateName(p.ct != null, p.ctinfo);
        f.dir = p.ct == null ? "none" : CtInfo.direction(p.ctinfo) == 0 ? "original" : "reply";
        if (f.verdict == Verdict.ACCEPT) {
            p.out = route(p);
            f.out = p.out;
            f.verdict = net.packets().runHook(Hook.POST_ROUTING, p);
        }
        f.ct = p.ct;
        f.bytes = p.toBytes();
        return f;
    }

    /** {@code ip_decrease_ttl} (checksum updated incrementally) and the IPv6 hop limit. */
    private static void decreaseTtl(Packet p) {
        if (p.family == Family.IPV6) {
            p.put8(7, p.u8(7) - 1);
            return;
        }
        int old = p.u16(8);
        p.put8(8, p.u8(8) - 1);
        p.put16(10, org.conntrack4j.core.inet.Checksum.replace16(p.u16(10), old, p.u16(8)));
    }

    private boolean isLocal(Packet p) {
        long[] d = dst(p);
        for (NetDevice dev : devices) {
            if (dev.owns(p.family, d[0], d[1])) {
                return true;
            }
        }
        return p.family == Family.IPV4 && (d[1] >>> 24) == 127;
    }

    private NetDevice route(Packet p) {
        long[] d = dst(p);
        NetDevice best = null;
        int len = -1;
        for (NetDevice dev : devices) {
            for (NetDevice.IfAddr a : dev.addresses()) {
                if (a.prefixLen > len && a.covers(p.family, d[0], d[1])) {
                    best = dev;
                    len = a.prefixLen;
                }
            }
        }
        // The default route: the wan side.
        return best != null || (p.family == Family.IPV4 && (d[1] >>> 24) == 127) || (p.family == Family.IPV6
            && d[0] == 0 && d[1] == 1) ? best : wan;
    }

    private static long[] dst(Packet p) {
        return p.family == Family.IPV4 ? new long[] {0, p.u32(16) & 0xffffffffL} : new long[] {p.u64(24), p.u64(32)};
    }

    /** {@code oifname OIF masquerade} with the range's ports and flags (family INET). */
    Registration masquerade(String oif, NatRange range) {
        return nat.registerChain(Family.INET, Hook.POST_ROUTING, Priority.NAT_SRC,
            p -> p.out != null && p.out.name().equals(oif) ? nat.masquerade(p, range, "masquerade via " + oif)
                : Verdict.ACCEPT, "test masquerade");
    }

    /** A source NAT chain applying {@code range} to everything leaving by {@code oif}. */
    Registration snat(String oif, NatRange range) {
        return chain(Hook.POST_ROUTING, p -> p.out != null && p.out.name().equals(oif)
            ? nat.setup(p, p.ct, range, NatManip.SRC, "snat to " + range) : Verdict.ACCEPT);
    }

    /** A destination NAT chain applying {@code range} to everything arriving on {@code iif}. */
    Registration dnat(String iif, NatRange range) {
        return chain(Hook.PRE_ROUTING, p -> p.in != null && p.in.name().equals(iif)
            ? nat.setup(p, p.ct, range, NatManip.DST, "dnat to " + range) : Verdict.ACCEPT);
    }

    Registration chain(int hook, HookFunction fn) {
        int prio = NatManip.ofHook(hook) == NatManip.SRC ? Priority.NAT_SRC : Priority.NAT_DST;
        return nat.registerChain(Family.INET, hook, prio, fn, "test chain");
    }

    /** A connection's listing line without timeout and id. */
    String line(Connection ct) {
        return CtFormat.listLine(net.table().snapshot(ct)).replaceAll(" id=\\d+", "");
    }

    static long ip4(String a) {
        return Integer.toUnsignedLong(Addr.parseV4(a));
    }

    static NatRange to4(String a, int minPort, int maxPort, int flags) {
        return NatRange.to(Family.IPV4, 0, ip4(a), minPort, maxPort, flags);
    }

    static NatRange range4(String a, String b, int minPort, int maxPort, int flags) {
        int f = NatRange.MAP_IPS | flags | (minPort >= 0 ? NatRange.PROTO_SPECIFIED : 0);
        return new NatRange(f, Family.IPV4, 0, ip4(a), 0, ip4(b), Math.max(minPort, 0), Math.max(maxPort, 0));
    }
}
