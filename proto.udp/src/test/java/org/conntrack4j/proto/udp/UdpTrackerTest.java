package org.conntrack4j.proto.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.testkit.EventLog;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The UDP tracker as Linux 6.x's {@code nf_conntrack_udp_packet}: unreplied and replied timeouts, a stream (ASSURED,
 * the stream timeout) only for a flow still active two seconds after its creation, the header checks of
 * {@code udp_error} with their reasons, and its settings.
 */
class UdpTrackerTest {
    private static final String C = "198.51.100.10";
    private static final String S = "203.0.113.10";

    private final Rig rig;
    private final List<String> events;

    UdpTrackerTest() {
        Plugins plugins = new Plugins();
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        rig = new Rig(plugins, "udp", EventLog.COMPACT).set("nf_conntrack_log_invalid", 255);
        events = rig.events().lines();
    }

    @AfterEach
    void close() {
        rig.close();
    }

    private static byte[] request(String data) {
        return Packets.udp(C, 40000, S, 53, Packets.ascii(data));
    }

    private static byte[] answer(String data) {
        return Packets.udp(S, 53, C, 40000, Packets.ascii(data));
    }

    private ConnectionSnapshot snapshot() {
        Connection c = rig.connectionWithPort(40000);
        return c == null ? null : rig.snapshot(c);
    }

    @Test
    void aRequestIsNewAndUnrepliedFor30Seconds() {
        Rig.Result r = rig.forward(request("q"));
        assertEquals("new/original", r.verdict());
        ConnectionSnapshot s = snapshot();
        assertEquals(30, s.timeoutSeconds());
        assertEquals(0, s.status() & Status.SEEN_REPLY);
        assertEquals(List.of("[NEW] ipv4 2 udp 17 30 src=198.51.100.10 dst=203.0.113.10 sport=40000 dport=53 "
            + "[UNREPLIED] src=203.0.113.10 dst=198.51.100.10 sport=53 dport=40000"), events);
    }

    @Test
    void aQuickAnswerIsEstablishedButNoStream() {
        rig.forward(request("q"));
        rig.advance(0.5);
        assertEquals("established/reply", rig.forward(answer("a")).verdict());
        rig.advance(1);
        assertEquals("established/original", rig.forward(request("q2")).verdict());
        ConnectionSnapshot s = snapshot();
        assertEquals(30, s.timeoutSeconds(), "replied, but not two seconds old: the unreplied timeout still");
        assertEquals(0, s.status() & Status.ASSURED);
        assertEquals(2, events.size(), events.toString());
        assertTrue(events.get(1).startsWith("[UPDATE] ipv4 2 udp 17 30 src=198.51.100.10"), events.get(1));
        assertFalse(events.get(1).contains("[UNREPLIED]"), events.get(1));
    }

    @Test
    void aFlowStillActiveAfterTwoSecondsBecomesAnAssuredStream() {
        rig.forward(request("q"));
        rig.advance(0.5);
        rig.forward(answer("a"));
        rig.advance(2);
        rig.forward(request("more"));
        ConnectionSnapshot s = snapshot();
        assertEquals(120, s.timeoutSeconds());
        assertTrue((s.status() & Status.ASSURED) != 0);
        assertEquals("[UPDATE] ipv4 2 udp 17 120 src=198.51.100.10 dst=203.0.113.10 sport=40000 dport=53 "
            + "src=203.0.113.10 dst=198.51.100.10 sport=53 dport=40000 [ASSURED]", events.get(events.size() - 1));
        int n = events.size();
        rig.advance(3);
        rig.forward(answer("again"));
        assertEquals(n, events.size(), "ASSURED is reported once");
        assertEquals(120, snapshot().timeoutSeconds());
    }

    @Test
    void anUnansweredFlowIsNeverAStream() {
        rig.forward(request("1"));
        rig.advance(5);
        rig.forward(request("2"));
        ConnectionSnapshot s = snapshot();
        assertEquals(30, s.timeoutSeconds());
        assertEquals(0, s.status() & Status.ASSURED);
    }

    @Test
    void aFlowThatClashedUnderNatNeverBecomesAssured() {
        Rig.Result first = rig.forward(request("q"));
        first.ct.setStatus(Status.NAT_CLASH);
        rig.advance(0.5);
        rig.forward(answer("a"));
        rig.advance(3);
        rig.forward(request("more"));
        ConnectionSnapshot s = snapshot();
        assertEquals(120, s.timeoutSeconds(), "its timeout still follows the stream rule");
        assertEquals(0, s.status() & Status.ASSURED);
    }

