package org.conntrack4j.helper.sip;

import static org.conntrack4j.helper.sip.SipRig.OTHER;
import static org.conntrack4j.helper.sip.SipRig.PHONE;
import static org.conntrack4j.helper.sip.SipRig.PROXY;
import static org.conntrack4j.helper.sip.SipRig.invite;
import static org.conntrack4j.helper.sip.SipRig.register;
import static org.conntrack4j.helper.sip.SipRig.request;
import static org.conntrack4j.helper.sip.SipRig.response;
import static org.conntrack4j.helper.sip.SipRig.sdp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.Test;

/** The SIP helper without NAT: media and registration expectations, their removal, the module parameters. */
class SipHelperTest {
    @Test
    void anInviteAndItsAnswerExpectRtpAndRtcpFromThePeer() {
        try (SipRig s = new SipRig()) {
            Rig.Result r = s.fromPhone(invite(1, sdp(PHONE, 49170)));
            assertEquals("new/original", r.verdict());
            assertEquals(List.of(
                "180 proto=17 src=" + PROXY + " dst=" + PHONE + " sport=0 dport=49170 mask-src=255.255.255.255"
                    + " mask-dst=255.255.255.255 sport=0 dport=65535 master-src=" + PHONE + " master-dst=" + PROXY
                    + " sport=5060 dport=5060 class=1 helper=sip",
                "180 proto=17 src=" + PROXY + " dst=" + PHONE + " sport=0 dport=49171 mask-src=255.255.255.255"
                    + " mask-dst=255.255.255.255 sport=0 dport=65535 master-src=" + PHONE + " master-dst=" + PROXY
                    + " sport=5060 dport=5060 class=1 helper=sip"), sorted(s.expectations()));
            s.fromProxy(response(200, "INVITE", 1, sdp(PROXY, 30001)));
            // the answer's odd port is made even: RTP 30000, RTCP 30001, from the phone
            assertEquals(2, s.expectations("src=" + PHONE + " dst=" + PROXY, "class=1").size());
            assertEquals(1, s.expectations("dport=30000 ").size());
            // the first RTP packet from the proxy is related to the call
            Rig.Result rtp = s.send(PROXY, 30000, PHONE, 49170, "rtp");
            assertEquals("related/original", rtp.verdict());
            assertEquals(3, s.expectations().size());
            // BYE flushes the rest
            s.fromPhone(request("BYE", 2));
            assertEquals(List.of(), s.expectations());
        }
    }

    @Test
    void theSignallingConnectionLivesSipTimeout() {
        try (SipRig s = new SipRig()) {
            Rig.Result r = s.fromPhone(request("OPTIONS", 1));
            assertEquals(3600, s.rig.snapshot(r.ct).timeoutSeconds());
            s.rig.set("nf_conntrack_sip.sip_timeout", 90);
            s.rig.advance(10);
            s.fromProxy(response(200, "OPTIONS", 1, ""));
            assertEquals(90, s.rig.snapshot(r.ct).timeoutSeconds());
        }
    }

    @Test
    void mediaForAThirdPartyIsNotExpectedUnlessDirectMediaIsOff() {
        try (SipRig s = new SipRig()) {
            s.fromPhone(invite(1, sdp(OTHER, 40000)));
            assertEquals(List.of(), s.expectations());
            s.rig.set("nf_conntrack_sip.sip_direct_media", 0);
            s.fromPhone(invite(2, sdp(OTHER, 40000)));
            // from anywhere, to the third party
            assertEquals(2, s.expectations("src=0.0.0.0 dst=" + OTHER, "mask-src=0.0.0.0").size());
        }
    }

    @Test
    void aFailedInviteFlushesItsMediaExpectationsAndAReInviteReplacesThem() {
        try (SipRig s = new SipRig()) {
            s.fromPhone(invite(1, sdp(PHONE, 49170)));
            s.fromPhone(invite(2, sdp(PHONE, 50000)));
            assertEquals(2, s.expectations().size());
            assertEquals(2, s.expectations("dport=5000").size());
            s.fromProxy(response(486, "INVITE", 2, ""));
            assertEquals(List.of(), s.expectations());
        }
    }

