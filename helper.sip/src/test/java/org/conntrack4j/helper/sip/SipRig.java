package org.conntrack4j.helper.sip;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;

/**
 * A test kit engine with the UDP tracker and the SIP helper, assigned to new UDP connections to port 5060 as
 * {@code ct state new udp dport 5060 ct helper set "sip"} does; no NAT (the kernel cases cover NAT). A phone
 * ({@link #PHONE}) talks to a proxy ({@link #PROXY}).
 */
final class SipRig implements AutoCloseable {
    static final String PHONE = "198.51.100.10";
    static final String PROXY = "203.0.113.10";
    static final String OTHER = "192.0.2.77";

    final Plugins plugins = new Plugins();
    final SipHelper helper = new SipHelper();
    final Registration helperService;
    final Rig rig;

    SipRig() {
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        helperService = plugins.addHelper(helper);
        rig = new Rig(plugins);
        rig.net().packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && p.ctinfo == CtInfo.NEW && !p.ct.isConfirmed() && p.ct.protocol() == IpProto.UDP
                && p.ct.dstPort(Direction.ORIGINAL) == 5060) {
                Helper h = rig.net().services().helper("sip", p.family, IpProto.UDP);
                if (h != null) {
                    rig.net().services().assignHelper(p.ct, h);
                }
            }
            return Verdict.ACCEPT;
        }, "ct helper set (test)");
    }

    /** A datagram of {@code text} (lines joined with CRLF) from {@code src:sport} to {@code dst:dport}. */
    Rig.Result send(String src, int sport, String dst, int dport, String text) {
        return rig.forward(Packets.udp(src, sport, dst, dport, text.getBytes(StandardCharsets.ISO_8859_1)));
    }

    Rig.Result fromPhone(String text) {
        return send(PHONE, 5060, PROXY, 5060, text);
    }

    Rig.Result fromProxy(String text) {
        return send(PROXY, 5060, PHONE, 5060, text);
    }

    /** The live expectations, as {@code conntrack -L expect} prints them. */
    List<String> expectations() {
        return rig.expectations();
    }

    /** The expectation lines that contain all of {@code parts}. */
    List<String> expectations(String... parts) {
        return expectations().stream().filter(l -> List.of(parts).stream().allMatch(l::contains))
            .collect(Collectors.toList());
    }

    /** A message: the start line, headers, an empty line and the body; Content-Length counts the body. */
    static String message(String start, String body, String... headers) {
        StringBuilder sb = new StringBuilder(start).append("\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        sb.append("Content-Length: ").append(body.length()).append("\r\n\r\n").append(body);
        return sb.toString();
    }

    /** An SDP body with the session's {@code c=} address and one audio line at {@code port}. */
    static String sdp(String addr, int port) {
        return "v=0\r\no=u 1 1 IN IP4 " + addr + "\r\ns=-\r\nc=IN IP4 " + addr + "\r\nt=0 0\r\nm=audio " + port
            + " RTP/AVP 0\r\n";
    }

    static String invite(int cseq, String body) {
        return message("INVITE sip:bob@" + PROXY + " SIP/2.0", body, "Via: SIP/2.0/UDP " + PHONE + ":5060;branch=z9",
            "From: <sip:alice@" + PHONE + ">;tag=1", "To: <sip:bob@" + PROXY + ">", "Call-ID: c1@" + PHONE,
            "CSeq: " + cseq + " INVITE", "Contact: <sip:alice@" + PHONE + ":5060>", "Content-Type: application/sdp");
    }

    static String response(int code, String method, int cseq, String body, String... extra) {
        return message("SIP/2.0 " + code + " X", body, dialogHeaders(method, cseq, extra));
    }

    static String request(String method, int cseq, String... extra) {
        return message(method + " sip:bob@" + PROXY + " SIP/2.0", "", dialogHeaders(method, cseq, extra));
    }

    /** Via, From, To, Call-ID and CSeq of the phone's dialog, then {@code extra}. */
    private static String[] dialogHeaders(String method, int cseq, String... extra) {
        String[] headers = new String[5 + extra.length];
        headers[0] = "Via: SIP/2.0/UDP " + PHONE + ":5060;branch=z9";
        headers[1] = "From: <sip:alice@" + PHONE + ">;tag=1";
        headers[2] = "To: <sip:bob@" + PROXY + ">;tag=2";
        headers[3] = "Call-ID: c1@" + PHONE;
        headers[4] = "CSeq: " + cseq + " " + method;
        System.arraycopy(extra, 0, headers, 5, extra.length);
        return headers;
    }

    static String register(int cseq, String contact) {
        return message("REGISTER sip:" + PROXY + " SIP/2.0", "", "Via: SIP/2.0/UDP " + PHONE + ":5060;branch=r",
            "From: <sip:alice@" + PROXY + ">;tag=1", "To: <sip:alice@" + PROXY + ">", "Call-ID: r1@" + PHONE,
            "CSeq: " + cseq + " REGISTER", "Contact: " + contact);
    }

    @Override
    public void close() {
        rig.close();
    }
}
