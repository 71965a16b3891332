package org.conntrack4j.helper.sip;

import static org.conntrack4j.helper.sip.SipRig.PHONE;
import static org.conntrack4j.helper.sip.SipRig.PROXY;
import static org.conntrack4j.helper.sip.SipRig.invite;
import static org.conntrack4j.helper.sip.SipRig.message;
import static org.conntrack4j.helper.sip.SipRig.register;
import static org.conntrack4j.helper.sip.SipRig.sdp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.Test;

/**
 * Hostile and broken SIP: Linux's answer (drop with its log text, or pass unread), a counter, never an exception,
 * expectations bounded by the policy and the table.
 */
class SipHostileInputTest {
    @Test
    void anInviteWithoutCseqIsDropped() {
        try (SipRig s = new SipRig()) {
            Rig.Result r = s.fromPhone(message("INVITE sip:bob@" + PROXY + " SIP/2.0", sdp(PHONE, 4000),
                "Via: SIP/2.0/UDP " + PHONE));
            assertEquals(Verdict.DROP, r.verdict);
            assertEquals("nf_ct_sip: dropping packet: cannot parse cseq", r.packet.reason);
            assertEquals(1L, s.helper.counters().get("bad_message"));
            // a method the helper does not handle passes unread, CSeq or not
            assertTrue(s.fromPhone(message("OPTIONS sip:x@" + PROXY + " SIP/2.0", "")).accepted());
        }
    }

    @Test
    void aResponseWithoutStatusCodeIsDropped() {
        try (SipRig s = new SipRig()) {
            s.fromPhone(invite(1, ""));
            Rig.Result r = s.fromProxy("SIP/2.0 abc OK\r\nCSeq: 1 INVITE\r\n\r\n");
            assertEquals(Verdict.DROP, r.verdict);
            assertEquals("nf_ct_sip: dropping packet: cannot get code", r.packet.reason);
            // too short to be read at all
            assertTrue(s.fromProxy("SIP/2.0 x").accepted());
        }
    }

    @Test
    void mediaPortsOutOfRangeAreDroppedAndZeroIsAnInactiveStream() {
        try (SipRig s = new SipRig()) {
            Rig.Result r = s.fromPhone(invite(1, sdp(PHONE, 80)));
            assertEquals(Verdict.DROP, r.verdict);
            assertEquals("nf_ct_sip: dropping packet: wrong port 80", r.packet.reason);
            // 2^32 + 5000 wraps to 5000 in C's unsigned int, as in Linux
            assertTrue(s.fromPhone(invite(2, sdp(PHONE, 0))).accepted());
            assertEquals(List.of(), s.expectations());
            assertEquals(1L, s.helper.counters().get("bad_port"));
        }
    }

    @Test
    void mediaPortsBeyondAnUnsignedIntAreInactiveStreams() {
        // Linux 6.18, recorded in sip_hostile_ports: 4294967295 is a wrong port, anything longer no stream at all
        try (SipRig s = new SipRig()) {
            String body = "v=0\r\nc=IN IP4 " + PHONE + "\r\nm=audio 4294972296 RTP/AVP 0\r\n";
            assertTrue(s.fromPhone(invite(1, body)).accepted());
            assertEquals(List.of(), s.expectations());
            Rig.Result r = s.fromPhone(invite(2, body.replace("4294972296", "4294967295")));
            assertEquals("nf_ct_sip: dropping packet: wrong port 4294967295", r.packet.reason);
        }
    }

    @Test
    void aMediaLineWithoutAnyAddressIsDropped() {
        try (SipRig s = new SipRig()) {
            Rig.Result r = s.fromPhone(invite(1, "v=0\r\nm=audio 4000 RTP/AVP 0\r\n"));
            assertEquals(Verdict.DROP, r.verdict);
            assertEquals("nf_ct_sip: dropping packet: cannot parse SDP message", r.packet.reason);
        }
    }

    @Test
    void aContactWithABadPortIsPassedAsNoneAndABadExpiresDropsTheRegister() {
        try (SipRig s = new SipRig()) {
            // as Linux 6.18 does (sip_hostile_ports): passed, nothing expected
            assertTrue(s.fromPhone(register(1, "<sip:alice@" + PHONE + ":99999>;expires=60")).accepted());
            assertTrue(s.fromPhone(register(2, "<sip:alice@" + PHONE + ":1000>;expires=60")).accepted());
            assertEquals(List.of(), s.expectations());
            Rig.Result r = s.fromPhone(register(3, "<sip:alice@" + PHONE + ">;expires=soon"));
            assertEquals(Verdict.DROP, r.verdict);
            assertEquals("nf_ct_sip: dropping packet: cannot parse expires", r.packet.reason);
            assertEquals(1L, s.helper.counters().get("bad_body"));
        }
    }

