package org.conntrack4j.helper.sip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.testkit.Packets;
import org.junit.jupiter.api.Test;

/** The text reading primitives, against what Linux's parsers return. */
class SipTextTest {
    private static SipMsg msg(int family, String text) {
        byte[] ip = Packets.udp("198.51.100.10", 5060, "203.0.113.10", 5060,
            text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Packet p = new Packet(ip.length);
        p.load(ip, 0, ip.length, 0);
        return new SipMsg().load(p, family, IpProto.UDP, 28);
    }

    @Test
    void numbersAreCsStrtoul() {
        SipMsg m = msg(Family.IPV4, "0x1F 017 42x 18446744073709551617");
        assertEquals(31, SipText.strtoul(m, 0, 0));
        assertEquals(15, SipText.strtoul(m, 5, 0));
        assertEquals(42, SipText.strtoul(m, 9, 0));
        assertEquals(11, m.end);
        assertEquals(1, SipText.strtoul(m, 13, 10));
    }

    @Test
    void aRequestUriSkipsUserInfoAndDefaultsThePort() {
        SipMsg m = msg(Family.IPV4, "INVITE sip:bob@203.0.113.10 SIP/2.0\r\n");
        assertEquals(1, SipText.parseRequest(m));
        assertEquals(15, m.matchOff);
        assertEquals(12, m.matchLen);
        assertEquals(5060, m.port);
        m = msg(Family.IPV4, "INVITE sip:203.0.113.10:80 SIP/2.0\r\n");
        assertEquals(-1, SipText.parseRequest(m));
    }

    @Test
    void ipv6UrisNeedBrackets() {
        SipMsg m = msg(Family.IPV6, "X\r\nContact: <sip:a@[2001:db8::1]:5070>\r\nm: <sip:2001:db8::2>\r\n");
        assertEquals(1, SipText.parseHeaderUri(m, false, SipText.CONTACT));
        assertEquals("2001:db8::1", Addr.toText(Family.IPV6, m.addrHi, m.addrLo));
        assertEquals(5070, m.port);
        assertEquals("[2001:db8::1]:5070", text(m));
    }

    @Test
    void compactFormsNeedANonLetterAfterThem() {
        SipMsg m = msg(Family.IPV4, "X\r\nmax: <sip:203.0.113.9>\r\nm : <sip:a@203.0.113.7:6000>;q=1\r\n");
        assertEquals(1, SipText.parseHeaderUri(m, false, SipText.CONTACT));
        assertEquals("203.0.113.7:6000", text(m));
    }

    @Test
    void contactListsAreWalkedValueByValue() {
        SipMsg m = msg(Family.IPV4, "X\r\nContact: <sip:a@203.0.113.1>, <sip:b@203.0.113.2:7000>\r\n"
            + "Contact: <sip:c@203.0.113.3>\r\n");
        m.coff = 0;
        m.inHeader = false;
        StringBuilder seen = new StringBuilder();
        while (SipText.parseHeaderUri(m, true, SipText.CONTACT) > 0) {
            seen.append(text(m)).append(' ');
        }
        assertEquals("203.0.113.1 203.0.113.2:7000 203.0.113.3 ", seen.toString());
    }

    @Test
    void sdpLinesStopAtTheFirstMediaLine() {
        SipMsg m = msg(Family.IPV4, "X\r\n\r\nv=0\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\n");
        assertEquals(1, SipText.getSdpHeader(m, 0, SipText.SDP_VERSION, null));
        int sdpoff = m.matchOff;
        assertEquals(0, SipText.parseSdpAddr(m, sdpoff, SipText.sdpConnection(Family.IPV4), SipText.SDP_MEDIA));
        assertEquals(1, SipText.getSdpHeader(m, sdpoff, SipText.SDP_MEDIA, null));
        assertEquals("audio 4000", text(m));
    }

    @Test
    void dottedQuadsAreKernelStrictAndUnreadableHeadersAreSteppedOver() {
        SipMsg m = msg(Family.IPV4, "X\r\nContact: <sip:1.2.3.256>\r\nContact: <sip:01.2.3.4a>\r\n"
            + "Contact: <sip:01.2.3.4>\r\n");
        assertEquals(1, SipText.parseHeaderUri(m, false, SipText.CONTACT));
        assertEquals("01.2.3.4", text(m));
        assertEquals(0x01020304L, m.addrLo);
    }

    private static String text(SipMsg m) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < m.matchLen; i++) {
            sb.append((char) m.at(m.matchOff + i));
        }
        return sb.toString();
    }
}
