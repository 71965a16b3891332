package org.conntrack4j.proto.sctp;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.text.CtFormat;

/**
 * An engine with the SCTP tracker, a manual clock (HZ 250), {@code nf_conntrack_log_invalid=255} and a recording
 * event listener, plus a builder of SCTP packets between a client 198.51.100.10 (or 2001:db8:1::10) port 40001
 * and a server 203.0.113.10 (2001:db8:2::10) port 3868, with a right CRC32c unless asked otherwise. Each
 * {@link #client}/{@link #server} call runs the packet through PRE_ROUTING and POST_ROUTING, as a forwarded one.
 */
final class SctpLab {
    static final int CPORT = 40001;
    static final int SPORT = 3868;
    /** The tags of the oracle's association 1 (sctp_basic): the client's, the server's. */
    static final int CTAG = 0x1a2b3c4d;
    static final int STAG = 0x5e6f7081;
    static final int CTSN = 1000;
    static final int STSN = 7000;

    final SctpTracker tracker = new SctpTracker();
    final Registry registry = new Registry();
    final ManualClock clock = new ManualClock(250);
    final Engine net;
    final List<String> events = new ArrayList<>();
    boolean v6;
    int cport = CPORT;
    /** Hook of the first half of the packet's path (PRE_ROUTING, or LOCAL_OUT for local traffic). */
    int inHook = Hook.PRE_ROUTING;
    final Packet pkt = new Packet(70000);

    SctpLab() {
        registry.addTracker(tracker, IpProto.SCTP, true, true, registry.localId(), 0, "test");
        net = new Engine(registry, "test", clock, 1);
        net.settings().set("nf_conntrack_log_invalid", 255);
        clock.setWallNanos(1_800_000_000_000_000_000L);
        net.addListener(ev -> events.add(CtFormat.event(ev, false).replaceAll(" id=\\d+", "").trim()), true);
    }

    SctpLab ipv6() {
        v6 = true;
        return this;
    }

    SctpLab sleep(double seconds) {
        clock.advanceSeconds(seconds);
        return this;
    }

    // ---- chunks -------------------------------------------------------------------------------------------------

    /** A chunk: type, flags, and a body; its length field says 4 + the body unless {@code length} overrides it. */
    static byte[] chunk(int type, int flags, byte[] body, int length) {
        int padded = (4 + body.length + 3) & ~3;
        ByteBuffer b = ByteBuffer.allocate(padded);
        b.put((byte) type).put((byte) flags).putShort((short) length).put(body);
        return b.array();
    }

    static byte[] chunk(int type, int flags, byte[] body) {
        return chunk(type, flags, body, 4 + body.length);
    }

    static byte[] init(int type, int initTag, int tsn) {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putInt(initTag).putInt(106496).putShort((short) 10).putShort((short) 10).putInt(tsn);
        return chunk(type, 0, b.array());
    }

    static byte[] init(int initTag, int tsn) {
        return init(SctpStateTable.INIT, initTag, tsn);
    }

    static byte[] initAck(int initTag, int tsn) {
        return init(SctpStateTable.INIT_ACK, initTag, tsn);
    }

    static byte[] data(int tsn, int len) {
        ByteBuffer b = ByteBuffer.allocate(12 + len);
        b.putInt(tsn).putShort((short) 0).putShort((short) 0).putInt(0);
        for (int i = 0; i < len; i++) {
            b.put((byte) 'x');
        }
        return chunk(SctpStateTable.DATA, 3, b.array());
    }

    static byte[] sack(int cumTsn) {
        ByteBuffer b = ByteBuffer.allocate(12);
        b.putInt(cumTsn).putInt(106496).putShort((short) 0).putShort((short) 0);
        return chunk(SctpStateTable.SACK, 0, b.array());
    }

    static byte[] shutdown(int cumTsn) {
        return chunk(SctpStateTable.SHUTDOWN, 0, ByteBuffer.allocate(4).putInt(cumTsn).array());
    }

    /** A chunk without body: COOKIE ACK, SHUTDOWN ACK, SHUTDOWN COMPLETE, ABORT. */
    static byte[] bare(int type) {
        return chunk(type, 0, new byte[0]);
    }

    static byte[] bare(int type, int flags) {
        return chunk(type, flags, new byte[0]);
    }

    static byte[] cookieEcho() {
        return chunk(SctpStateTable.COOKIE_ECHO, 0, "a cookie".getBytes());
    }