    @Test
    void hundredsOfMediaLinesGiveAtMostThreeMediaExpectationsWithinThePolicy() {
        try (SipRig s = new SipRig()) {
            StringBuilder body = new StringBuilder("v=0\r\nc=IN IP4 " + PHONE + "\r\n");
            for (int i = 0; i < 300; i++) {
                body.append("m=audio ").append(2000 + 2 * i).append(" RTP/AVP 0\r\n");
            }
            assertTrue(s.fromPhone(invite(1, body.toString())).accepted());
            // three lines read, six expectations asked, the audio policy keeps four per call
            assertEquals(4, s.expectations("class=1").size());
            // unknown media types are stepped over without limit
            StringBuilder other = new StringBuilder("v=0\r\nc=IN IP4 " + PHONE + "\r\n");
            for (int i = 0; i < 300; i++) {
                other.append("m=text ").append(2000 + i).append(" RTP/AVP 0\r\n");
            }
            other.append("m=video 6000 RTP/AVP 0\r\n");
            assertTrue(s.fromPhone(invite(2, other.toString())).accepted());
            assertEquals(2, s.expectations("class=2").size());
        }
    }

    @Test
    void aFloodOfInvitesIsBoundedByThePolicyAndTheTable() {
        try (SipRig s = new SipRig()) {
            s.rig.set("nf_conntrack_expect_max", 64);
            for (int call = 0; call < 200; call++) {
                String phone = "198.51.100." + (10 + call % 100);
                Rig.Result r = s.send(phone, 5060 + call / 100, PROXY, 5060, invite(call + 1, sdp(phone, 20000)));
                if (!r.accepted()) {
                    assertEquals("nf_ct_sip: dropping packet: cannot add expectation for voice", r.packet.reason);
                }
            }
            assertTrue(s.expectations().size() <= 64);
            assertTrue(s.helper.counters().get("expect_failed") > 0);
        }
    }

    @Test
    void aBogusContentLengthIsNotTrusted() {
        try (SipRig s = new SipRig()) {
            String body = sdp(PHONE, 4000);
            String msg = "INVITE sip:bob@" + PROXY + " SIP/2.0\r\nCSeq: 1 INVITE\r\nContent-Length: 99999999999\r\n\r\n"
                + body;
            assertTrue(s.fromPhone(msg).accepted());
            assertEquals(2, s.expectations().size());
        }
    }

    @Test
    void oversizedAndRandomPayloadsNeverThrow() {
        try (SipRig s = new SipRig()) {
            Random rnd = new Random(17);
            String[] seeds = {invite(1, sdp(PHONE, 4000)), register(1, "<sip:a@" + PHONE + ">;expires=60"),
                "SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\nContact: <sip:a@" + PHONE + ">,<sip:b@[::1]>\r\n\r\n"};
            for (int i = 0; i < 3000; i++) {
                byte[] b = seeds[i % seeds.length].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                int n = 1 + rnd.nextInt(6);
                for (int k = 0; k < n; k++) {
                    int at = rnd.nextInt(b.length);
                    b[at] = (byte) (rnd.nextBoolean() ? rnd.nextInt(256) : "\r\n:;,@ <>[]0123456789.".charAt(
                        rnd.nextInt(22)));
                }
                if (rnd.nextInt(10) == 0) {
                    b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
                }
                Rig.Result r = i % 2 == 0 ? s.rig.forward(Packets.udp(PHONE, 5060, PROXY, 5060, b))
                    : s.rig.forward(Packets.udp(PROXY, 5060, PHONE, 5060, b));
                assertFalse(r.verdict != Verdict.ACCEPT && r.packet.reason == null, "a drop names its reason");
            }
            // a datagram as large as UDP allows
            byte[] big = new byte[65000];
            java.util.Arrays.fill(big, (byte) ' ');
            byte[] head = invite(9, "").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            System.arraycopy(head, 0, big, 0, head.length);
            assertTrue(s.rig.forward(Packets.udp(PHONE, 5060, PROXY, 5060, big)).accepted());
        }
    }
}
