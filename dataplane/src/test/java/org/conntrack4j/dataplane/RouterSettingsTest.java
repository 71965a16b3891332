package org.conntrack4j.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@code --metrics}: where the instance's /metrics listens while the router runs, from the command line or config. */
class RouterSettingsTest {
    private static final String IFACE = "lan=veth0,192.0.2.1/24";

    @Test
    void metricsTakesAnAddressAPortOrOffAndGoesIntoTheConfiguration() {
        for (String v : new String[] {"127.0.0.1:9100", "9100", ":9100", "[::1]:9100", "off", "localhost:9100"}) {
            RouterSettings s = RouterSettings.parseArgs("--iface", IFACE, "--metrics", v);
            assertEquals(v, s.metrics);
            assertEquals(v, RouterSettings.fromConfig(s.toConfig()).metrics);
        }
        assertNull(RouterSettings.parseArgs("--iface", IFACE).metrics);
    }

    @Test
    void aMetricsValueOfAnotherShapeIsAUsageError() {
        assertEquals("--metrics 127.0.0.1: ADDRESS:PORT, PORT, [IPV6]:PORT or off", assertThrows(
            IllegalArgumentException.class, () -> RouterSettings.parseArgs("--iface", IFACE, "--metrics", "127.0.0.1"))
            .getMessage());
        assertEquals("unknown argument --metric (did you mean --metrics?)", assertThrows(
            IllegalArgumentException.class, () -> RouterSettings.parseArgs("--iface", IFACE, "--metric", "9100"))
            .getMessage());
    }
}
