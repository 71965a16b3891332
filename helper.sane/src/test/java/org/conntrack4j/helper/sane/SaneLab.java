package org.conntrack4j.helper.sane;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.testkit.EventLog;
import org.conntrack4j.testkit.LanWan;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;

/**
 * The kit's router ({@link LanWan}) with the TCP tracker and the SANE helper, assigned to new connections to port
 * 6566 ({@code ct state new tcp dport 6566 ct helper set "sane"}); no NAT, as SANE has no NAT part. {@link Control}
 * is a control connection between a client and saned whose messages are single segments, in IPv4 or IPv6.
 */
final class SaneLab {
    final Plugins plugins = new Plugins();
    final SaneHelper helper = new SaneHelper();
    /** The helper's registration: closing it is the helper leaving. */
    final Registration helperRegistration;
    final Rig rig;
    final LanWan router;
    final Conntrack net;

    SaneLab() {
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        helperRegistration = plugins.addHelper(helper);
        rig = new Rig(plugins, "sane-test", EventLog.AS_PRINTED);
        net = rig.net();
        router = new LanWan(rig);
        router.assignHelper("sane", IpProto.TCP, port -> port == 6566);
    }

    List<String> expectations() {
        return rig.expectations();
    }

    /** What became of one segment. */
    static final class Result {
        String state;
        int verdict;
        String reason;
        Connection ct;
    }

    Result forward(byte[] ip) {
        Rig.Result v = router.forward(ip);
        Result r = new Result();
        r.state = v.state;
        r.ct = v.ct;
        r.verdict = v.verdict;
        r.reason = v.packet.reason;
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
    static byte[] tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, byte[] data) {
        return Packets.tcp(src, sport, dst, dport, seq, ack, flags, data);
    }
}
