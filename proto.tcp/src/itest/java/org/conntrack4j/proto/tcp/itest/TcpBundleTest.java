package org.conntrack4j.proto.tcp.itest;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.spi.GenericTracker;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.itest.ItPackets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectService;

/**
 * proto.tcp in a running framework: stopping it destroys the TCP connections (DESTROY events with their state)
 * and TCP falls back to the generic tracker; starting it tracks new TCP connections again; its settings are
 * listed while it runs and follow Configuration Admin.
 */
class TcpBundleTest {
    private static final String BSN = "org.conntrack4j.proto.tcp";
    private static final int SYN = 0x02;

    @InjectService
    Conntrack conntrack;

    @InjectService
    ConfigurationAdmin configAdmin;

    private final BundleContext own = FrameworkUtil.getBundle(TcpBundleTest.class).getBundleContext();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private Registration listener;

    @BeforeEach
    void listen() {
        conntrack.table().delete(null);
        listener = conntrack.table().addListener(new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                events.add(CtFormat.event(e, false));
            }
        }, true);
    }

    @AfterEach
    void restore() throws Exception {
        listener.close();
        Bundle b = tcp();
        if (b.getState() != Bundle.ACTIVE) {
            b.start();
        }
        conntrack.table().delete(null);
    }

    private Bundle tcp() {
        return Arrays.stream(own.getBundles()).filter(x -> BSN.equals(x.getSymbolicName())).findFirst().orElseThrow();
    }

    @Test
    void stoppingProtoTcpDestroysTcpConnectionsAndStartingItTracksAgain() throws Exception {
        assertEquals("new", ItPackets.forward(conntrack,
            ItPackets.ipv4(IpProto.TCP, "198.51.100.10", 41000, "203.0.113.10", 80, SYN)));
        ConnectionSnapshot s = conntrack.table().list(c -> c.protocol() == IpProto.TCP).get(0);
        assertEquals("SYN_SENT", s.state());
        ItPackets.forward(conntrack, ItPackets.ipv4(IpProto.UDP, "198.51.100.10", 40000, "203.0.113.10", 53, 0));
        events.clear();

        tcp().stop();
        assertInstanceOf(GenericTracker.class, conntrack.services().tracker(Family.IPV4, IpProto.TCP));
        assertTrue(conntrack.table().connections(c -> c.protocol() == IpProto.TCP).isEmpty());
        assertEquals(1, conntrack.table().connections(c -> c.protocol() == IpProto.UDP).size(), "UDP is untouched");
        assertTrue(events.stream().anyMatch(e -> e.startsWith("[DESTROY] ipv4     2 tcp      6 ") && e.contains(" SYN_SENT ")),
            events.toString());
        assertNull(conntrack.settings().active().get("nf_conntrack_tcp_loose"));

        ItPackets.forward(conntrack, ItPackets.ipv4(IpProto.TCP, "198.51.100.10", 41000, "203.0.113.10", 80, SYN));
        ConnectionSnapshot generic = conntrack.table().list(c -> c.protocol() == IpProto.TCP).get(0);
        assertNull(generic.state(), "the generic tracker has no TCP state");
        assertTrue(generic.timeoutSeconds() == 600 || generic.timeoutSeconds() == 599,
            "the generic timeout, printed rounded down: " + generic.timeoutSeconds());

        tcp().start();
        assertEquals("tcp", conntrack.services().tracker(Family.IPV4, IpProto.TCP).name());
        assertTrue(conntrack.table().connections(c -> c.protocol() == IpProto.TCP).isEmpty());
        assertEquals("new", ItPackets.forward(conntrack,
            ItPackets.ipv4(IpProto.TCP, "198.51.100.10", 41000, "203.0.113.10", 80, SYN)));
        assertEquals("SYN_SENT", conntrack.table().list(c -> c.protocol() == IpProto.TCP).get(0).state());
    }

    @Test
    void tcpSettingsFollowConfigurationAdmin() throws Exception {
        assertEquals(1L, conntrack.settings().active().get("nf_conntrack_tcp_loose"));
        Configuration cfg = configAdmin.getConfiguration("org.conntrack4j.core", "?");
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("nf_conntrack_tcp_loose", "0");
        d.put("nf_conntrack_tcp_timeout_syn_sent", "77");
        try {
            cfg.update(d);
            long deadline = System.currentTimeMillis() + 5000;
            while (conntrack.settings().get("nf_conntrack_tcp_timeout_syn_sent") != 77
                && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, conntrack.settings().get("nf_conntrack_tcp_loose"));
            ItPackets.forward(conntrack, ItPackets.ipv4(IpProto.TCP, "198.51.100.10", 41001, "203.0.113.10", 80, SYN));
            // printed rounded down, as conntrack -L: 76 once a 4 ms tick has passed since the SYN
            long t = conntrack.table().list(c -> c.protocol() == IpProto.TCP).get(0).timeoutSeconds();
            assertTrue(t == 77 || t == 76, "SYN_SENT timeout " + t + ", configured 77");
            assertEquals("invalid", ItPackets.forward(conntrack,
                ItPackets.ipv4(IpProto.TCP, "198.51.100.10", 41002, "203.0.113.10", 80, 0x10)),
                "no mid-stream pickup with tcp_loose 0");
        } finally {
            cfg.delete();
            conntrack.settings().set("nf_conntrack_tcp_loose", 1);
            conntrack.settings().set("nf_conntrack_tcp_timeout_syn_sent", 120);
        }
    }
}