    static byte[] heartbeat(int type) {
        ByteBuffer b = ByteBuffer.allocate(12);
        b.putShort((short) 1).putShort((short) 12).putLong(0x1122334455667788L);
        return chunk(type, 0, b.array());
    }

    // ---- packets ------------------------------------------------------------------------------------------------

    /** The IP packet of an SCTP packet from the client (original direction) or the server. */
    byte[] build(boolean fromClient, int vtag, byte[]... chunks) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] c : chunks) {
            body.writeBytes(c);
        }
        ByteBuffer s = ByteBuffer.allocate(12 + body.size());
        s.putShort((short) (fromClient ? cport : SPORT)).putShort((short) (fromClient ? SPORT : cport)).putInt(vtag)
            .putInt(0).put(body.toByteArray());
        return ip(fromClient, s.array(), true);
    }

    /** An IP packet around {@code l4} (any bytes); with {@code crc} the SCTP checksum is filled in. */
    byte[] ip(boolean fromClient, byte[] l4, boolean crc) {
        int ipLen = v6 ? 40 : 20;
        ByteBuffer b = ByteBuffer.allocate(ipLen + l4.length);
        if (v6) {
            b.putInt(0x60000000).putShort((short) l4.length).put((byte) IpProto.SCTP).put((byte) 64);
            b.put(v6Addr(fromClient ? 1 : 2)).put(v6Addr(fromClient ? 2 : 1));
        } else {
            b.put((byte) 0x45).put((byte) 0).putShort((short) (ipLen + l4.length)).putShort((short) 1)
                .putShort((short) 0).put((byte) 64).put((byte) IpProto.SCTP).putShort((short) 0);
            b.put(fromClient ? new byte[] {(byte) 198, 51, 100, 10} : new byte[] {(byte) 203, 0, 113, 10});
            b.put(fromClient ? new byte[] {(byte) 203, 0, 113, 10} : new byte[] {(byte) 198, 51, 100, 10});
        }
        b.put(l4);
        byte[] bytes = b.array();
        Packet p = new Packet(bytes.length + 64).load(bytes, 0, bytes.length, 0);
        p.family = v6 ? Family.IPV6 : Family.IPV4;
        if (!v6) {
            p.put16(10, Checksum.ipv4Header(p));
        }
        if (crc && l4.length >= 12) {
            p.put32(ipLen + 8, Checksum.sctp(p, ipLen));
        }
        return p.toBytes();
    }

    /** The same packet with its CRC32c spoilt (the first checksum byte flipped, as the oracle did). */
    byte[] badCrc(byte[] ip) {
        byte[] b = ip.clone();
        b[(v6 ? 40 : 20) + 8] ^= (byte) 0xff;
        return b;
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

    Verdict client(int vtag, byte[]... chunks) {
        return run(build(true, vtag, chunks));
    }

    Verdict server(int vtag, byte[]... chunks) {
        return run(build(false, vtag, chunks));
    }

    /** What conntrack made of one packet. */
    record Verdict(String state, String dir, String reason, String logReason) {
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
        net.runHook(inHook, pkt);
        String state = CtInfo.stateName(pkt.ct != null, pkt.ctinfo);
        String dir = pkt.ct == null ? "none" : CtInfo.direction(pkt.ctinfo) == Direction.ORIGINAL ? "original" : "reply";
        Verdict out = new Verdict(state, dir, pkt.reason, pkt.logReason);
        net.runHook(Hook.POST_ROUTING, pkt);
        return out;
    }

    /** INIT, INIT ACK, COOKIE ECHO, COOKIE ACK with the oracle's tags. */
    SctpLab associate() {
        client(0, init(CTAG, CTSN));
        server(CTAG, initAck(STAG, STSN));
        client(STAG, cookieEcho());
        server(CTAG, bare(SctpStateTable.COOKIE_ACK));
        return this;
    }

    // ---- the connection -----------------------------------------------------------------------------------------

    Connection conn() {
        List<Connection> l = net.connections(c -> c.srcPort(Direction.ORIGINAL) == cport
            || c.dstPort(Direction.ORIGINAL) == cport);
        return l.isEmpty() ? null : l.get(0);
    }

    SctpProtoState st() {
        return (SctpProtoState) conn().protoState();
    }

    /** "STATE timeout" of the connection, or "none". */
    String state() {
        Connection c = conn();
        if (c == null) {
            return "none";
        }
        ConnectionSnapshot s = net.snapshot(c);
        return s.state() + " " + s.timeoutSeconds();
    }
}
