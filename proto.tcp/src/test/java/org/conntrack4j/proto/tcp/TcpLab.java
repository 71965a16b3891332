package org.conntrack4j.proto.tcp;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.text.CtFormat;

/**
 * An engine with the TCP tracker, a manual clock (HZ 250) and a recording event listener, plus a builder of
 * TCP segments between a client 198.51.100.10 (or 2001:db8:1::10) and a server 203.0.113.10 (2001:db8:2::10)
 * with correct checksums. Each {@link #client}/{@link #server} call runs the segment through PRE_ROUTING and
 * POST_ROUTING, as a forwarded packet.
 */
final class TcpLab {
    static final int CPORT = 40000;
    static final int SPORT = 80;
    /** Initial sequence numbers used by the tests. */
    static final int CI = 1_000_000;
    static final int SI = 7_000_000;
    static final byte[] MSS = {2, 4, 5, (byte) 0xb4};
    static final byte[] SACK_PERM = {4, 2};

    final TcpTracker tracker = new TcpTracker();
    final Registry registry = new Registry();
    final ManualClock clock = new ManualClock(250);
    final Engine net;
    final List<String> events = new ArrayList<>();
    final List<ConntrackEvent> rawEvents = new ArrayList<>();
    boolean v6;
    int cport = CPORT;
    /** Hook of the first half of the packet's path (PRE_ROUTING, or LOCAL_OUT for local traffic). */
    int inHook = Hook.PRE_ROUTING;
    final Packet pkt = new Packet();

    TcpLab() {
        registry.addTracker(tracker, IpProto.TCP, true, true, registry.localId(), 0, "test");
        net = new Engine(registry, "test", clock, 1);
        net.settings().set("nf_conntrack_log_invalid", 255);
        clock.setWallNanos(1_800_000_000_000_000_000L);
        net.addListener(ev -> {
            rawEvents.add(ev);
            events.add(CtFormat.event(ev, false).replaceAll(" id=\\d+", "").trim());
        }, true);
    }

    TcpLab ipv6() {
        v6 = true;
        return this;
    }

    /** Moves the clock. */
    TcpLab sleep(double seconds) {
        clock.advanceSeconds(seconds);
        return this;
    }

    // ---- segments -------------------------------------------------------------------------------------------

    /** A TCP segment; flags as letters (S, A, F, R, P, U, E, C). */
    static final class Seg {
        int seq;
        int ack;
        String flags;
        int win = 64240;
        byte[] opts = new byte[0];
        byte[] data = new byte[0];
        int doffOverride = -1;
        boolean badChecksum;

        Seg(String flags, int seq, int ack) {
            this.flags = flags;
            this.seq = seq;
            this.ack = ack;
        }

        Seg win(int w) {
            win = w;
            return this;
        }

        Seg opts(byte[]... parts) {
            int n = 0;
            for (byte[] p : parts) {
                n += p.length;
            }
            byte[] o = new byte[(n + 3) & ~3];
            int i = 0;
            for (byte[] p : parts) {
                System.arraycopy(p, 0, o, i, p.length);
                i += p.length;
            }
            opts = o;
            return this;
        }

        Seg data(int len) {
            data = new byte[len];
            java.util.Arrays.fill(data, (byte) 'x');
            return this;
        }

        Seg doff(int words) {
            doffOverride = words;
            return this;
        }

        Seg badChecksum() {
            badChecksum = true;
            return this;
        }
    }

    static Seg seg(String flags, int seq, int ack) {
        return new Seg(flags, seq, ack);
    }

    static byte[] wscale(int shift) {
        return new byte[] {1, 3, 3, (byte) shift};
    }

    /** A SACK option (with two leading NOPs) with the given (left, right) edges. */
    static byte[] sackBlocks(int... edges) {
        ByteBuffer b = ByteBuffer.allocate(4 + edges.length * 4);
        b.put((byte) 1).put((byte) 1).put((byte) 5).put((byte) (2 + edges.length * 4));
        for (int e : edges) {
            b.putInt(e);
        }
        return b.array();
    }

    static int flagBits(String flags) {
        int f = 0;
        for (char c : flags.toCharArray()) {
            f |= switch (c) {
                case 'F' -> 0x01;
                case 'S' -> 0x02;
                case 'R' -> 0x04;
                case 'P' -> 0x08;
                case 'A' -> 0x10;
                case 'U' -> 0x20;
                case 'E' -> 0x40;
                case 'C' -> 0x80;
                default -> throw new IllegalArgumentException("flag " + c);
            };
        }
        return f;
    }

