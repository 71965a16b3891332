package org.conntrack4j.helper.amanda;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.EngineFactory;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.nat.NatComponent;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.proto.udp.UdpTracker;

/**
 * A router between lan (198.51.100.1/24) and wan (203.0.113.1/24) with the UDP and TCP trackers, NAT and the
 * Amanda helper, assigned to new UDP connections to port 10080 ({@code ct state new udp dport 10080 ct helper set
 * "amanda"}); {@link #masquerade()} adds {@code oifname "wan" masquerade}. The backup server is on the LAN
 * ({@link #SERVER}), the Amanda client on the WAN ({@link #CLIENT}); {@link #ask} sends the server's request,
 * {@link #answer} the client's answers.
 */
final class AmandaLab {
    static final String SERVER = "198.51.100.10";
    static final String CLIENT = "203.0.113.10";
    static final String ROUTER = "203.0.113.1";

    final Registry registry = new Registry();
    final AmandaHelper helper = new AmandaHelper();
    final ManualClock clock = new ManualClock(250);
    final Conntrack net;
    final NetDevice lan = device("lan", 1, "198.51.100.1");
    final NetDevice wan = device("wan", 2, ROUTER);
    private String seenServer = SERVER;

    AmandaLab() {
        registry.addTracker(new UdpTracker(), IpProto.UDP, true, true, registry.localId(), 0, "test");
        registry.addTracker(new TcpTracker(), IpProto.TCP, true, true, registry.localId(), 0, "test");
        registry.addExtension(new NatComponent(), "nat", registry.localId(), 0, "test");
        registry.addHelper(helper, registry.localId(), 0, "test");
        clock.setWallNanos(1_800_000_000_000_000_000L);
        net = EngineFactory.create(registry, "amanda-test", clock, null, false);
        net.packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && p.ctinfo == CtInfo.NEW && !p.ct.isConfirmed() && p.ct.protocol() == IpProto.UDP
                && p.ct.dstPort(Direction.ORIGINAL) == 10080) {
                Helper h = net.services().helper("amanda", p.family, IpProto.UDP);
                if (h != null) {
                    net.services().assignHelper(p.ct, h);
                }
            }
            return Verdict.ACCEPT;
        }, "ct helper set (test)");
    }

    private static NetDevice device(String name, int index, String v4) {
        return new NetDevice(name, index, null, null, 1500,
            List.of(new NetDevice.IfAddr(Family.IPV4, 0, Addr.parseV4(v4) & 0xffffffffL, 24)));
    }

    /** {@code oifname "wan" masquerade}. */
    AmandaLab masquerade() {
        Nat nat = net.services().extension(Nat.class);
        nat.registerChain(Family.INET, Hook.POST_ROUTING, Priority.NAT_SRC,
            p -> p.out == wan ? nat.masquerade(p, NatRange.ports(-1, -1, 0), "masquerade") : Verdict.ACCEPT, "test");
        seenServer = ROUTER;
        return this;
    }

    /** What became of one packet. */
    static final class Result {
        String state;
        int verdict;
        String reason;
        Connection ct;
        Packet out;

        /** The UDP payload as it left. */
        String payload() {
            byte[] b = new byte[out.length() - 28];
            out.copyOut(28, b, 0, b.length);
            return new String(b, StandardCharsets.ISO_8859_1);
        }
    }

    Result forward(Packet p) {
        boolean fromLan = (p.u32(12) & 0xffffff00) == (Addr.parseV4("198.51.100.0") & 0xffffff00);
        p.in = fromLan ? lan : wan;
        p.out = fromLan ? wan : lan;
        Result r = new Result();
        int v = net.packets().runHook(Hook.PRE_ROUTING, p);
        r.state = CtInfo.stateName(p.ct != null, p.ctinfo);
        r.ct = p.ct;
        if (v == Verdict.ACCEPT) {
            v = net.packets().runHook(Hook.POST_ROUTING, p);
        }
        r.verdict = v;
        r.reason = p.reason;
        r.out = v == Verdict.ACCEPT ? p : null;
        return r;
    }

    /** The backup server's request from its port {@code sport}. */
    Result ask(int sport) {
        return forward(udp(SERVER, sport, CLIENT, 10080, "Amanda 2.6 REQ HANDLE 000-1 SEQ 1\nSERVICE sendbackup\n"));
    }

    /** An answer of the client to the server's port {@code sport}. */
    Result answer(int sport, String text) {
        return forward(udp(CLIENT, 10080, seenServer, sport, text));
    }

    /** The backup server's SYN to an announced port. */
    Result connect(int sport, int port) {
        Packet p = packet(IpProto.TCP, SERVER, CLIENT, 20);
        p.put16(20, sport);
        p.put16(22, port);
        p.put32(24, 1000);
        p.put8(32, 5 << 4);
        p.put8(33, 0x02);
        p.put16(34, 64240);
        p.put16(36, Checksum.computeL4(p, 20, IpProto.TCP, 36));
        return forward(p);
    }

    List<String> expectations() {
        List<String> out = new ArrayList<>();
        for (ExpectationSnapshot x : net.table().expectations()) {
            out.add(CtFormat.expectation(x));
        }
        return out;
    }

    static Packet udp(String src, int sport, String dst, int dport, String text) {
        byte[] data = text.getBytes(StandardCharsets.ISO_8859_1);
        Packet p = packet(IpProto.UDP, src, dst, 8 + data.length);
        p.put16(20, sport);
        p.put16(22, dport);
        p.put16(24, 8 + data.length);
        p.copyIn(28, data, 0, data.length);
        p.put16(26, Checksum.computeL4(p, 20, IpProto.UDP, 26));
        if (IpHeaders.validate(p) != null) {
            throw new IllegalStateException("bad test packet");
        }
        return p;
    }

    /** An IPv4 header for {@code l4} bytes of protocol {@code proto}, the rest zero. */
    private static Packet packet(int proto, String src, String dst, int l4) {
        int total = 20 + l4;
        Packet p = new Packet(total + 64);
        p.load(new byte[total], 0, total, 0);
        p.put8(0, 0x45);
        p.put16(2, total);
        p.put8(8, 64);
        p.put8(9, proto);
        p.put32(12, Addr.parseV4(src));
        p.put32(16, Addr.parseV4(dst));
        p.put16(10, Checksum.ipv4Header(p));
        p.family = Family.IPV4;
        return p;
    }
}
