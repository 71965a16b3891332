package org.conntrack4j.helper.sip;

import static org.conntrack4j.helper.sip.SipRig.PHONE;
import static org.conntrack4j.helper.sip.SipRig.PROXY;
import static org.conntrack4j.helper.sip.SipRig.message;
import static org.conntrack4j.helper.sip.SipRig.sdp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.testkit.FakeNat;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SIP over TCP ({@code sip_help_tcp}) behind masquerade (the kit's NAT, binding the phone to {@link #ROUTER}):
 * several messages in one segment, each rewritten and framed by its Content-Length, the segment's length change
 * recorded once; partial messages and messages without Content-Length as Linux leaves them.
 */
class SipTcpTest {
    private static final String ROUTER = "203.0.113.1";
    private static final int CISN = 1000;
    private static final int SISN = 70000;

    private final Plugins plugins = new Plugins();
    private final SipTcpHelper helper = new SipTcpHelper();
    private final Rig rig;
    private int cseq = CISN + 1;
    private int sseq = SISN + 1;
    private Connection ct;

    SipTcpTest() {
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        plugins.addHelper(helper);
        rig = new Rig(plugins);
        rig.net().packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && p.ctinfo == CtInfo.NEW && !p.ct.isConfirmed() && p.ct.protocol() == IpProto.TCP
                && p.ct.dstPort(Direction.ORIGINAL) == 5060) {
                Helper h = rig.net().services().helper("sip", p.family, IpProto.TCP);
                rig.net().services().assignHelper(p.ct, h);
            }
            return Verdict.ACCEPT;
        }, "ct helper set (test)");
        FakeNat nat = new FakeNat();
        nat.provideTo(rig.net());
        nat.masqueradeFrom(rig.net(), "198.51.100.0/24", ROUTER);
    }

    @AfterEach
    void close() {
        rig.close();
    }

    private void handshake() {
        Rig.Result syn = rig.forward(Packets.tcp(PHONE, 5060, PROXY, 5060, CISN, 0, Packets.SYN, new byte[0]));
        assertEquals(helper, syn.ct.helper(), "the TCP helper of type sip");
        ct = syn.ct;
        rig.forward(Packets.tcp(PROXY, 5060, ROUTER, 5060, SISN, cseq, Packets.SYN | Packets.ACK, new byte[0]));
        rig.forward(Packets.tcp(PHONE, 5060, PROXY, 5060, cseq, sseq, Packets.ACK, new byte[0]));
    }

    /** A segment of the phone's; returns what left the router. */
    private Rig.Result fromPhone(String text) {
        byte[] d = Packets.ascii(text);
        Rig.Result r = rig.forward(Packets.tcp(PHONE, 5060, PROXY, 5060, cseq, sseq, Packets.PSH | Packets.ACK, d));
        cseq += d.length;
        return r;
    }

    /** The proxy acknowledges {@code acked} bytes of the phone's (as it received them); returns the ack it sent on. */
    private int proxyAcks(int acked) {
        Rig.Result r = rig.forward(Packets.tcp(PROXY, 5060, ROUTER, 5060, sseq, CISN + 1 + acked, Packets.ACK,
            new byte[0]));
        assertTrue(Packets.checksumsOk(r.bytes()));
        return Packets.ack(r.bytes()) - (CISN + 1);
    }

    private static String invite(int cseqNo, String body) {
        return message("INVITE sip:bob@" + PROXY + " SIP/2.0", body, "Via: SIP/2.0/TCP " + PHONE + ":5060;branch=z"
            + cseqNo, "From: <sip:alice@" + PHONE + ">;tag=1", "To: <sip:bob@" + PROXY + ">", "Call-ID: t1@" + PHONE,
            "CSeq: " + cseqNo + " INVITE", "Contact: <sip:alice@" + PHONE + ":5060;transport=tcp>",
            "Content-Type: application/sdp");
    }

    private static String options(int cseqNo) {
        return message("OPTIONS sip:bob@" + PROXY + " SIP/2.0", "", "Via: SIP/2.0/TCP " + PHONE + ":5060;branch=o"
            + cseqNo, "From: <sip:alice@" + PHONE + ">;tag=1", "To: <sip:bob@" + PROXY + ">", "Call-ID: o1@" + PHONE,
            "CSeq: " + cseqNo + " OPTIONS", "Contact: <sip:alice@" + PHONE + ":5060;transport=tcp>");
    }

    private static String contentLength(String msg) {
        int at = msg.indexOf("Content-Length: ") + 16;
        return msg.substring(at, msg.indexOf("\r\n", at));
    }

    @Test
    void twoMessagesOfOneSegmentAreBothRewrittenAndAdjustedOnce() {
        handshake();
        String first = invite(1, sdp(PHONE, 49170));
        String second = options(2);
        String sent = first + second;
        Rig.Result r = fromPhone(sent);
        assertEquals(Verdict.ACCEPT, r.verdict, r.toString());
        byte[] out = r.bytes();
        assertTrue(Packets.checksumsOk(out));
        String got = Packets.tcpPayload(out);
        // Linux leaves Call-ID alone
        assertEquals(2, got.split(PHONE, -1).length - 1, got);
        assertEquals(2, got.split("Call-ID: [a-z0-9]+@" + PHONE, -1).length - 1, got);
        int split = got.indexOf("OPTIONS ");
        String gotFirst = got.substring(0, split);
        String gotSecond = got.substring(split);
        // each message rewritten where Linux rewrites it, its body length still its Content-Length
        String body = gotFirst.substring(gotFirst.indexOf("\r\n\r\n") + 4);
        assertEquals(String.valueOf(body.length()), contentLength(gotFirst));
        assertTrue(body.contains("c=IN IP4 " + ROUTER + "\r\n"), body);
        assertTrue(gotSecond.contains("Via: SIP/2.0/TCP " + ROUTER + ":5060;branch=o2"), gotSecond);
        assertTrue(gotSecond.contains("<sip:alice@" + ROUTER + ":5060;transport=tcp>"), gotSecond);
        assertEquals("0", contentLength(gotSecond));
        // the media expectations of the INVITE
        assertEquals(2, rig.expectations().size());
        // one adjustment for the whole segment: what the proxy acknowledges maps back to what the phone sent
        assertTrue(ct.hasStatus(Status.SEQ_ADJUST));
        assertEquals(sent.length(), proxyAcks(got.length()));
        // and the phone's next segment is moved by the whole change
        Rig.Result next = fromPhone(options(3));
        assertEquals(CISN + 1 + got.length(), Packets.seq(next.bytes()));
    }

    @Test
    void aMessageContinuingInTheNextSegmentLetsTheSegmentPassUnread() {
        handshake();
        String whole = invite(1, sdp(PHONE, 49170));
        int cut = whole.length() - 10;
        Rig.Result r = fromPhone(whole.substring(0, cut));
        assertEquals(Verdict.ACCEPT, r.verdict);
        assertEquals(whole.substring(0, cut), Packets.tcpPayload(r.bytes()), "nothing rewritten");
        assertEquals(List.of(), rig.expectations());
        assertFalse(ct.hasStatus(Status.SEQ_ADJUST));
        // the rest alone is no message either (no Content-Length in it)
        Rig.Result rest = fromPhone(whole.substring(cut));
        assertEquals(whole.substring(cut), Packets.tcpPayload(rest.bytes()));
    }

    @Test
    void aPartialSecondMessageLeavesTheFirstRewrittenWithNothingRecorded() {
        handshake();
        String first = options(1);
        String second = invite(2, sdp(PHONE, 49170));
        String sent = first + second.substring(0, second.length() - 5);
        Rig.Result r = fromPhone(sent);
        String got = Packets.tcpPayload(r.bytes());
        // Linux returns from the loop without its sequence adjustment: the first message stays rewritten
        assertTrue(got.startsWith("OPTIONS sip:bob@" + PROXY + " SIP/2.0\r\nVia: SIP/2.0/TCP " + ROUTER), got);
        assertFalse(ct.hasStatus(Status.SEQ_ADJUST));
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void readingStopsAtAMessageWithoutContentLength() {
        handshake();
        String bare = "OPTIONS sip:bob@" + PROXY + " SIP/2.0\r\nVia: SIP/2.0/TCP " + PHONE + ":5060\r\nCSeq: 9 OPTIONS"
            + "\r\n\r\n";
        String sent = options(1) + bare;
        Rig.Result r = fromPhone(sent);
        String got = Packets.tcpPayload(r.bytes());
        assertTrue(got.endsWith(bare), "the rest passes unread: " + got);
        assertTrue(got.startsWith("OPTIONS sip:bob@" + PROXY + " SIP/2.0\r\nVia: SIP/2.0/TCP " + ROUTER), got);
        assertEquals(sent.length(), proxyAcks(got.length()));
    }

    @Test
    void theContentLengthIsSoughtInTheRestOfTheSegmentAsLinuxDoes() {
        handshake();
        // a message without one is read together with the next one, up to that one's Content-Length
        String bare = "OPTIONS sip:bob@" + PROXY + " SIP/2.0\r\nVia: SIP/2.0/TCP " + PHONE + ":5060\r\nCSeq: 9 OPTIONS"
            + "\r\n\r\n";
        String sent = bare + options(2);
        String got = Packets.tcpPayload(fromPhone(sent).bytes());
        // only the first Via of that one message is rewritten
        assertTrue(got.startsWith(bare.replace(PHONE, ROUTER)), got);
        assertTrue(got.contains("Via: SIP/2.0/TCP " + PHONE + ":5060;branch=o2"), got);
        assertEquals(sent.length(), proxyAcks(got.length()));
    }

    @Test
    void aContentLengthBeyondTheSegmentEndsReading() {
        handshake();
        String huge = options(1).replace("Content-Length: 0", "Content-Length: 4294967296");
        Rig.Result r = fromPhone(huge);
        assertEquals(Verdict.ACCEPT, r.verdict);
        assertEquals(huge, Packets.tcpPayload(r.bytes()));
        assertFalse(ct.hasStatus(Status.SEQ_ADJUST));
    }
}
