package org.conntrack4j.helper.irc;

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

/**
 * A router between lan (198.51.100.1/24) and wan (203.0.113.1/24) with the TCP tracker, NAT and the IRC helper,
 * assigned to new connections to port 6667 ({@code ct state new tcp dport 6667 ct helper set "irc"});
 * {@link #masquerade()} adds {@code oifname "wan" masquerade}. {@link Session} is an IRC connection from the LAN
 * client to the WAN server whose segments go through PRE_ROUTING and POST_ROUTING, with the numbers each side sees.
 */
final class IrcLab {
    static final String CLIENT = "198.51.100.10";
    static final String SERVER = "203.0.113.10";
    static final String ROUTER = "203.0.113.1";
    static final int SYN = 0x02;
    static final int ACK = 0x10;
    static final int PSH_ACK = 0x18;

    final Registry registry = new Registry();
    final IrcHelper helper = new IrcHelper();
    final ManualClock clock = new ManualClock(250);
    final Conntrack net;
    final NetDevice lan = device("lan", 1, "198.51.100.1");
    final NetDevice wan = device("wan", 2, ROUTER);
    private boolean masquerading;

    IrcLab() {
        this(null);
    }

    /** With the helper activated with these module parameters (null: none given). */
    IrcLab(java.util.Map<String, Object> parameters) {
        helper.activate(parameters);
        registry.addTracker(new TcpTracker(), IpProto.TCP, true, true, registry.localId(), 0, "test");
        registry.addExtension(new NatComponent(), "nat", registry.localId(), 0, "test");
        registry.addHelper(helper, registry.localId(), 0, "test");
        clock.setWallNanos(1_800_000_000_000_000_000L);
        net = EngineFactory.create(registry, "irc-test", clock, null, false);
        net.packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && p.ctinfo == CtInfo.NEW && !p.ct.isConfirmed()
                && p.ct.dstPort(Direction.ORIGINAL) == 6667) {
                Helper h = net.services().helper("irc", p.family, IpProto.TCP);
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
    IrcLab masquerade() {
        Nat nat = net.services().extension(Nat.class);
        nat.registerChain(Family.INET, Hook.POST_ROUTING, Priority.NAT_SRC,
            p -> p.out == wan ? nat.masquerade(p, NatRange.ports(-1, -1, 0), "masquerade") : Verdict.ACCEPT, "test");
        masquerading = true;
        return this;
    }

    /** What became of one segment. */
    static final class Result {
        String state;
        int verdict;
        String reason;
        Connection ct;
        /** The segment as it left, or null if dropped. */
        Packet out;

        String payload() {
            int l4 = out.family == Family.IPV4 ? 20 : 40;
            int off = l4 + ((out.u8(l4 + 12) >>> 4) << 2);
            byte[] b = new byte[out.length() - off];
            out.copyOut(off, b, 0, b.length);
            return new String(b, StandardCharsets.ISO_8859_1);
        }
    }

    Result forward(Packet p, boolean fromLan) {
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

    List<String> expectations() {
        List<String> out = new ArrayList<>();
        for (ExpectationSnapshot x : net.table().expectations()) {
            out.add(CtFormat.expectation(x));
        }
        return out;
    }

    /** One IRC connection from the client's port {@code cport}; keeps both sides' next sequence numbers. */
    final class Session {
        final int cport;
        final String seen;
        int cseq = 1000;
        int sseq = 90000;
        Connection ct;

        Session(int cport) {
            this.cport = cport;
            this.seen = masquerading ? ROUTER : CLIENT;
            Result syn = forward(tcp(CLIENT, cport, SERVER, 6667, cseq++, 0, SYN, ""), true);
            ct = syn.ct;
            forward(tcp(SERVER, 6667, seen, cport, sseq++, cseq, SYN | ACK, ""), false);
            forward(tcp(CLIENT, cport, SERVER, 6667, cseq, sseq, ACK, ""), true);
        }

        /** A segment from the client (its sequence number as the client counts). */
        Result client(String text) {
            Result r = forward(tcp(CLIENT, cport, SERVER, 6667, cseq, sseq, PSH_ACK, text), true);
            cseq += text.length();
            return r;
        }

        Result server(String text) {
            Result r = forward(tcp(SERVER, 6667, seen, cport, sseq, cseq, PSH_ACK, text), false);
            sseq += text.length();
            return r;
        }
    }

    /** An IPv4 TCP segment (no options) with valid checksums; the text in ISO-8859-1. */
    static Packet tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, String text) {
        byte[] data = text.getBytes(StandardCharsets.ISO_8859_1);
        int total = 40 + data.length;
        Packet p = new Packet(total + 64);
        p.load(new byte[total], 0, total, 0);
        p.put8(0, 0x45);
        p.put16(2, total);
        p.put8(8, 64);
        p.put8(9, IpProto.TCP);
        p.put32(12, Addr.parseV4(src));
        p.put32(16, Addr.parseV4(dst));
        p.put16(10, Checksum.ipv4Header(p));
        p.family = Family.IPV4;
        p.put16(20, sport);
        p.put16(22, dport);
        p.put32(24, seq);
        p.put32(28, ack);
        p.put8(32, 5 << 4);
        p.put8(33, flags);
        p.put16(34, 64240);
        p.copyIn(40, data, 0, data.length);
        p.put16(36, Checksum.computeL4(p, 20, IpProto.TCP, 36));
        if (IpHeaders.validate(p) != null) {
            throw new IllegalStateException("bad test packet");
        }
        return p;
    }
}