    /** The IP packet of a segment from the client (original direction) or the server. */
    byte[] build(boolean fromClient, Seg s) {
        int tcpLen = 20 + s.opts.length + s.data.length;
        int ipLen = v6 ? 40 : 20;
        ByteBuffer b = ByteBuffer.allocate(ipLen + tcpLen);
        if (v6) {
            b.putInt(0x60000000).putShort((short) tcpLen).put((byte) 6).put((byte) 64);
            b.put(v6Addr(fromClient ? 1 : 2)).put(v6Addr(fromClient ? 2 : 1));
        } else {
            b.put((byte) 0x45).put((byte) 0).putShort((short) (ipLen + tcpLen)).putShort((short) 1).putShort((short) 0)
                .put((byte) 64).put((byte) 6).putShort((short) 0);
            b.put(fromClient ? new byte[] {(byte) 198, 51, 100, 10} : new byte[] {(byte) 203, 0, 113, 10});
            b.put(fromClient ? new byte[] {(byte) 203, 0, 113, 10} : new byte[] {(byte) 198, 51, 100, 10});
        }
        int doff = s.doffOverride >= 0 ? s.doffOverride : (20 + s.opts.length) / 4;
        b.putShort((short) (fromClient ? cport : SPORT)).putShort((short) (fromClient ? SPORT : cport));
        b.putInt(s.seq).putInt(s.ack).put((byte) (doff << 4)).put((byte) flagBits(s.flags)).putShort((short) s.win)
            .putShort((short) 0).putShort((short) 0).put(s.opts).put(s.data);
        byte[] bytes = b.array();
        Packet p = new Packet().load(bytes, 0, bytes.length, 0);
        p.family = v6 ? Family.IPV6 : Family.IPV4;
        if (!v6) {
            p.put16(10, Checksum.ipv4Header(p));
        }
        int check = Checksum.computeL4(p, ipLen, IpProto.TCP, ipLen + 16);
        p.put16(ipLen + 16, s.badChecksum ? check ^ 0x5a5a : check);
        return p.toBytes();
    }

    private static byte[] v6Addr(int net) {
        byte[] a = new byte[16];
        a[0] = 0x20;
        a[1] = 0x01;
        a[2] = 0x0d;
        a[3] = (byte) 0xb8;
        a[5] = (byte) net;
        a[15] = 0x10;
        return a;
    }

    // ---- running packets --------------------------------------------------------------------------------------

    /** Runs a client segment; returns the packet (its ct, ctinfo, reason) after PRE_ROUTING and confirmation. */
    Verdict client(Seg s) {
        return run(build(true, s));
    }

    Verdict server(Seg s) {
        return run(build(false, s));
    }

    /** What conntrack made of one packet. */
    record Verdict(String state, String dir, String reason, String logReason, int hookVerdict) {
        @Override
        public String toString() {
            return state + "/" + dir + (reason != null ? " (" + reason + ")" : "");
        }
    }

    Verdict run(byte[] ip) {
        pkt.reset();
        pkt.load(ip, 0, ip.length, 14);
        if (IpHeaders.validate(pkt) != null) {
            throw new IllegalStateException("bad IP packet");
        }
        int v = net.runHook(inHook, pkt);
        String state = CtInfo.stateName(pkt.ct != null, pkt.ctinfo);
        String dir = pkt.ct == null ? "none" : CtInfo.direction(pkt.ctinfo) == Direction.ORIGINAL ? "original" : "reply";
        Verdict out = new Verdict(state, dir, pkt.reason, pkt.logReason, v);
        net.runHook(Hook.POST_ROUTING, pkt);
        return out;
    }

    // ---- the connection -----------------------------------------------------------------------------------------

    /** The connection of the current client port, or null. */
    Connection conn() {
        List<Connection> l = net.connections(c -> c.srcPort(Direction.ORIGINAL) == cport
            || c.dstPort(Direction.ORIGINAL) == cport);
        return l.isEmpty() ? null : l.get(0);
    }

    ConnectionSnapshot snap() {
        Connection c = conn();
        return c == null ? null : net.snapshot(c);
    }

    TcpProtoState st() {
        return (TcpProtoState) conn().protoState();
    }

    /** "STATE timeout" of the connection, or "none". */
    String state() {
        ConnectionSnapshot s = snap();
        return s == null ? "none" : s.state() + " " + s.timeoutSeconds();
    }

    /** The three-way handshake with the given options; the client's ACK announces window {@code ackWin}. */
    TcpLab handshake(byte[] clientOpts, byte[] serverOpts, int serverWin, int ackWin) {
        client(seg("S", CI, 0).opts(clientOpts));
        server(seg("SA", SI, CI + 1).win(serverWin).opts(serverOpts));
        client(seg("A", CI + 1, SI + 1).win(ackWin));
        return this;
    }

    TcpLab handshake() {
        return handshake(MSS, MSS, 65160, 64240);
    }
}
