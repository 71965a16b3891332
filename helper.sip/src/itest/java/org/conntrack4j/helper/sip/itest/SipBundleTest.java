package org.conntrack4j.helper.sip.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.itest.ItPackets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.test.common.annotation.InjectService;

/**
 * helper.sip in a running framework with the live engine and NAT: the helper is a UDP service for both families
 * with its module parameters as settings; behind a masquerade a call's SDP is rewritten and expected; stopping the
 * bundle under a call destroys its expectations (media and registration) and detaches it from the call, which goes
 * on unrewritten; started again, it helps new calls.
 */
class SipBundleTest {
    private static final String BSN = "org.conntrack4j.helper.sip";
    private static final String PHONE = "198.51.100.10";
    private static final String PROXY = "203.0.113.10";
    private static final String ROUTER = "203.0.113.1";

    @InjectService
    Conntrack conntrack;

    private final BundleContext own = FrameworkUtil.getBundle(SipBundleTest.class).getBundleContext();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final List<String> expectEvents = Collections.synchronizedList(new ArrayList<>());
    private final List<Registration> regs = new ArrayList<>();
    private NetDevice lan;
    private NetDevice wan;

    private Bundle bundle() {
        return Arrays.stream(own.getBundles()).filter(b -> BSN.equals(b.getSymbolicName())).findFirst().orElseThrow();
    }

