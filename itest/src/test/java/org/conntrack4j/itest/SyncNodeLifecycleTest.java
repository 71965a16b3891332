package org.conntrack4j.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;

import org.conntrack4j.sync.api.SyncControl;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectService;

/**
 * The sync node as a component: its configuration ({@code org.conntrack4j.sync}, a conntrackd.conf) starts it on the
 * live engine; the bundle stopping and the configuration going each stop it, leaving no thread of its own.
 */
class SyncNodeLifecycleTest {
    private static final String THREAD = "conntrack4j-sync";

    @InjectService
    ConfigurationAdmin configAdmin;

    private final BundleContext own = FrameworkUtil.getBundle(SyncNodeLifecycleTest.class).getBundleContext();

    private static boolean syncThreadRuns() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(THREAD) && t.isAlive());
    }

    private SyncControl control() {
        ServiceReference<SyncControl> r = own.getServiceReference(SyncControl.class);
        return r == null ? null : own.getService(r);
    }

    /**
     * Is the node's service there with {@code token}? One look-up: a reconfiguration replaces the service, so two
     * look-ups in a row may see it and then not.
     */
    private boolean hasToken(String token) {
        SyncControl c = control();
        return c != null && token.equals(c.token());
    }

    private Bundle syncBundle() {
        for (Bundle b : own.getBundles()) {
            if (b.getSymbolicName().equals("org.conntrack4j.sync")) {
                return b;
            }
        }
        throw new AssertionError("no sync bundle");
    }

    @Test
    void aConfiguredNodeRunsAndStopsWithItsBundleAndItsConfiguration() throws Exception {
        assertTrue(!syncThreadRuns(), "nothing runs before a configuration");
        Path conf = Files.createTempFile("itest-sync", ".conf");
        Files.writeString(conf, String.join("\n", "Sync {", "  Mode NOTRACK {", "  }", "  UDP {",
            "    IPv4_address 127.0.0.1", "    IPv4_Destination_Address 127.0.0.1", "    Port 37801",
            "    Interface lo", "  }", "}", ""));
        Configuration cfg = configAdmin.getConfiguration(SyncControl.PID, "?");
        try {
            Hashtable<String, Object> p = new Hashtable<>();
            p.put(SyncControl.CONF, conf.toString());
            p.put(SyncControl.TOKEN, "itest");
            cfg.update(p);
            ItSupport.until("the node's service", () -> hasToken("itest"));
            assertNull(control().error(), control().describe());
            assertTrue(control().describe().startsWith("sync: NOTRACK over UDP 127.0.0.1->127.0.0.1:37801 on lo"),
                control().describe());
            ItSupport.until("the node's thread", SyncNodeLifecycleTest::syncThreadRuns);

            Bundle b = syncBundle();
            b.stop();
            ItSupport.until("no sync thread once the bundle stopped", () -> !syncThreadRuns());
            b.start();
            ItSupport.until("the node again", () -> control() != null && syncThreadRuns());

            // a bad file: the service says why, nothing runs
            Files.writeString(conf, "Sync {\n  Mode FROB {\n  }\n}\n");
            p.put(SyncControl.TOKEN, "bad");
            cfg.update(p);
            ItSupport.until("the bad file's error", () -> hasToken("bad"));
            assertTrue(control().error() != null && control().error().contains(conf.toString()), control().describe());
            assertTrue(!syncThreadRuns(), "nothing runs with a bad file");
        } finally {
            cfg.delete();
            Files.deleteIfExists(conf);
        }
        ItSupport.until("the service gone with its configuration", () -> control() == null);
        assertEquals(false, syncThreadRuns());
    }
}
