package org.conntrack4j.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.sync.api.SyncControl;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectService;

/**
 * The metrics bundle in the shipped runtime: configured to a free port it serves {@code /metrics} over HTTP, whose
 * figures move with the live engine's traffic and show a sync node while one runs; the MBean has the same figures;
 * the bundle stopping closes the port and unregisters the MBean.
 */
class MetricsTest {
    private static final String PID = "org.conntrack4j.metrics";

    @InjectService
    ConfigurationAdmin configAdmin;

    @InjectService(filter = "(conntrack.name=default)")
    Conntrack net;

    private final BundleContext own = FrameworkUtil.getBundle(MetricsTest.class).getBundleContext();

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String scrape(int port) {
        try {
            HttpURLConnection h = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/metrics").openConnection();
            h.setConnectTimeout(1000);
            h.setReadTimeout(5000);
            if (h.getResponseCode() != 200) {
                return null;
            }
            return new String(h.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    /** The value of the sample {@code series} in an exposition, or -1. */
    private static long value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\d+)$").matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static void deleteQuietly(Configuration c) throws IOException {
        try {
            c.delete();
        } catch (IllegalStateException e) {
            // deleted already
        }
    }

    @Test
    void theEndpointAnswersMovesWithTrafficAndGoesWithItsBundle() throws Exception {
        int port = freePort();
        int syncPort = freePort();
        Configuration cfg = configAdmin.getConfiguration(PID, "?");
        Configuration syncCfg = configAdmin.getConfiguration(SyncControl.PID, "?");
        Path conf = Files.createTempFile("itest-metrics-sync", ".conf");
        MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
        ObjectName mbean = new ObjectName("org.conntrack4j:type=Metrics");
        try {
            Hashtable<String, Object> p = new Hashtable<>();
            p.put("listen", "127.0.0.1:" + port);
            cfg.update(p);
            String before = ItSupport.value("/metrics on port " + port, () -> scrape(port));
            assertTrue(before.contains("# TYPE conntrack4j_connections gauge\n"), before);
            assertTrue(before.contains("# TYPE conntrack4j_stat_invalid_total counter\n"), before);
            long connections = value(before, "conntrack4j_connections");
            long udp = Math.max(0, value(before, "conntrack4j_tracker_connections{tracker=\"udp\"}"));
            assertEquals(net.stats().count(), connections, before);

            for (int i = 0; i < 3; i++) {
                ItPackets.forward(net, ItPackets.ipv4(IpProto.UDP, "198.51.100.77", 41000 + i, "203.0.113.77", 53, 0));
            }
            String after = scrape(port);
            assertEquals(connections + 3, value(after, "conntrack4j_connections"), after);
            assertEquals(udp + 3, value(after, "conntrack4j_tracker_connections{tracker=\"udp\"}"), after);
            assertEquals(connections + 3, mbs.getAttribute(mbean, "conntrack4j_connections"));

            // a sync node: its counters appear while it runs
            Files.writeString(conf, String.join("\n", "Sync {", "  Mode NOTRACK {", "  }", "  UDP {",
                "    IPv4_address 127.0.0.1", "    IPv4_Destination_Address 127.0.0.1", "    Port " + syncPort,
                "    Interface lo", "  }", "}", ""));
            Hashtable<String, Object> sp = new Hashtable<>();
            sp.put(SyncControl.CONF, conf.toString());
            syncCfg.update(sp);
            String withSync = ItSupport.value("the sync node's counters", () -> {
                String t = scrape(port);
                return t != null && t.contains("\nconntrack4j_sync_link_messages_sent_total ") ? t : null;
            });
            assertTrue(withSync.contains("# TYPE conntrack4j_sync_external_active gauge\n")
                || withSync.contains("# TYPE conntrack4j_sync_inject_created_total counter\n"), withSync);
            syncCfg.delete();
            ItSupport.value("no sync counters once the node is gone", () -> {
                String t = scrape(port);
                return t != null && !t.contains("conntrack4j_sync_") ? t : null;
            });

            Bundle b = ItSupport.bundle(own, "org.conntrack4j.metrics");
            b.stop();
            try {
                assertFalse(mbs.isRegistered(mbean), "the MBean goes with the bundle");
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress("127.0.0.1", port)); // the port is free at once
                }
            } finally {
                b.start();
            }
            ItSupport.value("/metrics again once the bundle is back", () -> scrape(port));
            assertTrue(mbs.isRegistered(mbean));
        } finally {
            deleteQuietly(syncCfg);
            deleteQuietly(cfg);
            Files.deleteIfExists(conf);
        }
    }
}
