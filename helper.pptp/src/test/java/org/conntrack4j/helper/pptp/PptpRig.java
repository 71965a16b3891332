package org.conntrack4j.helper.pptp;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.nat.NatComponent;
import org.conntrack4j.proto.gre.GreKeymaps;
import org.conntrack4j.proto.gre.GreTracker;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.testkit.Plugins;

/**
 * An engine with the TCP and GRE trackers (and the GRE key map), NAT and the PPTP helper, the helper assigned to new
 * connections to port 1723 as {@code ct state new tcp dport 1723 ct helper set "pptp"} does, optionally a masquerade
 * of the LAN behind the WAN address, and event recording. Packets go through PRE_ROUTING and POST_ROUTING as on a
 * router between {@code lan} (198.51.100.1/24) and {@code wan} (203.0.113.1/24); {@link Session} is one control
 * connection.
 */
final class PptpRig {
    static final String PNS = "198.51.100.10";
    static final String PNS2 = "198.51.100.11";
    static final String PAC = "203.0.113.10";
    static final String ROUTER = "203.0.113.1";
    static final int SYN = 0x02;
    static final int ACK = 0x10;
    static final int PSH_ACK = 0x18;

    final Plugins plugins = new Plugins();
    final PptpHelper helper = new PptpHelper();
    /** The helper's registration: closing it is the bundle leaving. */
    final Registration helperService;
    final ManualClock clock = new ManualClock(250);
    final Conntrack net;
    final List<String> events = new ArrayList<>();
    final List<String> expectEvents = new ArrayList<>();
    final NetDevice lan = new NetDevice("lan", 1, null, null, 1500,
        List.of(new NetDevice.IfAddr(Family.IPV4, 0, Addr.parseV4(("198.51.100.1")) & 0xffffffffL, 24)));
    final NetDevice wan = new NetDevice("wan", 2, null, null, 1500,
        List.of(new NetDevice.IfAddr(Family.IPV4, 0, Addr.parseV4(ROUTER) & 0xffffffffL, 24)));
    private long nanos = 1_700_000_000_000_000_000L;

    /** With the GRE tracker and its key map, NAT and, if asked, a masquerade of the LAN. */
    PptpRig(boolean masquerade) {
        this(masquerade, true);
    }

