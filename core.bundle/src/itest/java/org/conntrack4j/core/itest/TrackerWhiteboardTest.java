package org.conntrack4j.core.itest;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.spi.GenericTracker;
import org.conntrack4j.core.spi.L4Tracker;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.itest.ItPackets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectService;

/**
 * The tracker whiteboard in a running framework: a tracker registered for an unassigned protocol number is
 * picked up and, when unregistered, its connections are destroyed; a second tracker for a taken protocol
 * takes over when ranked higher and hands back when it leaves (the documented rule); settings arrive
 * through Configuration Admin.
 */
class TrackerWhiteboardTest {
    /** An unassigned protocol number ("use for experimentation and testing", RFC 3692). */
    private static final int EXPERIMENTAL = 253;

    @InjectService
    Conntrack conntrack;

    @InjectService
    ConntrackFactory factory;

    @InjectService
    ConfigurationAdmin configAdmin;

    private final BundleContext own = FrameworkUtil.getBundle(TrackerWhiteboardTest.class).getBundleContext();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private Registration listener;

    /** Tracks by the first four bytes as ports, like UDP, with a fixed 7 s timeout. */
    static final class PortsTracker implements L4Tracker {
        private final String name;

        PortsTracker(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean pktToTuple(Packet pkt, int dataoff, Tuple t) {
            if (pkt.length() - dataoff < 4) {
                return false;
            }
            t.srcPort = pkt.u16(dataoff);
            t.dstPort = pkt.u16(dataoff + 2);
            return true;
        }

        @Override
        public int packet(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo) {
            net.packets().refresh(ct, 7L * net.clock().hz());
            return Verdict.ACCEPT;
        }

        @Override
        public void formatTuple(StringBuilder sb, Tuple t) {
            sb.append(CtFormat.ports(t));
        }
    }

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
    void stopListening() {
        listener.close();
        conntrack.table().delete(null);
    }

    private static Dictionary<String, Object> props(int proto, int ranking) {
        Dictionary<String, Object> d = new Hashtable<>();
        d.put(L4Tracker.PROTOCOL, proto);
        d.put(L4Tracker.FAMILY, new String[] {"ipv4", "ipv6"});
        d.put(Constants.SERVICE_RANKING, ranking);
        return d;
    }

    @Test
    void aTrackerForAnUnassignedProtocolIsPickedUpAndCleanedUpWhenItLeaves() {
        ItPackets.forward(conntrack, ItPackets.ipv4(EXPERIMENTAL, "198.51.100.10", 1, "203.0.113.10", 2, 0));
        assertEquals(0, conntrack.table().connections(null).get(0).srcPort(Direction.ORIGINAL), "generic before");
        ServiceRegistration<L4Tracker> reg = own.registerService(L4Tracker.class, new PortsTracker("exp"),
            props(EXPERIMENTAL, 0));
        try {
            assertEquals("exp", conntrack.services().tracker(Family.IPV4, EXPERIMENTAL).name());
            assertEquals(0, conntrack.table().count(), "the generic entry of that protocol is replaced");
            assertEquals("new", ItPackets.forward(conntrack,
                ItPackets.ipv4(EXPERIMENTAL, "198.51.100.10", 1, "203.0.113.10", 2, 0)));
            assertEquals("established", ItPackets.forward(conntrack,
                ItPackets.ipv4(EXPERIMENTAL, "203.0.113.10", 2, "198.51.100.10", 1, 0)));
            Connection c = conntrack.table().connections(null).get(0);
            assertEquals(1, c.srcPort(Direction.ORIGINAL));
            assertTrue(factory.trackers().stream().anyMatch(t -> t.protocol() == EXPERIMENTAL && t.active()
                && t.bundle().startsWith("org.conntrack4j.itest.tests")));
            ItPackets.forward(conntrack, ItPackets.ipv4(IpProto.UDP, "198.51.100.10", 5, "203.0.113.10", 6, 0));
            events.clear();
        } finally {
            reg.unregister();
        }
        assertInstanceOf(GenericTracker.class, conntrack.services().tracker(Family.IPV4, EXPERIMENTAL));
        assertEquals(1, conntrack.table().count(), "only the UDP connection is left");
        assertEquals(IpProto.UDP, conntrack.table().connections(null).get(0).protocol());
        assertEquals(1, events.stream().filter(e -> e.startsWith("[DESTROY]") && e.contains(" 253 ")).count(),
            events.toString());
    }

    @Test
    void aHigherRankedSecondTrackerTakesOverAndHandsBackWhenItLeaves() {
        ItPackets.forward(conntrack, ItPackets.ipv4(IpProto.UDP, "198.51.100.10", 40000, "203.0.113.10", 53, 0));
        ServiceRegistration<L4Tracker> lower = own.registerService(L4Tracker.class, new PortsTracker("udp-low"),
            props(IpProto.UDP, -5));
        try {
            assertEquals("udp", conntrack.services().tracker(Family.IPV4, IpProto.UDP).name(), "a lower ranking waits");
            assertEquals(1, conntrack.table().count());
            assertTrue(factory.trackers().stream().anyMatch(t -> t.name().equals("udp-low") && !t.active()));
        } finally {
            lower.unregister();
        }
        ServiceRegistration<L4Tracker> higher = own.registerService(L4Tracker.class, new PortsTracker("udp-high"),
            props(IpProto.UDP, 100));
        try {
            assertEquals("udp-high", conntrack.services().tracker(Family.IPV4, IpProto.UDP).name());
            assertEquals(0, conntrack.table().count(), "the hand-over destroys the previous tracker's connections");
            ItPackets.forward(conntrack, ItPackets.ipv4(IpProto.UDP, "198.51.100.10", 40000, "203.0.113.10", 53, 0));
            assertEquals(1, conntrack.table().count());
        } finally {
            higher.unregister();
        }
        assertEquals("udp", conntrack.services().tracker(Family.IPV4, IpProto.UDP).name());
        assertEquals(0, conntrack.table().count());
    }

    @Test
    void settingsComeFromConfigurationAdmin() throws Exception {
        Configuration cfg = configAdmin.getConfiguration("org.conntrack4j.core", "?");
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("nf_conntrack_udp_timeout", "45");
        try {
            cfg.update(d);
            long deadline = System.currentTimeMillis() + 5000;
            while (conntrack.settings().get("nf_conntrack_udp_timeout") != 45 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(45, conntrack.settings().get("nf_conntrack_udp_timeout"));
        } finally {
            cfg.delete();
            conntrack.settings().set("nf_conntrack_udp_timeout", 30);
        }
    }
}