    @Test
    void theTimeoutsAreSettings() {
        rig.set("nf_conntrack_udp_timeout", 10).set("nf_conntrack_udp_timeout_stream", 200);
        rig.forward(request("q"));
        assertEquals(10, snapshot().timeoutSeconds());
        rig.forward(answer("a"));
        rig.advance(2.5);
        rig.forward(request("more"));
        assertEquals(200, snapshot().timeoutSeconds());
        assertEquals(List.of(UdpTracker.TIMEOUT, UdpTracker.TIMEOUT_STREAM), new UdpTracker().settings());
        assertEquals(10L, rig.net().settings().active().get("nf_conntrack_udp_timeout"));
    }

    @Test
    void anUnrepliedFlowExpiresWithADestroyEvent() {
        rig.forward(request("q"));
        rig.advance(29).expire();
        assertEquals(1, rig.net().table().count());
        rig.advance(2).expire();
        assertEquals(0, rig.net().table().count());
        assertTrue(events.get(events.size() - 1).startsWith("[DESTROY] ipv4 2 udp 17 src=198.51.100.10"),
            events.get(events.size() - 1));
    }

    @Test
    void aShortHeaderIsInvalid() {
        byte[] p = Packets.ip(C, S).payload(IpProto.UDP, new byte[] {(byte) 0x9c, 0x40, 0, 53, 0, 7}).build();
        Rig.Result r = rig.forward(p);
        assertEquals("invalid/none", r.verdict());
        assertEquals("short packet", r.reason);
        assertEquals("short packet", r.logReason);
        assertEquals(IpProto.UDP, r.logProto);
        assertEquals(0, rig.net().table().count());
    }

    @Test
    void aLengthFieldOutsideThePacketIsInvalid() {
        byte[] l4 = Packets.udp(40000, 53, Packets.ascii("abc"));
        l4[5] = 20;
        Rig.Result longer = rig.forward(Packets.ip(C, S, IpProto.UDP, l4));
        assertEquals("truncated/malformed packet", longer.reason);
        l4[5] = 7;
        assertEquals("truncated/malformed packet", rig.forward(Packets.ip(C, S, IpProto.UDP, l4)).reason);
    }

    @Test
    void aBadChecksumIsInvalidOnlyFromTheWireAndWhenChecked() {
        byte[] bad = Packets.ip(C, S).payload(IpProto.UDP, Packets.udp(40000, 53, Packets.ascii("q"))).badChecksum()
            .build();
        Rig.Result r = rig.forward(bad);
        assertEquals("invalid/none", r.verdict());
        assertEquals("bad checksum", r.reason);
        assertEquals("new/original", rig.output(bad).verdict(), "locally generated packets are not checked");
        rig.net().table().flush();
        rig.set("nf_conntrack_checksum", 0);
        assertEquals("new/original", rig.forward(bad).verdict());
    }

    @Test
    void aZeroChecksumMeansNone() {
        byte[] none = Packets.ip(C, S).payload(IpProto.UDP, Packets.udp(40000, 53, Packets.ascii("q"))).noChecksum()
            .build();
        assertEquals(0, Packets.u16(none, 26));
        Rig.Result r = rig.forward(none);
        assertEquals("new/original", r.verdict());
        assertNull(r.reason);
    }

    @Test
    void reasonsAreLoggedOnlyWhenLogInvalidNamesUdp() {
        byte[] p = Packets.ip(C, S).payload(IpProto.UDP, new byte[4]).build();
        rig.set("nf_conntrack_log_invalid", IpProto.TCP);
        Rig.Result r = rig.forward(p);
        assertEquals("short packet", r.reason);
        assertNull(r.logReason);
        assertEquals(1, rig.net().stats().invalidByReason().get("short packet"));
    }

    @Test
    void ipv6FlowsAreTrackedAlike() {
        byte[] q = Packets.udp("2001:db8:1::10", 40000, "2001:db8:2::10", 53, Packets.ascii("q"));
        byte[] a = Packets.udp("2001:db8:2::10", 53, "2001:db8:1::10", 40000, Packets.ascii("a"));
        assertEquals("new/original", rig.forward(q).verdict());
        assertEquals("established/reply", rig.forward(a).verdict());
        Connection c = rig.connectionWithPort(40000);
        assertEquals(Family.IPV6, c.family());
        assertEquals("[NEW] ipv6 10 udp 17 30 src=2001:db8:1::10 dst=2001:db8:2::10 sport=40000 dport=53 [UNREPLIED] "
            + "src=2001:db8:2::10 dst=2001:db8:1::10 sport=53 dport=40000", events.get(0));
    }

    @Test
    void itDescribesItself() {
        UdpTracker t = new UdpTracker();
        assertEquals("udp", t.name());
        assertTrue(t.allowClash(), "UDP connections may clash under NAT, as in Linux");
        assertTrue(rig.net().services().tracker(Family.IPV4, IpProto.UDP) instanceof UdpTracker);
    }
}