    PptpRig(boolean masquerade, boolean keymap) {
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        plugins.addTracker(new GreTracker(), IpProto.GRE);
        if (keymap) {
            plugins.addExtension(new GreKeymaps(), "gre-keymap");
        }
        plugins.addExtension(new NatComponent(), "nat");
        helperService = plugins.addHelper(helper);
        clock.setWallNanos(nanos);
        net = plugins.factory().create("pptp-test", clock, Map.of(), false);
        net.packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && p.ctinfo == CtInfo.NEW && !p.ct.isConfirmed() && p.ct.protocol() == IpProto.TCP
                && p.ct.dstPort(Direction.ORIGINAL) == Pptp.CONTROL_PORT) {
                Helper h = net.services().helper("pptp", p.family, IpProto.TCP);
                if (h != null) {
                    net.services().assignHelper(p.ct, h);
                }
            }
            return Verdict.ACCEPT;
        }, "ct helper set (test)");
        if (masquerade) {
            Nat nat = net.services().extension(Nat.class);
            nat.registerChain(Family.IPV4, Hook.POST_ROUTING, Priority.NAT_SRC,
                p -> p.out == wan && (p.u32(12) & 0xffffff00) == (Addr.parseV4("198.51.100.0") & 0xffffff00)
                    ? nat.masquerade(p, NatRange.ports(-1, -1, 0), "test masquerade") : Verdict.ACCEPT, "test");
        }
        net.table().addListener(new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                events.add(CtFormat.event(e, false).replaceAll("\\s+", " ").replaceAll(" id=\\d+", "").trim());
            }

            @Override
            public void onExpectationEvent(ExpectationEvent e) {
                expectEvents.add(CtFormat.expectationEvent(e, false).replaceAll("\\s+", " ").trim());
            }
        }, true);
    }

    void advance(double seconds) {
        nanos += (long) (seconds * 1e9);
        clock.setWallNanos(nanos);
        net.table().expire();
    }

    /** What happened to one packet. */
    static final class Result {
        String state;
        int verdict;
        Connection ct;
        /** The packet as it leaves; null if dropped. */
        byte[] out;

        /** The 16-bit word at {@code off} of the TCP payload (or of the GRE header) as it left. */
        int word(int off) {
            int l4 = (out[0] & 0x0f) * 4;
            int data = out[9] == IpProto.TCP ? l4 + ((out[l4 + 12] & 0xf0) >>> 2) : l4;
            return (out[data + off] & 0xff) << 8 | out[data + off + 1] & 0xff;
        }

        /** The call ID the message body has at {@code off} as it left (the body starts 12 bytes into the payload). */
        int callId(int off) {
            return word(Pptp.HEADER + off);
        }
    }

    /** Runs one IPv4 packet through PRE_ROUTING and POST_ROUTING, from the side of its source to the other. */
    Result forward(byte[] ip) {
        return forwardVia(ip, -1);
    }

    /** The same with the hook {@code middle} (FORWARD) run between them, unless it is -1. */
    Result forwardVia(byte[] ip, int middle) {
        Packet p = new Packet();
        p.load(ip, 0, ip.length, 16);
        String bad = IpHeaders.validate(p);
        if (bad != null) {
            throw new IllegalStateException("bad test packet: " + bad);
        }
        boolean fromLan = (p.u32(12) >>> 8) == (Addr.parseV4("198.51.100.0") >>> 8);
        p.in = fromLan ? lan : wan;
        p.tstamp = nanos;
        Result r = new Result();
        int v = net.packets().runHook(Hook.PRE_ROUTING, p);
        r.state = CtInfo.stateName(p.ct != null, p.ctinfo);
        r.ct = p.ct;
        if (v == Verdict.ACCEPT) {
            p.out = fromLan ? wan : lan;
            if (middle >= 0) {
                v = net.packets().runHook(middle, p);
            }
        }
        if (v == Verdict.ACCEPT) {
            v = net.packets().runHook(Hook.POST_ROUTING, p);
        }
        r.verdict = v;
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

    /** The table as {@code conntrack -L} lines (without ids), GRE only. */
    List<String> gre() {
        List<String> out = new ArrayList<>();
        net.table().list(c -> c.protocol() == IpProto.GRE)
            .forEach(s -> out.add(CtFormat.listLine(s).replaceAll("\\s+", " ").replaceAll(" id=\\d+", "").trim()));
        return out;
    }

    // ---- packets ------------------------------------------------------------------------------------------

    /** An IPv4 packet of protocol {@code proto} carrying {@code l4}, valid IP header. */
    static byte[] ipv4(String src, String dst, int proto, byte[] l4) {
        int total = 20 + l4.length;
        Packet p = new Packet(total + 16);
        p.load(new byte[total], 0, total, 0);
        p.put8(0, 0x45);
        p.put16(2, total);
        p.put8(8, 64);
        p.put8(9, proto);
        p.put32(12, Addr.parseV4(src));
        p.put32(16, Addr.parseV4(dst));
        p.copyIn(20, l4, 0, l4.length);
        p.put16(10, Checksum.ipv4Header(p));
        p.family = Family.IPV4;
        if (proto == IpProto.TCP) {
            p.put16(36, Checksum.computeL4(p, 20, IpProto.TCP, 36));
        }
        return p.toBytes();
    }

    static byte[] tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(20 + data.length);
        b.putShort((short) sport).putShort((short) dport).putInt(seq).putInt(ack).put((byte) 0x50).put((byte) flags)
            .putShort((short) 64240).putShort((short) 0).putShort((short) 0).put(data);
        return ipv4(src, dst, IpProto.TCP, b.array());
    }

    /** Enhanced GRE (version 1, key present, PPP) with this call ID and a few bytes of PPP. */
    static byte[] gre(String src, String dst, int callId) {
        byte[] ppp = {(byte) 0xff, 0x03, (byte) 0xc0, 0x21, 1, 1, 0, 4};
        ByteBuffer b = ByteBuffer.allocate(8 + ppp.length);
        b.putShort((short) 0x2001).putShort((short) 0x880b).putShort((short) ppp.length).putShort((short) callId)
            .put(ppp);
        return ipv4(src, dst, IpProto.GRE, b.array());
    }

    // ---- control messages ----------------------------------------------------------------------------------

    /** A control message: PPTP header (length, type 1, magic cookie), message type, body. */
    static byte[] message(int type, byte[] body) {
        return message(type, body, 1, Pptp.MAGIC_COOKIE);
    }

    static byte[] message(int type, byte[] body, int packetType, int cookie) {
        ByteBuffer b = ByteBuffer.allocate(12 + body.length);
        b.putShort((short) (12 + body.length)).putShort((short) packetType).putInt(cookie).putShort((short) type)
            .putShort((short) 0).put(body);
        return b.array();
    }

    /** A body of {@code size} bytes starting with these 16-bit words (then zeros). */
    static byte[] body(int size, int... words) {
        ByteBuffer b = ByteBuffer.allocate(size);
        for (int w : words) {
            b.putShort((short) w);
        }
        return b.array();
    }

    static byte[] sccrq() {
        return message(Pptp.START_SESSION_REQUEST, body(144, 0x0100));
    }

    static byte[] sccrp(int result) {
        return message(Pptp.START_SESSION_REPLY, body(144, 0x0100, result << 8));
    }

    static byte[] ocrq(int callId) {
        return message(Pptp.OUT_CALL_REQUEST, body(156, callId, 1));
    }

    static byte[] ocrp(int callId, int peer, int result) {
        return message(Pptp.OUT_CALL_REPLY, body(20, callId, peer, result << 8));
    }

    static byte[] icrq(int callId) {
        return message(Pptp.IN_CALL_REQUEST, body(208, callId, 1));
    }

    static byte[] icrp(int callId, int peer, int result) {
        return message(Pptp.IN_CALL_REPLY, body(12, callId, peer, result << 8));
    }

    static byte[] iccn(int peer) {
        return message(Pptp.IN_CALL_CONNECT, body(16, peer));
    }

    static byte[] sli(int peer) {
        return message(Pptp.SET_LINK_INFO, body(12, peer));
    }

    static byte[] ccrq(int callId) {
        return message(Pptp.CALL_CLEAR_REQUEST, body(4, callId));
    }

    static byte[] cdn(int callId) {
        return message(Pptp.CALL_DISCONNECT_NOTIFY, body(136, callId, 3 << 8));
    }

    static byte[] stopRequest() {
        return message(Pptp.STOP_SESSION_REQUEST, body(4, 1 << 8));
    }

    static byte[] stopReply(int result) {
        return message(Pptp.STOP_SESSION_REPLY, body(4, result << 8));
    }

    /**
     * One control connection from the PNS's address and port to the PAC's port 1723: after the handshake the PAC
     * answers where the router sends it from (the translated address and port behind masquerade).
     */
    final class Session {
        final String pns;
        final int port;
        final String pac;
        int cseq = 1000;
        int sseq = 70000;
        Connection ct;
        String seenPns;
        int seenPort;

        Session(String pns, int port, String pac) {
            this.pns = pns;
            this.port = port;
            this.pac = pac;
        }

        Session open() {
            Result syn = forward(tcp(pns, port, pac, Pptp.CONTROL_PORT, cseq++, 0, SYN, new byte[0]));
            ct = syn.ct;
            seenPns = Addr.toText(Family.IPV4, 0, ct.dstLo(Direction.REPLY));
            seenPort = ct.dstPort(Direction.REPLY);
            forward(tcp(pac, Pptp.CONTROL_PORT, seenPns, seenPort, sseq++, cseq, SYN | ACK, new byte[0]));
            forward(tcp(pns, port, pac, Pptp.CONTROL_PORT, cseq, sseq, ACK, new byte[0]));
            return this;
        }

        /** Opens the connection and starts the session (Start-Control-Connection-Request and -Reply). */
        Session start() {
            open();
            pns(sccrq());
            pac(sccrp(1));
            return this;
        }

        Result pns(byte[] data) {
            Result r = forward(tcp(pns, port, pac, Pptp.CONTROL_PORT, cseq, sseq, PSH_ACK, data));
            cseq += data.length;
            return r;
        }

        Result pac(byte[] data) {
            Result r = forward(tcp(pac, Pptp.CONTROL_PORT, seenPns, seenPort, sseq, cseq, PSH_ACK, data));
            sseq += data.length;
            return r;
        }

        /** An outgoing call: the PAC answers {@code pacCallId} to the call ID it received; returns that one. */
        int call(int pnsCallId, int pacCallId) {
            int seen = pns(ocrq(pnsCallId)).callId(Pptp.CALL_ID);
            pac(ocrp(pacCallId, seen, 1));
            return seen;
        }

        PptpMaster master() {
            return (PptpMaster) ct.helperData();
        }
    }
}
