package org.conntrack4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.dataplane.api.LiveRouterStats;
import org.conntrack4j.io.DeviceStats;
import org.conntrack4j.metrics.MetricsComponent.Instance;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The component outside a framework: its endpoint, its MBean, and what it leaves behind when it goes. */
class MetricsComponentTest {
    private final Plugins plugins = new Plugins();
    private final Rig rig;
    private final MetricsComponent c = new MetricsComponent();

    MetricsComponentTest() {
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        rig = new Rig(plugins);
        c.net = rig.net();
        c.factory = plugins.factory();
    }

    @AfterEach
    void close() {
        c.deactivate();
        rig.close();
    }

    private static String get(int port, String path, int[] status) throws IOException {
        HttpURLConnection h = (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
        status[0] = h.getResponseCode();
        if (status[0] != 200) {
            return null;
        }
        assertEquals(Exposition.CONTENT_TYPE, h.getContentType());
        return new String(h.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void aRunningInstanceServesTheMetricsAndTheMBeanAndLeavesNothingBehind() throws Exception {
        c.launcher = Map.of("launcher.arguments", new String[0]);
        c.apply(Map.of(MetricsComponent.LISTEN, "127.0.0.1:0"));
        int port = c.port();
        assertTrue(port > 0);
        int[] status = new int[1];
        String before = get(port, "/metrics", status);
        assertTrue(before.contains("\nconntrack4j_connections 0\n"), before);

        rig.forward(Packets.udp("198.51.100.10", 40000, "203.0.113.10", 53, Packets.ascii("q")));
        String after = get(port, "/metrics", status);
        assertTrue(after.contains("\nconntrack4j_connections 1\n"), after);
        assertTrue(after.contains("\nconntrack4j_tracker_connections{tracker=\"udp\"} 1\n"), after);
        assertNull(get(port, "/other", status));
        assertEquals(404, status[0]);

        ObjectName name = new ObjectName(MetricsMBean.NAME);
        assertEquals(1L, ManagementFactory.getPlatformMBeanServer().getAttribute(name, "conntrack4j_connections"));
        assertEquals(1L, ManagementFactory.getPlatformMBeanServer().getAttribute(name,
            "conntrack4j_tracker_connections{tracker=\"udp\"}"));

        c.deactivate();
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(name));
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port)); // the port is free again
        }
    }

    @Test
    void aOneShotCommandServesNothing() throws Exception {
        c.launcher = Map.of("launcher.arguments", new String[] {"replay", "case", "--out", "x"});
        c.apply(Map.of(MetricsComponent.LISTEN, "127.0.0.1:0"));
        assertEquals(-1, c.port());
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(new ObjectName(MetricsMBean.NAME)));
    }

    @Test
    void aRouterInstanceServesOnceItsRouterIsReady() {
        c.launcher = Map.of("launcher.arguments", new String[] {"router", "--iface", "lan=veth0,192.0.2.1/24"});
        c.apply(Map.of(MetricsComponent.LISTEN, "127.0.0.1:0", MetricsComponent.JMX, "false"));
        assertEquals(-1, c.port(), "no router yet: nothing");
        c.addRouter(router(), Map.of());
        assertTrue(c.port() > 0, "the router is ready: served");
    }

    private static LiveRouterStats router() {
        return new LiveRouterStats() {
            @Override
            public String instance() {
                return "default";
            }

            @Override
            public Map<String, Long> counters() {
                return Map.of("forwarded", 1L);
            }

            @Override
            public Map<String, DeviceStats> devices() {
                return Map.of();
            }
        };
    }

    /** {@code router --metrics}: the endpoint moves there while that router runs, and back when it goes. */
    @Test
    void aRoutersMetricsSettingWinsWhileItRuns() throws IOException {
        c.launcher = Map.of("launcher.arguments", new String[0]);
        c.apply(Map.of(MetricsComponent.LISTEN, "off", MetricsComponent.JMX, "false"));
        assertEquals(-1, c.port());
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        LiveRouterStats r = router();
        c.addRouter(r, Map.of(LiveRouterStats.METRICS, "127.0.0.1:" + port));
        assertEquals(port, c.port());
        c.removeRouter(r);
        assertEquals(-1, c.port(), "the configuration's off again");
    }

    @Test
    void offTurnsTheEndpointOff() {
        c.launcher = Map.of("launcher.arguments", new String[] {"router", "--iface", "lan=veth0,192.0.2.1/24"});
        c.apply(Map.of(MetricsComponent.LISTEN, "off", MetricsComponent.JMX, "false"));
        assertEquals(-1, c.port());
    }

    @Test
    void theConfigurationWinsOverThePropertyWhichWinsOverTheDefault() {
        c.launcher = Map.of("launcher.arguments", new String[0]);
        c.properties = name -> name.equals(MetricsComponent.PROPERTY) ? "off" : null;
        c.apply(Map.of());
        assertEquals(-1, c.port(), "the property: off");
        c.deactivate();
        c.apply(Map.of(MetricsComponent.LISTEN, "127.0.0.1:0", MetricsComponent.JMX, "false"));
        assertTrue(c.port() > 0, "the configuration's listen");
    }

    @Test
    void runningInstancesAreTheShellTheServerAndTheRouter() {
        assertEquals(Instance.RUNNING, MetricsComponent.instance(new String[0]));
        assertEquals(Instance.ROUTER, MetricsComponent.instance(new String[] {"router", "--iface", "x"}));
        assertEquals(Instance.RUNNING, MetricsComponent.instance(new String[] {"gosh", "--nointeractive", "-c", "x"}));
        assertEquals(Instance.RUNNING, MetricsComponent.instance(new String[] {"shell:serve"}), "conntrack4j server");
        assertEquals(Instance.ONE_SHOT, MetricsComponent.instance(new String[] {"replay", "x"}));
        assertEquals(Instance.ONE_SHOT, MetricsComponent.instance(new String[] {"bench"}));
    }

    @Test
    void listenTakesAddressAndPortAPortAWildcardOrOff() {
        assertEquals(new InetSocketAddress("127.0.0.1", 9876), MetricsComponent.listen("127.0.0.1:9876"));
        assertEquals(new InetSocketAddress("127.0.0.1", 9100), MetricsComponent.listen("9100"));
        assertEquals(new InetSocketAddress(9100), MetricsComponent.listen(":9100"));
        assertEquals(new InetSocketAddress("::1", 9100), MetricsComponent.listen("[::1]:9100"));
        assertNull(MetricsComponent.listen("off"));
        assertEquals("listen=::1:9100: an IPv6 address goes in brackets, [::1]:9876",
            assertThrows(IllegalArgumentException.class, () -> MetricsComponent.listen("::1:9100")).getMessage());
        assertEquals("listen=127.0.0.1:99999: the port is not a number 0-65535",
            assertThrows(IllegalArgumentException.class, () -> MetricsComponent.listen("127.0.0.1:99999")).getMessage());
    }
}
