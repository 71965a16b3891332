package org.conntrack4j.helper.tftp;

import java.util.List;
import java.util.Set;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.nat.NatComponent;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.EventLog;
import org.conntrack4j.testkit.LanWan;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;

/**
 * The kit's router ({@link LanWan}) with the UDP tracker, the real NAT and the TFTP helper, assigned to new UDP
 * connections to the {@link #helpedPorts} as {@code ct state new udp dport 69 ct helper set "tftp"} does;
 * {@link #masquerade()} adds {@code oifname "wan" masquerade}.
 */
final class TftpLab {
    static final String CLIENT = "198.51.100.10";
    static final String SERVER = "203.0.113.10";
    static final String ROUTER = LanWan.WAN;

    final Plugins plugins = new Plugins();
    final TftpHelper helper = new TftpHelper();
    /** The helper's registration: closing it is the helper leaving. */
    final Registration helperRegistration;
    final Rig rig;
    final LanWan router;
    final Conntrack net;
    final List<String> expectEvents;
    Set<Integer> helpedPorts = Set.of(69);

    TftpLab() {
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        plugins.addExtension(new NatComponent(), "nat");
        helperRegistration = plugins.addHelper(helper);
        rig = new Rig(plugins, "tftp-test", EventLog.AS_PRINTED);
        net = rig.net();
        expectEvents = rig.events().expectations();
        router = new LanWan(rig);
        router.assignHelper("tftp", IpProto.UDP, port -> helpedPorts.contains(port));
    }

    TftpLab masquerade() {
        router.masquerade();
        return this;
    }

    /** What became of one datagram. */
    static final class Result {
        String state;
        int verdict;
        String reason;
        Connection ct;
        Packet out;
    }

    /** A datagram from {@code src} (its side decides the interfaces) through the router. */
    Result udp(String src, int sport, String dst, int dport, byte[] payload) {
        Rig.Result v = router.forward(Packets.udp(src, sport, dst, dport, payload));
        Result r = new Result();
        r.state = v.state;
        r.ct = v.ct;
        r.verdict = v.verdict;
        r.reason = v.packet.reason;
        r.out = v.packet;
        return r;
    }

    /** The live expectations as {@code conntrack -L expect} lines. */
    List<String> expectations() {
        return rig.expectations();
    }

    static byte[] request(int opcode, String file) {
        byte[] name = (file + "\0octet\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] b = new byte[2 + name.length];
        b[1] = (byte) opcode;
        System.arraycopy(name, 0, b, 2, name.length);
        return b;
    }
}
