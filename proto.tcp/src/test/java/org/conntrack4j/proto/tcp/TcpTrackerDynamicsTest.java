package org.conntrack4j.proto.tcp;

import static org.conntrack4j.proto.tcp.TcpLab.CI;
import static org.conntrack4j.proto.tcp.TcpLab.SI;
import static org.conntrack4j.proto.tcp.TcpLab.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.junit.jupiter.api.Test;

/**
 * The tracker leaving and coming back, as when the proto.tcp bundle stops and starts: its connections are
 * destroyed, TCP falls back to the generic tracker, and a returning tracker tracks new connections again.
 * (In-framework, the same happens through the core's whiteboard; see the report for the itest.)
 */
class TcpTrackerDynamicsTest {
    @Test
    void leaving_destroysTcpConnections_andTcpFallsBackToTheGenericTracker() {
        TcpLab lab = new TcpLab().handshake();
        lab.events.clear();
        lab.registration.close();

        assertNull(lab.conn());
        assertEquals(1, lab.events.size());
        assertTrue(lab.events.get(0).matches("\\[DESTROY\\] ipv4 +2 tcp +6 \\d+ ESTABLISHED .*"), lab.events.get(0));
        assertFalse(lab.net.services().tracker(Family.IPV4, IpProto.TCP) instanceof TcpTracker);
        assertFalse(lab.net.settings().active().containsKey("nf_conntrack_tcp_loose"));

        // A bad-flag segment is no longer checked: the generic tracker takes anything.
        assertEquals("new/original", lab.client(seg("SF", CI, 0)).toString());
        assertEquals(1, lab.net.table().count());
        ConnectionSnapshot s = lab.net.table().list(null).get(0);
        assertEquals(0, s.orig().srcPort, "the generic tuple has no ports");
        assertNull(s.state());
        assertEquals(600, s.timeoutSeconds());
    }

    @Test
    void comingBack_replacesTheGenericConnections_andTracksNewOnes() {
        TcpLab lab = new TcpLab();
        lab.registration.close();
        lab.client(seg("S", CI, 0));
        assertEquals(1, lab.net.table().count());
        lab.events.clear();

        TcpTracker again = new TcpTracker();
        lab.plugins.addTracker(again, IpProto.TCP);
        assertSame(again, lab.net.services().tracker(Family.IPV6, IpProto.TCP));
        assertEquals(0, lab.net.table().count(), "the generic entry was destroyed with its tracker's replacement");
        assertTrue(lab.events.get(0).startsWith("[DESTROY] ipv4     2 tcp      6 "), lab.events.get(0));

        assertEquals("new/original", lab.client(seg("S", CI, 0)).toString());
        assertEquals("SYN_SENT 120", lab.state());
        lab.server(seg("SA", SI, CI + 1));
        assertEquals("SYN_RECV 60", lab.state());
    }

    @Test
    void settingsChangedWhileAway_applyWhenTheTrackerReturns() {
        TcpLab lab = new TcpLab();
        lab.registration.close();
        lab.net.settings().set("nf_conntrack_tcp_timeout_syn_sent", 42);
        lab.plugins.addTracker(new TcpTracker(), IpProto.TCP);
        assertEquals(42L, lab.net.settings().active().get("nf_conntrack_tcp_timeout_syn_sent"));
        lab.client(seg("S", CI, 0));
        assertEquals("SYN_SENT 42", lab.state());
    }
}
