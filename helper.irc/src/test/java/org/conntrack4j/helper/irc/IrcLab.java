package org.conntrack4j.helper.irc;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.nat.NatComponent;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.testkit.EventLog;
import org.conntrack4j.testkit.LanWan;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;

/**
 * The kit's router ({@link LanWan}) with the TCP tracker, the real NAT and the IRC helper, assigned to new
 * connections to port 6667 ({@code ct state new tcp dport 6667 ct helper set "irc"});
 * {@link #masquerade()} adds {@code oifname "wan" masquerade}. {@link Session} is an IRC connection from the LAN
 * client to the WAN server whose segments go through PRE_ROUTING and POST_ROUTING, with the numbers each side sees.
 */
final class IrcLab {
    static final String CLIENT = "198.51.100.10";
    static final String SERVER = "203.0.113.10";
    static final String ROUTER = LanWan.WAN;
    static final int SYN = Packets.SYN;
    static final int ACK = Packets.ACK;
    static final int PSH_ACK = Packets.PSH | Packets.ACK;

    final Plugins plugins = new Plugins();
    final IrcHelper helper = new IrcHelper();
    /** The helper's registration: closing it is the helper leaving. */
    final Registration helperRegistration;
    final Rig rig;
    final LanWan router;
    final Conntrack net;
    final NetDevice lan;
    final NetDevice wan;
    private boolean masquerading;

    IrcLab() {
        this(null);
    }

    /** With the helper activated with these module parameters (null: none given). */
    IrcLab(java.util.Map<String, Object> parameters) {
        helper.activate(parameters);
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        plugins.addExtension(new NatComponent(), "nat");
        helperRegistration = plugins.addHelper(helper);
        rig = new Rig(plugins, "irc-test", EventLog.AS_PRINTED);
        net = rig.net();
        router = new LanWan(rig);
        lan = router.lan;
        wan = router.wan;
        router.assignHelper("irc", IpProto.TCP, port -> port == 6667);
    }

    /** {@code oifname "wan" masquerade}. */
    IrcLab masquerade() {
        router.masquerade();
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
            return Packets.tcpPayload(out.toBytes());
        }
    }

    Result forward(Packet p, boolean fromLan) {
        Rig.Result v = router.forward(p, fromLan);
        Result r = new Result();
        r.state = v.state;
        r.ct = v.ct;
        r.verdict = v.verdict;
        r.reason = v.packet.reason;
        r.out = v.accepted() ? v.packet : null;
        return r;
    }

    List<String> expectations() {
        return rig.expectations();
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
        return Packets.packet(Packets.tcp(src, sport, dst, dport, seq, ack, flags,
            text.getBytes(StandardCharsets.ISO_8859_1)));
    }
}
