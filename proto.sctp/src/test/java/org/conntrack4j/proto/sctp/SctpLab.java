package org.conntrack4j.proto.sctp;

import java.nio.ByteBuffer;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;

/**
 * The kit's {@link Rig} with the SCTP tracker and {@code nf_conntrack_log_invalid=255}, and SCTP packets between a
 * client 198.51.100.10 (or 2001:db8:1::10) port 40001 and a server 203.0.113.10 (2001:db8:2::10) port 3868, with a
 * right CRC32c unless asked otherwise. Each {@link #client}/{@link #server} call runs the packet through
 * {@link #inHook} (PRE_ROUTING, or LOCAL_OUT for local traffic) and POST_ROUTING.
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
    final Plugins plugins = new Plugins();
    final Rig rig;
    final Conntrack net;
    final ManualClock clock;
    /** Events without connection ids. */
    final List<String> events;
    boolean v6;
    int cport = CPORT;
    /** Hook of the first half of the packet's path (PRE_ROUTING, or LOCAL_OUT for local traffic). */
    int inHook = Hook.PRE_ROUTING;

    SctpLab() {
        plugins.addTracker(tracker, IpProto.SCTP);
        rig = new Rig(plugins).set("nf_conntrack_log_invalid", 255);
        net = rig.net();
        clock = rig.clock();
        events = rig.events().lines();
    }

    SctpLab ipv6() {
        v6 = true;
        return this;
    }

    SctpLab sleep(double seconds) {
        rig.advance(seconds);
        return this;
    }

    // ---- chunks -------------------------------------------------------------------------------------------------

    /** A chunk: type, flags, and a body; its length field says 4 + the body unless {@code length} overrides it. */
    static byte[] chunk(int type, int flags, byte[] body, int length) {
        return Packets.sctpChunk(type, flags, body, length);
    }

    static byte[] chunk(int type, int flags, byte[] body) {
        return Packets.sctpChunk(type, flags, body);
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
        return ip(fromClient, Packets.sctp(fromClient ? cport : SPORT, fromClient ? SPORT : cport, vtag, chunks), true);
    }

    /** An IP packet around {@code l4} (any bytes); with {@code crc} the SCTP checksum is filled in. */
    byte[] ip(boolean fromClient, byte[] l4, boolean crc) {
        String c = v6 ? "2001:db8:1::10" : "198.51.100.10";
        String s = v6 ? "2001:db8:2::10" : "203.0.113.10";
        Packets.Ip ip = Packets.ip(fromClient ? c : s, fromClient ? s : c).id(1).payload(IpProto.SCTP, l4);
        return (crc ? ip : ip.noChecksum()).build();
    }

    /** The same packet with its CRC32c spoilt (the first checksum byte flipped, as the oracle did). */
    byte[] badCrc(byte[] ip) {
        byte[] b = ip.clone();
        b[(v6 ? 40 : 20) + 8] ^= (byte) 0xff;
        return b;
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
        Rig.Result r = rig.pass(ip, inHook, Hook.POST_ROUTING);
        return new Verdict(r.state, r.dir, r.reason, r.logReason);
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
        return rig.connectionWithPort(cport);
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
        ConnectionSnapshot s = net.table().snapshot(c);
        return s.state() + " " + s.timeoutSeconds();
    }
}