    @Test
    void aRegistrationExpectsCallsFromTheRegistrarOnceAccepted() {
        try (SipRig s = new SipRig()) {
            s.fromPhone(register(1, "<sip:alice@" + PHONE + ":5060>;expires=600"));
            List<String> reg = s.expectations("class=0");
            assertEquals(1, reg.size());
            assertTrue(reg.get(0).startsWith("180 proto=17 src=" + PROXY + " dst=" + PHONE + " sport=0 dport=5060 "),
                reg.get(0));
            assertTrue(reg.get(0).contains(" PERMANENT,INACTIVE class=0 helper=sip"), reg.get(0));
            // inactive: a call from the registrar is not related yet
            s.rig.advance(1);
            assertEquals("new/original", s.send(PROXY, 5080, PHONE, 5060, "x").verdict());
            s.fromProxy(response(200, "REGISTER", 1, "", "Contact: <sip:alice@" + PHONE + ":5060>;expires=600"));
            reg = s.expectations("class=0");
            assertTrue(reg.get(0).startsWith("600 ") && reg.get(0).contains(" PERMANENT class=0"), reg.get(0));
            Rig.Result call = s.send(PROXY, 5090, PHONE, 5060, invite(7, sdp(PROXY, 31000)));
            assertEquals("related/original", call.verdict());
            assertEquals("sip", s.rig.snapshot(call.ct).helper());
            // permanent: still there; the call's own SDP made media expectations with the call as master
            assertEquals(1, s.expectations("class=0").size());
            assertEquals(2, s.expectations("class=1", "master-src=" + PROXY).size());
            // unregistering removes it
            s.fromPhone(register(2, "<sip:alice@" + PHONE + ":5060>;expires=0"));
            assertEquals(1, s.expectations("class=0").size());
            s.fromProxy(response(200, "REGISTER", 2, ""));
            assertEquals(List.of(), s.expectations("class=0"));
        }
    }

    @Test
    void aLateResponseToAnOlderRegisterChangesNothing() {
        try (SipRig s = new SipRig()) {
            s.fromPhone(register(5, "<sip:alice@" + PHONE + ">;expires=60"));
            s.fromProxy(response(403, "REGISTER", 4, ""));
            assertEquals(1, s.expectations("PERMANENT,INACTIVE").size());
            s.fromProxy(response(403, "REGISTER", 5, ""));
            assertEquals(List.of(), s.expectations());
        }
    }

    @Test
    void withoutDirectSignallingCallsMayComeFromAnywhere() {
        try (SipRig s = new SipRig()) {
            s.rig.set("nf_conntrack_sip.sip_direct_signalling", 0);
            s.fromPhone(register(1, "<sip:alice@" + PHONE + ":5070>;expires=120"));
            s.fromProxy(response(200, "REGISTER", 1, "", "Expires: 120", "Contact: <sip:alice@" + PHONE + ":5070>"));
            List<String> reg = s.expectations("class=0");
            assertTrue(reg.get(0).startsWith("120 proto=17 src=0.0.0.0 dst=" + PHONE + " sport=0 dport=5070 "),
                reg.get(0));
            assertEquals("related/original", s.send(OTHER, 7000, PHONE, 5070, "INVITE").verdict());
        }
    }

    @Test
    void thirdPartyRegistrationsAndExpectedConnectionsDoNotRegister() {
        try (SipRig s = new SipRig()) {
            s.fromPhone(register(1, "<sip:alice@" + OTHER + ":5060>;expires=600"));
            assertEquals(List.of(), s.expectations());
        }
    }

    @Test
    void compactHeadersAndContinuationLinesAreRead() {
        try (SipRig s = new SipRig()) {
            String body = "v=0\r\no=u 1 1 IN IP4 " + PHONE + "\r\ns=-\r\nc=IN IP4 " + PHONE + "\r\nt=0 0\r\n"
                + "m=audio 40002 RTP/AVP 0\r\n";
            String msg = "INVITE sip:bob@" + PROXY + " SIP/2.0\r\nv: SIP/2.0/UDP " + PHONE + ":5060\r\n"
                + "f: <sip:alice@" + PHONE + ">\r\nt: <sip:bob@" + PROXY + ">\r\ni: c2\r\nCSeq:\r\n   9 INVITE\r\n"
                + "m: <sip:alice@" + PHONE + ">\r\nl: " + body.length() + "\r\n\r\n" + body;
            assertTrue(s.fromPhone(msg).accepted());
            assertEquals(2, s.expectations("dport=4000").size());
        }
    }

    @Test
    void unloadingTheHelperRemovesItsExpectationsAndDetachesIt() {
        try (SipRig s = new SipRig()) {
            Rig.Result r = s.fromPhone(invite(1, sdp(PHONE, 49170)));
            s.fromPhone(register(2, "<sip:alice@" + PHONE + ">;expires=60"));
            assertEquals(3, s.expectations().size());
            s.helperService.close();
            assertEquals(List.of(), s.expectations());
            assertEquals(null, s.rig.snapshot(r.ct).helper());
            // the call goes on untouched
            assertTrue(s.fromProxy(response(200, "INVITE", 1, sdp(PROXY, 30000))).accepted());
            assertEquals(List.of(), s.expectations());
            assertEquals("established/reply", s.fromProxy(response(180, "INVITE", 1, "")).verdict());
        }
    }

    private static List<String> sorted(List<String> l) {
        return l.stream().sorted().collect(java.util.stream.Collectors.toList());
    }
}
