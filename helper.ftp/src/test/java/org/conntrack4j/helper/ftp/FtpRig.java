package org.conntrack4j.helper.ftp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationEvent;
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
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.proto.tcp.TcpTracker;

/**
 * An engine with the TCP tracker and the FTP helper, the helper assigned to new connections to port 21 as
 * {@code ct state new tcp dport 21 ct helper set "ftp"} does, and event recording. Packets go through
 * PRE_ROUTING and POST_ROUTING as on a forwarding router; {@link Session} keeps a TCP conversation's numbers.
 */
final class FtpRig {
    static final int SYN = 0x02;
    static final int ACK = 0x10;
    static final int PSH_ACK = 0x18;
    static final int FIN_ACK = 0x11;

    final Registry registry = new Registry();
    final FtpHelper helper = new FtpHelper();
    final ManualClock clock = new ManualClock(250);
    final Conntrack net;
    final List<String> events = new ArrayList<>();
    final List<String> expectEvents = new ArrayList<>();
    private long nanos = 1_700_000_000_000_000_000L;

    FtpRig() {
        registry.addTracker(new TcpTracker(), IpProto.TCP, true, true, registry.localId(), 0, "test");
        registry.addHelper(helper, registry.localId(), 0, "test");
        clock.setWallNanos(nanos);
        net = EngineFactory.create(registry, "ftp-test", clock, null, false);
        net.packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && p.ctinfo == CtInfo.NEW && !p.ct.isConfirmed()
                && p.ct.dstPort(Direction.ORIGINAL) == 21) {
                Helper h = net.services().helper("ftp", p.family, IpProto.TCP);
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

    /** Moves the clock forward. */
    void advance(double seconds) {
        nanos += (long) (seconds * 1e9);
        clock.setWallNanos(nanos);
    }

    /** What happened to one packet. */
    static final class Result {
        String state;
        int verdict;
        Connection ct;
        int ctinfo;
        String reason;
        /** The packet as it leaves (after the helper and sequence adjustment); null if dropped. */
        byte[] out;

        String payload() {
            return FtpRig.payload(out);
        }
    }

    /** Runs one IP packet through PRE_ROUTING and POST_ROUTING. */
    Result forward(byte[] ip) {
        Packet p = new Packet();
        p.load(ip, 0, ip.length, 16);
        String bad = IpHeaders.validate(p);
        if (bad != null) {
            throw new IllegalStateException("bad test packet: " + bad);
        }
        p.tstamp = nanos;
        Result r = new Result();
        int v = net.packets().runHook(Hook.PRE_ROUTING, p);
        r.state = CtInfo.stateName(p.ct != null, p.ctinfo);
        r.ct = p.ct;
        r.ctinfo = p.ctinfo;
        if (v == Verdict.ACCEPT) {
            v = net.packets().runHook(Hook.POST_ROUTING, p);
        }
        r.verdict = v;
        r.reason = p.reason;
        r.out = v == Verdict.ACCEPT ? p.toBytes() : null;
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

    // ---- packets ------------------------------------------------------------------------------------------

    static boolean isV6(String addr) {
        return addr.indexOf(':') >= 0;
    }

    /** A TCP segment (no options) with a valid IP header and checksum. */
    static byte[] tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, byte[] data) {
        boolean v6 = isV6(src);
        int ipLen = v6 ? 40 : 20;
        int total = ipLen + 20 + data.length;
        Packet p = new Packet(total + 16);
        p.load(new byte[total], 0, total, 0);
        if (v6) {
            p.put32(0, 6 << 28);
            p.put16(4, 20 + data.length);
            p.put8(6, IpProto.TCP);
            p.put8(7, 64);
            putV6(p, 8, src);
            putV6(p, 24, dst);
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
        p.put16(ipLen, sport);
        p.put16(ipLen + 2, dport);
        p.put32(ipLen + 4, seq);
        p.put32(ipLen + 8, ack);
        p.put8(ipLen + 12, 5 << 4);
        p.put8(ipLen + 13, flags);
        p.put16(ipLen + 14, 64240);
        p.copyIn(ipLen + 20, data, 0, data.length);
        p.put16(ipLen + 16, Checksum.computeL4(p, ipLen, IpProto.TCP, ipLen + 16));
        return p.toBytes();
    }

    private static void putV6(Packet p, int off, String addr) {
        long[] a = Addr.parseV6(addr);
        p.put32(off, (int) (a[0] >>> 32));
        p.put32(off + 4, (int) a[0]);
        p.put32(off + 8, (int) (a[1] >>> 32));
        p.put32(off + 12, (int) a[1]);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static int ipHeaderLength(byte[] ip) {
        return (ip[0] & 0xf0) == 0x60 ? 40 : (ip[0] & 0x0f) * 4;
    }

    /** The TCP payload of an IP packet as ISO-8859-1 text. */
    static String payload(byte[] ip) {
        int l4 = ipHeaderLength(ip);
        int off = l4 + ((ip[l4 + 12] & 0xf0) >>> 2);
        return new String(ip, off, ip.length - off, StandardCharsets.ISO_8859_1);
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xff) << 8 | (b[off + 1] & 0xff);
    }

    static int u32(byte[] b, int off) {
        return u16(b, off) << 16 | u16(b, off + 2);
    }

    static int seqOf(byte[] ip) {
        return u32(ip, ipHeaderLength(ip) + 4);
    }

    static int ackOf(byte[] ip) {
        return u32(ip, ipHeaderLength(ip) + 8);
    }

    /** Are the IP length fields and the IPv4 header and TCP checksums right? */
    static boolean checksumsValid(byte[] ip) {
        Packet p = new Packet(ip.length + 16);
        p.load(ip, 0, ip.length, 0);
        if (IpHeaders.validate(p) != null) {
            return false;
        }
        int l4 = ipHeaderLength(ip);
        return Checksum.l4Valid(p, l4, IpProto.TCP);
    }

    /**
     * One TCP conversation between a client and a server as the router sees it: the client's packets carry its
     * own address, the server's are addressed to {@code seenClient} (the client, or the router's address when
     * the client is translated). Keeps both sides' next sequence numbers.
     */
    final class Session {
        final String client;
        final int cport;
        final String server;
        final int sport;
        final String seenClient;
        int cseq;
        int sseq;
        /** The connection, once the handshake made it. */
        Connection ct;

        Session(String client, int cport, String server, int sport, String seenClient, int cisn, int sisn) {
            this.client = client;
            this.cport = cport;
            this.server = server;
            this.sport = sport;
            this.seenClient = seenClient;
            this.cseq = cisn;
            this.sseq = sisn;
        }

        Session(String client, int cport, String server, int sport) {
            this(client, cport, server, sport, client, 1000, 50000);
        }

        /** SYN, SYN/ACK, ACK. */
        Session handshake() {
            Result syn = forward(tcp(client, cport, server, sport, cseq, 0, SYN, new byte[0]));
            expectState("new", syn);
            ct = syn.ct;
            cseq++;
            expectState("established", forward(tcp(server, sport, seenClient, cport, sseq, cseq, SYN | ACK,
                new byte[0])));
            sseq++;
            expectState("established", forward(tcp(client, cport, server, sport, cseq, sseq, ACK, new byte[0])));
            return this;
        }

        /** A data segment from the client; the sequence number moves on whatever became of it. */
        Result client(String text) {
            byte[] d = ascii(text);
            Result r = forward(tcp(client, cport, server, sport, cseq, sseq, PSH_ACK, d));
            cseq += d.length;
            return r;
        }

        /** A data segment from the server. */
        Result server(String text) {
            byte[] d = ascii(text);
            Result r = forward(tcp(server, sport, seenClient, cport, sseq, cseq, PSH_ACK, d));
            sseq += d.length;
            return r;
        }

        /** A data segment from the client at an explicit sequence number (a retransmission). */
        Result clientAt(int seq, String text) {
            return forward(tcp(client, cport, server, sport, seq, sseq, PSH_ACK, ascii(text)));
        }

        /** A bare ACK from the server acknowledging {@code ack}. */
        Result serverAck(int ack) {
            return forward(tcp(server, sport, seenClient, cport, sseq, ack, ACK, new byte[0]));
        }

        /** A bare ACK from the client. */
        Result clientAck() {
            return forward(tcp(client, cport, server, sport, cseq, sseq, ACK, new byte[0]));
        }

        /**
         * The usual opening after the handshake: the server's greeting and the client's USER, so that both
         * directions have a known line start.
         */
        Session login() {
            expectAccepted(server("220 (vsFTPd 3.0.3)\r\n"));
            expectAccepted(client("USER anonymous\r\n"));
            expectAccepted(server("230 Login successful.\r\n"));
            return this;
        }
    }

    static void expectState(String state, Result r) {
        if (!state.equals(r.state)) {
            throw new AssertionError("expected " + state + ", got " + r.state);
        }
    }

    static void expectAccepted(Result r) {
        if (r.verdict != Verdict.ACCEPT) {
            throw new AssertionError("dropped: " + r.reason);
        }
    }
}
