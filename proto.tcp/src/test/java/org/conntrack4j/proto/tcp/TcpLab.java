package org.conntrack4j.proto.tcp;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;

/**
 * The kit's {@link Rig} with the TCP tracker and {@code nf_conntrack_log_invalid=255}, and one TCP conversation
 * between a client 198.51.100.10 (or 2001:db8:1::10) and a server 203.0.113.10 (2001:db8:2::10) port 80. Each
 * {@link #client}/{@link #server} call runs a segment through {@link #inHook} (PRE_ROUTING, or LOCAL_OUT for local
 * traffic) and POST_ROUTING.
 */
final class TcpLab {
    static final int CPORT = 40000;
    static final int SPORT = 80;
    /** Initial sequence numbers used by the tests. */
    static final int CI = 1_000_000;
    static final int SI = 7_000_000;
    static final byte[] MSS = Packets.mss(1460);
    static final byte[] SACK_PERM = Packets.sackPermitted();

    final TcpTracker tracker = new TcpTracker();
    final Plugins plugins = new Plugins();
    /** The tracker's registration: closing it is the tracker leaving. */
    final Registration registration = plugins.addTracker(tracker, IpProto.TCP);
    final Rig rig = new Rig(plugins).set("nf_conntrack_log_invalid", 255);
    final Conntrack net = rig.net();
    final ManualClock clock = rig.clock();
    /** Events without connection ids. */
    final List<String> events = rig.events().lines();
    final List<ConntrackEvent> rawEvents = rig.events().raw();
    boolean v6;
    int cport = CPORT;
    /** Hook of the first half of the packet's path (PRE_ROUTING, or LOCAL_OUT for local traffic). */
    int inHook = Hook.PRE_ROUTING;
    /** The last packet run, as it left. */
    Packet pkt;

    TcpLab ipv6() {
        v6 = true;
        return this;
    }

    /** Moves the clock. */
    TcpLab sleep(double seconds) {
        rig.advance(seconds);
        return this;
    }

    // ---- segments -------------------------------------------------------------------------------------------

    /** A TCP segment; flags as letters (S, A, F, R, P, U, E, C). */
    static final class Seg {
        final Packets.Tcp tcp;
        boolean badChecksum;

        Seg(String flags, int seq, int ack) {
            tcp = Packets.tcp(0, 0).flags(flags).seq(seq).ack(ack);
        }

        Seg win(int w) {
            tcp.win(w);
            return this;
        }

        Seg opts(byte[]... parts) {
            tcp.options(parts);
            return this;
        }

        Seg data(int len) {
            tcp.data(len);
            return this;
        }

        Seg doff(int words) {
            tcp.doff(words);
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
        return Packets.wscale(shift);
    }

    /** A SACK option (with two leading NOPs) with the given (left, right) edges. */
    static byte[] sackBlocks(int... edges) {
        return Packets.sack(edges);
    }

    static int flagBits(String flags) {
        return Packets.flagBits(flags);
    }

    /** The IP packet of a segment from the client (original direction) or the server. */
    byte[] build(boolean fromClient, Seg s) {
        String c = v6 ? "2001:db8:1::10" : "198.51.100.10";
        String srv = v6 ? "2001:db8:2::10" : "203.0.113.10";
        byte[] l4 = s.tcp.bytes();
        int sport = fromClient ? cport : SPORT;
        int dport = fromClient ? SPORT : cport;
        l4[0] = (byte) (sport >>> 8);
        l4[1] = (byte) sport;
        l4[2] = (byte) (dport >>> 8);
        l4[3] = (byte) dport;
        Packets.Ip ip = Packets.ip(fromClient ? c : srv, fromClient ? srv : c).id(1).payload(IpProto.TCP, l4);
        return (s.badChecksum ? ip.badChecksum() : ip).build();
    }

    // ---- running packets --------------------------------------------------------------------------------------

    /** Runs a client segment; returns what conntrack made of it at the first hook. */
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
        Rig.Result r = rig.pass(ip, inHook, Hook.POST_ROUTING);
        pkt = r.packet;
        return new Verdict(r.state, r.dir, r.reason, r.logReason, r.verdict);
    }

    // ---- the connection -----------------------------------------------------------------------------------------

    /** The connection of the current client port, or null. */
    Connection conn() {
        return rig.connectionWithPort(cport);
    }

    ConnectionSnapshot snap() {
        Connection c = conn();
        return c == null ? null : net.table().snapshot(c);
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
