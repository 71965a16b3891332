package org.conntrack4j.helper.tftp;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.EngineFactory;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.nat.NatComponent;
import org.conntrack4j.proto.udp.UdpTracker;

/**
 * A router between lan (198.51.100.1/24, 2001:db8:1::1/64) and wan (203.0.113.1/24, 2001:db8:2::1/64) with the
 * UDP tracker, NAT and the TFTP helper, assigned to new UDP connections to the {@link #helpedPorts} as
 * {@code ct state new udp dport 69 ct helper set "tftp"} does; {@link #masquerade()} adds
 * {@code oifname "wan" masquerade}. Datagrams are forwarded through PRE_ROUTING and POST_ROUTING.
 */
final class TftpLab {
    static final String CLIENT = "198.51.100.10";
    static final String SERVER = "203.0.113.10";
    static final String ROUTER = "203.0.113.1";

    final Registry registry = new Registry();
    final TftpHelper helper = new TftpHelper();
    final ManualClock clock = new ManualClock(250);
    final Conntrack net;
    final NetDevice lan = device("lan", 1, "198.51.100.1", "2001:db8:1::1");
    final NetDevice wan = device("wan", 2, ROUTER, "2001:db8:2::1");
    final List<String> expectEvents = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    Set<Integer> helpedPorts = Set.of(69);

    TftpLab() {
        registry.addTracker(new UdpTracker(), IpProto.UDP, true, true, registry.localId(), 0, "test");
        registry.addExtension(new NatComponent(), "nat", registry.localId(), 0, "test");
        registry.addHelper(helper, registry.localId(), 0, "test");
        clock.setWallNanos(1_800_000_000_000_000_000L);
        net = EngineFactory.create(registry, "tftp-test", clock, null, false);
        net.packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && p.ctinfo == CtInfo.NEW && !p.ct.isConfirmed()
                && helpedPorts.contains(p.ct.dstPort(Direction.ORIGINAL))) {
                Helper h = net.services().helper("tftp", p.family, IpProto.UDP);
                if (h != null) {
                    net.services().assignHelper(p.ct, h);
                }
            }
            return Verdict.ACCEPT;
        }, "ct helper set (test)");
        net.table().addListener(new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                events.add(CtFormat.event(e, false));
            }

            @Override
            public void onExpectationEvent(ExpectationEvent e) {
                expectEvents.add(CtFormat.expectationEvent(e, false));
            }
        }, true);
    }

    private static NetDevice device(String name, int index, String v4, String v6) {
        long[] a6 = Addr.parseV6(v6);
        return new NetDevice(name, index, null, null, 1500, List.of(
            new NetDevice.IfAddr(Family.IPV4, 0, Addr.parseV4(v4) & 0xffffffffL, 24),
            new NetDevice.IfAddr(Family.IPV6, a6[0], a6[1], 64)));
    }

    /** {@code oifname "wan" masquerade}. */
    TftpLab masquerade() {
        Nat nat = net.services().extension(Nat.class);
        nat.registerChain(Family.INET, Hook.POST_ROUTING, Priority.NAT_SRC,
            p -> p.out == wan ? nat.masquerade(p, NatRange.ports(-1, -1, 0), "masquerade") : Verdict.ACCEPT, "test");
        return this;
    }

    /** What became of one datagram. */
    static final class Result {
        String state;
        int verdict;
        String reason;
        Connection ct;
        Packet out;
    }

    /** A datagram from {@code src} (its side decides the interfaces) through the router. */
    Result udp(String src, int sport, String dst, int dport, byte[] payload) {
        Packet p = packet(src, sport, dst, dport, payload);
        boolean fromLan = src.startsWith("198.51.100.") || src.startsWith("2001:db8:1:");
        p.in = fromLan ? lan : wan;
        p.out = fromLan ? wan : lan;
        p.tstamp = clock.wallNanos();
        Result r = new Result();
        int v = net.packets().runHook(Hook.PRE_ROUTING, p);
        r.state = CtInfo.stateName(p.ct != null, p.ctinfo);
        r.ct = p.ct;
        if (v == Verdict.ACCEPT) {
            v = net.packets().runHook(Hook.POST_ROUTING, p);
        }
        r.verdict = v;
        r.reason = p.reason;
        r.out = p;
        return r;
    }

    /** The live expectations as {@code conntrack -L expect} lines. */
    List<String> expectations() {
        List<String> out = new ArrayList<>();
        for (ExpectationSnapshot x : net.table().expectations()) {
            out.add(CtFormat.expectation(x));
        }
        return out;
    }

    static byte[] request(int opcode, String file) {
        byte[] name = (file + "\0octet\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] b = new byte[2 + name.length];
        b[1] = (byte) opcode;
        System.arraycopy(name, 0, b, 2, name.length);
        return b;
    }

    /** An IPv4 or IPv6 UDP datagram with valid checksums. */
    static Packet packet(String src, int sport, String dst, int dport, byte[] payload) {
        boolean v6 = src.indexOf(':') >= 0;
        int hl = v6 ? 40 : 20;
        int total = hl + 8 + payload.length;
        Packet p = new Packet(total + 64);
        p.load(new byte[total], 0, total, 0);
        if (v6) {
            p.put32(0, 6 << 28);
            p.put16(4, 8 + payload.length);
            p.put8(6, IpProto.UDP);
            p.put8(7, 64);
            long[] a = {Addr.parseV6(src)[0], Addr.parseV6(src)[1], Addr.parseV6(dst)[0], Addr.parseV6(dst)[1]};
            for (int i = 0; i < 8; i++) {
                p.put32(8 + 4 * i, (int) (a[i / 2] >>> (i % 2 == 0 ? 32 : 0)));
            }
            p.family = Family.IPV6;
        } else {
            p.put8(0, 0x45);
            p.put16(2, total);
            p.put8(8, 64);
            p.put8(9, IpProto.UDP);
            p.put32(12, Addr.parseV4(src));
            p.put32(16, Addr.parseV4(dst));
            p.put16(10, Checksum.ipv4Header(p));
            p.family = Family.IPV4;
        }
        p.put16(hl, sport);
        p.put16(hl + 2, dport);
        p.put16(hl + 4, 8 + payload.length);
        p.copyIn(hl + 8, payload, 0, payload.length);
        p.put16(hl + 6, Checksum.computeL4(p, hl, IpProto.UDP, hl + 6));
        if (IpHeaders.validate(p) != null) {
            throw new IllegalStateException("bad test packet");
        }
        return p;
    }
}
