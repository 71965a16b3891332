package org.conntrack4j.rules.eval;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.rules.InstalledRuleset;

/**
 * A real engine with the UDP tracker (TCP falls to the generic tracker), the oracle router's two devices
 * ({@code lan} 198.51.100.1/24 and 2001:db8:1::1/64, index 1; {@code wan} 203.0.113.1/24 and 2001:db8:2::1/64,
 * index 2), an event recorder, and packet builders.
 */
final class Lab implements AutoCloseable {
    final Registry registry = new Registry();
    final ManualClock clock = new ManualClock(250);
    final Engine net;
    final NetDevice lan;
    final NetDevice wan;
    final List<ConntrackEvent> events = new ArrayList<>();

    Lab() {
        registry.addTracker(new UdpTracker(), 17, true, true, registry.localId(), 0, "test");
        clock.setWallNanos(1_000_000_000_000L);
        net = new Engine(registry, "test", clock, 1);
        lan = new NetDevice("lan", 1, null, null, 1500, List.of(
            new NetDevice.IfAddr(Family.IPV4, 0, Addr.parseV4("198.51.100.1") & 0xffffffffL, 24),
            v6Addr("2001:db8:1::1", 64)));
        wan = new NetDevice("wan", 2, null, null, 1500, List.of(
            new NetDevice.IfAddr(Family.IPV4, 0, Addr.parseV4("203.0.113.1") & 0xffffffffL, 24),
            v6Addr("2001:db8:2::1", 64)));
        net.addListener(new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                events.add(e);
            }
        }, true);
    }

    private static NetDevice.IfAddr v6Addr(String a, int len) {
        long[] v = Addr.parseV6(a);
        return new NetDevice.IfAddr(Family.IPV6, v[0], v[1], len);
    }

    InstalledRuleset install(String text) throws Exception {
        return new NftRulesets().install(net, "test.nft", text);
    }

    /** A base chain around one rule, for operator tests: the rule drops what it matches. */
    InstalledRuleset installRule(String hook, int priority, String rule) throws Exception {
        return install("table inet t {\n\tchain c {\n\t\ttype filter hook " + hook + " priority " + priority
            + "; policy accept;\n\t\t" + rule + " drop\n\t}\n}\n");
    }

    /** Prerouting only (conntrack runs at -200); returns the verdict. */
    int pre(Packet p, NetDevice in) {
        p.in = in;
        return net.runHook(Hook.PRE_ROUTING, p);
    }

    /** The router's forwarding path: prerouting, forward, postrouting. Returns the first non-accept verdict. */
    int forward(Packet p, NetDevice in, NetDevice out) {
        p.in = in;
        int v = net.runHook(Hook.PRE_ROUTING, p);
        if (v != Verdict.ACCEPT) {
            return v;
        }
        p.out = out;
        v = net.runHook(Hook.FORWARD, p);
        if (v != Verdict.ACCEPT) {
            return v;
        }
        return net.runHook(Hook.POST_ROUTING, p);
    }

    @Override
    public void close() {
        net.close();
    }

    // ---- packets ------------------------------------------------------------------------------------------------

    static byte[] udp(int sport, int dport, int payload) {
        byte[] b = new byte[8 + payload];
        put16(b, 0, sport);
        put16(b, 2, dport);
        put16(b, 4, b.length);
        return b;
    }

    static final int SYN = 0x02;
    static final int ACK = 0x10;

    static byte[] tcp(int sport, int dport, int flags) {
        byte[] b = new byte[20];
        put16(b, 0, sport);
        put16(b, 2, dport);
        b[4] = 1;
        b[12] = 5 << 4;
        b[13] = (byte) flags;
        put16(b, 14, 65535);
        return b;
    }

    private static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    static Packet v4(String src, String dst, int proto, byte[] l4) {
        return v4(src, dst, proto, l4, 0);
    }

    /** An IPv4 packet; {@code frag} is the flags/fragment-offset word (0x2000 MF, offset in 8-byte units). */
    static Packet v4(String src, String dst, int proto, byte[] l4, int frag) {
        int total = 20 + l4.length;
        Packet p = new Packet();
        p.load(new byte[total], 0, total, 14);
        p.put8(0, 0x45);
        p.put16(2, total);
        p.put16(4, 0x1234);
        p.put16(6, frag);
        p.put8(8, 64);
        p.put8(9, proto);
        p.put32(12, Addr.parseV4(src));
        p.put32(16, Addr.parseV4(dst));
        p.copyIn(20, l4, 0, l4.length);
        p.put16(10, Checksum.ipv4Header(p));
        assertNull(IpHeaders.validate(p));
        if (frag == 0) {
            fixL4(p, 20, proto);
        }
        return p;
    }

    /**
     * An IPv6 packet: {@code nexthdr} in the fixed header, then {@code rest} (extension headers and the transport
     * header); the transport checksum is filled in when {@code l4off >= 0}.
     */
    static Packet v6(String src, String dst, int nexthdr, byte[] rest, int l4off, int proto) {
        int total = 40 + rest.length;
        Packet p = new Packet();
        p.load(new byte[total], 0, total, 14);
        p.put32(0, 0x60000000);
        p.put16(4, rest.length);
        p.put8(6, nexthdr);
        p.put8(7, 64);
        long[] s = Addr.parseV6(src);
        long[] d = Addr.parseV6(dst);
        put64(p, 8, s[0]);
        put64(p, 16, s[1]);
        put64(p, 24, d[0]);
        put64(p, 32, d[1]);
        p.copyIn(40, rest, 0, rest.length);
        assertNull(IpHeaders.validate(p));
        if (l4off >= 0) {
            fixL4(p, l4off, proto);
        }
        return p;
    }

    static Packet v6(String src, String dst, int proto, byte[] l4) {
        return v6(src, dst, proto, l4, 40, proto);
    }

    private static void put64(Packet p, int off, long v) {
        p.put32(off, (int) (v >>> 32));
        p.put32(off + 4, (int) v);
    }

    private static void fixL4(Packet p, int off, int proto) {
        if (proto == 17 && p.length() - off >= 8) {
            int c = Checksum.computeL4(p, off, proto, off + 6);
            p.put16(off + 6, c == 0 ? 0xffff : c);
        } else if (proto == 6 && p.length() - off >= 20) {
            p.put16(off + 16, Checksum.computeL4(p, off, proto, off + 16));
        }
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] b : parts) {
            n += b.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] b : parts) {
            System.arraycopy(b, 0, out, at, b.length);
            at += b.length;
        }
        return out;
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
