package org.conntrack4j.helper.ftp;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.testkit.EventLog;
import org.conntrack4j.testkit.FakeNat;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;

/**
 * The kit's {@link Rig} with the TCP tracker and the FTP helper, the helper assigned to new connections to port 21
 * as {@code ct state new tcp dport 21 ct helper set "ftp"} does; events as printed. Packets go through PRE_ROUTING
 * and POST_ROUTING as on a forwarding router; {@link Session} keeps a TCP conversation's numbers.
 */
final class FtpRig {
    static final int SYN = Packets.SYN;
    static final int ACK = Packets.ACK;
    static final int PSH_ACK = Packets.PSH | Packets.ACK;
    static final int FIN_ACK = Packets.FIN | Packets.ACK;
    /** The router's address the fake NAT binds to ({@link #masquerade}). */
    static final String ROUTER = "203.0.113.1";
    static final String ROUTER6 = "2001:db8:2::1";

    final Plugins plugins = new Plugins();
    final FtpHelper helper = new FtpHelper();
    /** The helper's registration: closing it is the helper leaving. */
    final Registration helperRegistration;
    final Rig rig;
    final Conntrack net;
    final List<String> events;
    final List<String> expectEvents;

    FtpRig() {
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        helperRegistration = plugins.addHelper(helper);
        rig = new Rig(plugins, "ftp-test", EventLog.AS_PRINTED);
        net = rig.net();
        events = rig.events().lines();
        expectEvents = rig.events().expectations();
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
    }

    /**
     * The kit's fake NAT as this engine's NAT, binding connections from {@code 198.51.100.0/24} and
     * {@code 2001:db8:1::/64} to {@link #ROUTER} / {@link #ROUTER6} (reply tuples only: the tests send packets as
     * the router receives them).
     */
    FakeNat masquerade() {
        FakeNat nat = new FakeNat();
        nat.provideTo(net);
        nat.masqueradeFrom(net, "198.51.100.0/24", ROUTER);
        nat.masqueradeFrom(net, "2001:db8:1::/64", ROUTER6);
        return nat;
    }

    /** Moves the clock forward. */
    void advance(double seconds) {
        rig.advance(seconds);
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
        Rig.Result v = rig.forward(ip);
        Result r = new Result();
        r.state = v.state;
        r.ct = v.ct;
        r.ctinfo = v.ctinfo;
        r.verdict = v.verdict;
        r.reason = v.packet.reason;
        r.out = v.bytes();
        return r;
    }

    /** The live expectations as {@code conntrack -L expect} lines. */
    List<String> expectations() {
        return rig.expectations();
    }

    // ---- packets ------------------------------------------------------------------------------------------

    static boolean isV6(String addr) {
        return Packets.isV6(addr);
    }

    /** A TCP segment (no options) with a valid IP header and checksum. */
    static byte[] tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, byte[] data) {
        return Packets.tcp(src, sport, dst, dport, seq, ack, flags, data);
    }

    static byte[] ascii(String s) {
        return Packets.ascii(s);
    }

    /** The TCP payload of an IP packet as ISO-8859-1 text. */
    static String payload(byte[] ip) {
        return Packets.tcpPayload(ip);
    }

    static int u16(byte[] b, int off) {
        return Packets.u16(b, off);
    }

    static int seqOf(byte[] ip) {
        return Packets.seq(ip);
    }

    static int ackOf(byte[] ip) {
        return Packets.ack(ip);
    }

    /** Are the IP length fields and the IPv4 header and TCP checksums right? */
    static boolean checksumsValid(byte[] ip) {
        return Packets.checksumsOk(ip);
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
