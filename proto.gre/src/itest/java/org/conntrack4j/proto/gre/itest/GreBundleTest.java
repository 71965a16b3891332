package org.conntrack4j.proto.gre.itest;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.spi.GenericTracker;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.itest.ItPackets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.test.common.annotation.InjectService;

/**
 * The GRE tracker, the model of a vendor's bundle: a bundle importing only the exported API and SPI packages serves GRE when started and
 * is cleaned up when stopped.
 */
class GreBundleTest {
    private static final String BSN = "org.conntrack4j.proto.gre";

    @InjectService
    Conntrack conntrack;

    @InjectService
    ConntrackFactory factory;

    private final BundleContext own = FrameworkUtil.getBundle(GreBundleTest.class).getBundleContext();

    private Bundle gre() {
        return Arrays.stream(own.getBundles()).filter(b -> BSN.equals(b.getSymbolicName())).findFirst().orElseThrow();
    }

    @AfterEach
    void restore() throws Exception {
        if (gre().getState() != Bundle.ACTIVE) {
            gre().start();
        }
        conntrack.table().delete(null);
    }

    /** Imports of the core's API and SPI only (and of its own exported key map package: a substitutable export). */
    @Test
    void theExampleImportsOnlyTheExportedApi() {
        String imports = gre().getHeaders().get("Import-Package");
        String exports = gre().getHeaders().get("Export-Package");
        assertTrue(exports.startsWith("org.conntrack4j.proto.gre.keymap;"), exports);
        for (String pkg : imports.split(",(?=[a-z])")) {
            String name = pkg.split(";")[0].trim();
            assertTrue(name.startsWith("java.") || name.startsWith("org.osgi.") || name.equals("org.conntrack4j.core.api")
                || name.equals("org.conntrack4j.core.spi") || name.equals("org.conntrack4j.proto.gre.keymap"),
                "unexpected import " + name);
        }
    }

    @Test
    void greIsTrackedWhileTheBundleRunsAndCleanedUpWhenItStops() throws Exception {
        conntrack.table().delete(null);
        ItPackets.forward(conntrack, ItPackets.ipv4(47, "198.51.100.10", 0, "203.0.113.10", 0, 0));
        assertEquals("gre", conntrack.services().tracker(Family.IPV4, 47).name());
        assertTrue(CtFormat.listLine(conntrack.table().list(null).get(0)).contains("srckey=0x0 dstkey=0x0"));
        assertTrue(factory.trackers().stream().anyMatch(t -> t.name().equals("gre") && t.bundle().startsWith(BSN)));
        gre().stop();
        assertEquals(0, conntrack.table().count());
        assertInstanceOf(GenericTracker.class, conntrack.services().tracker(Family.IPV4, 47));
    }
}
