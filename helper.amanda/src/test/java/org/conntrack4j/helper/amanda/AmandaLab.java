package org.conntrack4j.helper.amanda;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.nat.NatComponent;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.EventLog;
import org.conntrack4j.testkit.LanWan;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;

/**
 * The kit's router ({@link LanWan}) with the UDP and TCP trackers, the real NAT and the Amanda helper, assigned to
 * new UDP connections to port 10080 ({@code ct state new udp dport 10080 ct helper set "amanda"});
 * {@link #masquerade()} adds {@code oifname "wan" masquerade}. The backup server is on the LAN ({@link #SERVER}),
 * the Amanda client on the WAN ({@link #CLIENT}); {@link #ask} sends the server's request, {@link #answer} the
 * client's answers.
 */
final class AmandaLab {
    static final String SERVER = "198.51.100.10";
    static final String CLIENT = "203.0.113.10";
    static final String ROUTER = LanWan.WAN;

    final Plugins plugins = new Plugins();
    final AmandaHelper helper = new AmandaHelper();
    /** The helper's registration: closing it is the helper leaving. */
    final Registration helperRegistration;
    final Rig rig;
    final LanWan router;
    final Conntrack net;
    final ManualClock clock;
    final NetDevice lan;
    final NetDevice wan;
    private String seenServer = SERVER;

    AmandaLab() {
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        plugins.addExtension(new NatComponent(), "nat");
        helperRegistration = plugins.addHelper(helper);
        rig = new Rig(plugins, "amanda-test", EventLog.AS_PRINTED);
        net = rig.net();
        clock = rig.clock();
        router = new LanWan(rig);
        lan = router.lan;
        wan = router.wan;
        router.assignHelper("amanda", IpProto.UDP, port -> port == 10080);
    }

    /** {@code oifname "wan" masquerade}. */
    AmandaLab masquerade() {
        router.masquerade();
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
        Rig.Result v = router.forward(p);
        Result r = new Result();
        r.state = v.state;
        r.ct = v.ct;
        r.verdict = v.verdict;
        r.reason = v.packet.reason;
        r.out = v.accepted() ? v.packet : null;
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
        return forward(Packets.packet(Packets.tcp(SERVER, sport, CLIENT, port, 1000, 0, Packets.SYN, new byte[0])));
    }

    List<String> expectations() {
        return rig.expectations();
    }

    /** A UDP datagram with valid checksums; the text in ISO-8859-1. */
    static Packet udp(String src, int sport, String dst, int dport, String text) {
        return Packets.packet(Packets.udp(src, sport, dst, dport, text.getBytes(StandardCharsets.ISO_8859_1)));
    }
}