    @BeforeEach
    void setUp() {
        conntrack.table().delete(null);
        lan = new NetDevice("siplan", 95, null, null, 1500,
            List.of(new NetDevice.IfAddr(Family.IPV4, 0, 0xc6336401L, 24)));
        wan = new NetDevice("sipwan", 96, null, null, 1500,
            List.of(new NetDevice.IfAddr(Family.IPV4, 0, 0xcb007101L, 24)));
        // ct state new udp dport 5060 ct helper set "sip": the helper is looked up each time, as the rule does
        regs.add(conntrack.packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && p.ctinfo == CtInfo.NEW && !p.ct.isConfirmed() && p.ct.protocol() == IpProto.UDP
                && p.ct.dstPort(Direction.ORIGINAL) == 5060) {
                Helper h = conntrack.services().helper("sip", p.family, IpProto.UDP);
                if (h != null) {
                    conntrack.services().assignHelper(p.ct, h);
                }
            }
            return Verdict.ACCEPT;
        }, "itest ct helper set"));
        Nat nat = conntrack.services().extension(Nat.class);
        regs.add(nat.registerChain(Family.IPV4, Hook.POST_ROUTING, Priority.NAT_SRC,
            p -> p.out == wan ? nat.masquerade(p, NatRange.ports(-1, -1, 0), "itest masquerade") : Verdict.ACCEPT,
            "itest sip"));
        regs.add(conntrack.table().addListener(new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                events.add(CtFormat.event(e, false));
            }

            @Override
            public void onExpectationEvent(ExpectationEvent e) {
                expectEvents.add(CtFormat.expectationEvent(e, false));
            }
        }, true));
    }

    @AfterEach
    void restore() throws Exception {
        for (Registration r : regs) {
            r.close();
        }
        if (bundle().getState() != Bundle.ACTIVE) {
            bundle().start();
        }
        conntrack.table().delete(null);
    }

    @Test
    void theHelperIsAUdpAndATcpServiceOfBothFamiliesWithItsModuleParameters() {
        assertNotNull(conntrack.services().helper("sip", Family.IPV4, IpProto.UDP));
        assertNotNull(conntrack.services().helper("sip", Family.IPV6, IpProto.UDP));
        assertNotNull(conntrack.services().helper("sip", Family.IPV4, IpProto.TCP));
        assertNotNull(conntrack.services().helper("sip", Family.IPV6, IpProto.TCP));
        assertEquals(3600L, conntrack.settings().get("nf_conntrack_sip.sip_timeout"));
        assertEquals(1L, conntrack.settings().get("nf_conntrack_sip.sip_direct_media"));
        assertEquals(1L, conntrack.settings().get("nf_conntrack_sip.sip_direct_signalling"));
    }

    @Test
    void stoppingTheHelperUnderACallDestroysItsExpectationsAndDetachesIt() throws Exception {
        Packet invite = phone(41000, invite(49170));
        String sent = text(invite);
        assertTrue(sent.contains("c=IN IP4 " + ROUTER + "\r\n"), sent);
        assertTrue(sent.contains("Contact: <sip:alice@" + ROUTER + ":41000>"), sent);
        assertEquals(2, conntrack.table().expectations().size());
        phone(41000, register());
        assertEquals(3, conntrack.table().expectations().size());
        Packet call = invite;
        int before = conntrack.table().count();
        events.clear();
        expectEvents.clear();

        bundle().stop();
        assertNull(conntrack.services().helper("sip", Family.IPV4, IpProto.UDP));
        assertNull(conntrack.services().helper("sip", Family.IPV4, IpProto.TCP));
        assertEquals(List.of(), conntrack.table().expectations(), "its expectations are destroyed");
        assertEquals(3, expectEvents.size(), expectEvents.toString());
        assertNull(call.ct.helper(), "detached");
        assertEquals(before, conntrack.table().count(), "no connection is destroyed: " + events);
        assertTrue(events.stream().allMatch(e -> e.contains("[UPDATE]")), events.toString());
        // the answer passes untouched and expects nothing
        Packet answer = proxy(41000, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP " + ROUTER + ":41000\r\nCSeq: 1 INVITE\r\n"
            + "Content-Length: 0\r\n\r\n");
        assertTrue(text(answer).contains("Via: SIP/2.0/UDP " + ROUTER + ":41000"), text(answer));
        assertEquals(List.of(), conntrack.table().expectations());

        bundle().start();
        Helper again = conntrack.services().helper("sip", Family.IPV4, IpProto.UDP);
        assertNotNull(again);
        Packet second = phone(41002, invite(49180));
        assertSame(again, second.ct.helper());
        assertEquals(2, conntrack.table().expectations().size());
        assertNull(call.ct.helper(), "a connection detached stays so");
    }

    private static String invite(int rtp) {
        String body = "v=0\r\no=alice 1 1 IN IP4 " + PHONE + "\r\ns=-\r\nc=IN IP4 " + PHONE + "\r\nt=0 0\r\n"
            + "m=audio " + rtp + " RTP/AVP 0\r\n";
        return "INVITE sip:bob@" + PROXY + " SIP/2.0\r\nVia: SIP/2.0/UDP " + PHONE + ":41000\r\nCSeq: 1 INVITE\r\n"
            + "Contact: <sip:alice@" + PHONE + ":41000>\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static String register() {
        return "REGISTER sip:" + PROXY + " SIP/2.0\r\nVia: SIP/2.0/UDP " + PHONE + ":41000\r\nCSeq: 2 REGISTER\r\n"
            + "Contact: <sip:alice@" + PHONE + ":41000>;expires=60\r\nContent-Length: 0\r\n\r\n";
    }

    private Packet phone(int port, String text) {
        Packet p = udp(PHONE, port, PROXY, 5060, text);
        forward(p, lan, wan);
        return p;
    }

    private Packet proxy(int port, String text) {
        Packet p = udp(PROXY, 5060, ROUTER, port, text);
        forward(p, wan, lan);
        return p;
    }

    private static String text(Packet p) {
        byte[] b = p.toBytes();
        return new String(b, 28, b.length - 28, StandardCharsets.ISO_8859_1);
    }

    private static Packet udp(String src, int sport, String dst, int dport, String text) {
        byte[] data = text.getBytes(StandardCharsets.ISO_8859_1);
        byte[] l4 = ByteBuffer.allocate(8 + data.length).putShort((short) sport).putShort((short) dport)
            .putShort((short) (8 + data.length)).putShort((short) 0).put(data).array();
        return ItPackets.ipv4(src, dst, IpProto.UDP, l4);
    }

    /** PRE_ROUTING and POST_ROUTING, both accepting. */
    private void forward(Packet p, NetDevice in, NetDevice out) {
        p.in = in;
        assertEquals(Verdict.ACCEPT, conntrack.packets().runHook(Hook.PRE_ROUTING, p));
        p.out = out;
        assertEquals(Verdict.ACCEPT, conntrack.packets().runHook(Hook.POST_ROUTING, p));
    }
}
