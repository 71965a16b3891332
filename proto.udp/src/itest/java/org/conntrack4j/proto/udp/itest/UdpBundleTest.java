package org.conntrack4j.proto.udp.itest;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.Direction;
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
import org.osgi.test.common.annotation.InjectService;

/**
 * proto.udp leaving and coming back in a running framework, as Linux's kill_l4proto: its connections are
 * destroyed with DESTROY events, UDP falls back to the generic tracker, other protocols are untouched, and
 * a restarted (or reinstalled) bundle tracks UDP again.
 */
class UdpBundleTest {
    private static final String BSN = "org.conntrack4j.proto.udp";

    @InjectService
    Conntrack conntrack;

    private final BundleContext own = FrameworkUtil.getBundle(UdpBundleTest.class).getBundleContext();
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
        Bundle b = udp();
        if (b.getState() != Bundle.ACTIVE) {
            b.start();
        }
        conntrack.table().delete(null);
    }

    private Bundle udp() {
        return Arrays.stream(own.getBundles()).filter(x -> BSN.equals(x.getSymbolicName())).findFirst().orElseThrow();
    }

    private long count(int proto) {
        return conntrack.table().connections(c -> c.protocol() == proto).size();
    }

    @Test
    void stoppingProtoUdpDestroysUdpConnectionsOnlyAndStartingItTracksAgain() throws Exception {
        assertEquals("new", ItPackets.forward(conntrack,
            ItPackets.ipv4(IpProto.UDP, "198.51.100.10", 40000, "203.0.113.10", 53, 0)));
        assertEquals("established", ItPackets.forward(conntrack,
            ItPackets.ipv4(IpProto.UDP, "203.0.113.10", 53, "198.51.100.10", 40000, 0)));
        ItPackets.forward(conntrack, ItPackets.ipv4(IpProto.UDP, "198.51.100.10", 40001, "203.0.113.10", 53, 0));
        ItPackets.forward(conntrack, ItPackets.ipv4(IpProto.TCP, "198.51.100.10", 41000, "203.0.113.10", 80, 0x02));
        assertEquals(2, count(IpProto.UDP));
        assertEquals(1, count(IpProto.TCP));
        events.clear();

        udp().stop();
        assertEquals(0, count(IpProto.UDP), "UDP connections are destroyed with their tracker");
        assertEquals(1, count(IpProto.TCP), "other protocols are untouched");
        assertEquals(2, events.stream().filter(e -> e.startsWith("[DESTROY] ipv4     2 udp      17")).count(),
            events.toString());
        assertInstanceOf(GenericTracker.class, conntrack.services().tracker(Family.IPV4, IpProto.UDP));

        assertEquals("new", ItPackets.forward(conntrack,
            ItPackets.ipv4(IpProto.UDP, "198.51.100.10", 40000, "203.0.113.10", 53, 0)));
        assertEquals(0, conntrack.table().connections(c -> c.protocol() == IpProto.UDP).get(0).srcPort(Direction.ORIGINAL),
            "the generic tracker keeps no ports");

        udp().start();
        assertEquals("udp", conntrack.services().tracker(Family.IPV4, IpProto.UDP).name());
        assertEquals(0, count(IpProto.UDP), "generically tracked UDP is replaced when the tracker returns");
        assertEquals("new", ItPackets.forward(conntrack,
            ItPackets.ipv4(IpProto.UDP, "198.51.100.10", 40000, "203.0.113.10", 53, 0)));
        assertEquals(40000, conntrack.table().connections(c -> c.protocol() == IpProto.UDP).get(0).srcPort(Direction.ORIGINAL));
        assertEquals(1, count(IpProto.TCP));
    }

    @Test
    void uninstallingAndReinstallingProtoUdpWorks() throws Exception {
        Bundle b = udp();
        String location = b.getLocation();
        ItPackets.forward(conntrack, ItPackets.ipv4(IpProto.UDP, "198.51.100.10", 40000, "203.0.113.10", 53, 0));
        b.uninstall();
        assertEquals(0, count(IpProto.UDP));
        assertTrue(conntrack.settings().active().get("nf_conntrack_udp_timeout") == null,
            "the settings of a departed tracker are no longer listed");
        Bundle again = own.installBundle(location);
        again.start();
        assertEquals("udp", conntrack.services().tracker(Family.IPV4, IpProto.UDP).name());
        assertEquals(30L, conntrack.settings().active().get("nf_conntrack_udp_timeout"));
    }
}
