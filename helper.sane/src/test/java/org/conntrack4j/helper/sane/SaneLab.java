package org.conntrack4j.helper.sane;

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
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.EngineFactory;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.proto.tcp.TcpTracker;

/**
 * An engine with the TCP tracker and the SANE helper, assigned to new connections to port 6566 ({@code ct state new
 * tcp dport 6566 ct helper set "sane"}). {@link Control} is a control connection between a client and saned whose
 * messages are single segments, in IPv4 or IPv6, through PRE_ROUTING and POST_ROUTING.
 */
final class SaneLab {
    final Registry registry = new Registry();
    final SaneHelper helper = new SaneHelper();
    final ManualClock clock = new ManualClock(250);
    final Conntrack net;

    SaneLab() {
        registry.addTracker(new TcpTracker(), IpProto.TCP, true, true, registry.localId(), 0, "test");
        registry.addHelper(helper, registry.localId(), 0, "test");
        clock.setWallNanos(1_800_000_000_000_000_000L);
        net = EngineFactory.create(registry, "sane-test", clock, null, false);
        net.packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && p.ctinfo == CtInfo.NEW && !p.ct.isConfirmed()
                && p.ct.dstPort(Direction.ORIGINAL) == 6566) {
                Helper h = net.services().helper("sane", p.family, IpProto.TCP);
                if (h != null) {
                    net.services().assignHelper(p.ct, h);
                }
            }
            return Verdict.ACCEPT;
        }, "ct helper set (test)");
    }

    List<String> expectations() {
        List<String> out = new ArrayList<>();
        for (ExpectationSnapshot x : net.table().expectations()) {
            out.add(CtFormat.expectation(x));
        }
        return out;
    }

    /** What became of one segment. */
    static final class Result {
        String state;
        int verdict;
        String reason;
        Connection ct;
    }

    Result forward(Packet p) {
        Result r = new Result();
        int v = net.packets().runHook(Hook.PRE_ROUTING, p);
        r.state = CtInfo.stateName(p.ct != null, p.ctinfo);
        r.ct = p.ct;
        if (v == Verdict.ACCEPT) {
            v = net.packets().runHook(Hook.POST_ROUTING, p);
        }
        r.verdict = v;
        r.reason = p.reason;
        return r;
    }

    /** A control connection from {@code client}:{@code cport} to saned at {@code server}:6566, handshake done. */
    final class Control {
        final String client;
        final String server;
        final int cport;
        int cseq = 7000;
        int sseq = 3000;
        Connection ct;

        Control(String client, int cport, String server) {
            this.client = client;
            this.server = server;
            this.cport = cport;
            Result syn = forward(tcp(client, cport, server, 6566, cseq++, 0, 0x02, new byte[0]));
            ct = syn.ct;
            forward(tcp(server, 6566, client, cport, sseq++, cseq, 0x12, new byte[0]));
            forward(tcp(client, cport, server, 6566, cseq, sseq, 0x10, new byte[0]));
        }

        Result request(byte[] data) {
            Result r = forward(tcp(client, cport, server, 6566, cseq, sseq, 0x18, data));
            cseq += data.length;
            return r;
        }

        Result reply(byte[] data) {
            Result r = forward(tcp(server, 6566, client, cport, sseq, cseq, 0x18, data));
            sseq += data.length;
            return r;
        }

        /** SANE_NET_START and saned's reply with {@code status} and {@code port}. */
        Result start(int status, int port) {
            request(words(7, 1));
            return reply(SaneLab.reply(status, 0, port));
        }
    }

    /** Big-endian 32-bit words. */
    static byte[] words(int... w) {
        byte[] b = new byte[4 * w.length];
        for (int i = 0; i < w.length; i++) {
            b[4 * i] = (byte) (w[i] >>> 24);
            b[4 * i + 1] = (byte) (w[i] >>> 16);
            b[4 * i + 2] = (byte) (w[i] >>> 8);
            b[4 * i + 3] = (byte) w[i];
        }
        return b;
    }

    /** A SANE_NET_START reply: status, a 16-bit word, the port, then a resource name. */
    static byte[] reply(int status, int zero, int port) {
        byte[] head = words(status, zero << 16 | port, 5);
        byte[] b = java.util.Arrays.copyOf(head, head.length + 5);
        System.arraycopy("ruser".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, b, head.length, 5);
        return b;
    }

    /** A TCP segment (no options) over IPv4 or IPv6 with valid checksums. */
    static Packet tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, byte[] data) {
        boolean v6 = src.indexOf(':') >= 0;
        int hl = v6 ? 40 : 20;
        int total = hl + 20 + data.length;
        Packet p = new Packet(total + 64);
        p.load(new byte[total], 0, total, 0);
        if (v6) {
            p.put32(0, 6 << 28);
            p.put16(4, 20 + data.length);
            p.put8(6, IpProto.TCP);
            p.put8(7, 64);
            long[] s = Addr.parseV6(src);
            long[] d = Addr.parseV6(dst);
            long[] a = {s[0], s[1], d[0], d[1]};
            for (int i = 0; i < 8; i++) {
                p.put32(8 + 4 * i, (int) (a[i / 2] >>> (i % 2 == 0 ? 32 : 0)));
            }
            p.family = Family.IPV6;
        } else {
            p.put8(0, 0x45);
            p.put16(2, total);
            p.put8(8, 64);
            p.put8(9, IpProto.TCP);
            p.put32(12, Addr.parseV4(src));
            p.put32(16, Addr.parseV4(dst));
            p.put16(10, Checksum.ipv4Header(p));
            p.family = Family.IPV4;
        }
        p.put16(hl, sport);
        p.put16(hl + 2, dport);
        p.put32(hl + 4, seq);
        p.put32(hl + 8, ack);
        p.put8(hl + 12, 5 << 4);
        p.put8(hl + 13, flags);
        p.put16(hl + 14, 64240);
        p.copyIn(hl + 20, data, 0, data.length);
        p.put16(hl + 16, Checksum.computeL4(p, hl, IpProto.TCP, hl + 16));
        return p;
    }
}
