package org.conntrack4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WorkloadCTest {
    private final EngineSource engines = TestEngines.withTrackers();

    @Test
    void memoryPerConnectionIsPlausibleForUdpAndTcp() {
        for (WorkloadC.Kind k : WorkloadC.Kind.values()) {
            WorkloadC.Memory m = WorkloadC.memory(engines, k, 30_000);
            assertEquals(30_000, m.counted, k + " connections live");
            assertEquals(0, m.unexpected, k + " packets refused");
            // A connection holds at least its two tuples (4 x 16 bytes of addresses) and cannot take kilobytes.
            assertTrue(m.bytesPerConnection() > 64 && m.bytesPerConnection() < 2000, k + ": " + m.bytesPerConnection());
            assertTrue(m.bytesPerConnectionWithTable() >= m.bytesPerConnection() - 8, k + " table counted in");
        }
    }

    @Test
    void tcpConnectionsCostMoreThanUdpOnesByTheirTrackerState() {
        double udp = WorkloadC.memory(engines, WorkloadC.Kind.UDP, 30_000).bytesPerConnection();
        double tcp = WorkloadC.memory(engines, WorkloadC.Kind.TCP, 30_000).bytesPerConnection();
        assertTrue(tcp > udp + 16, "udp " + udp + ", tcp " + tcp);
    }

    @Test
    void establishedPathSeesEveryDataSegmentAndAckAsEstablished() {
        for (int payload : new int[] {1, 64, 1448}) {
            WorkloadC.Established e = WorkloadC.established(engines, false, 20_000, payload);
            assertEquals(40_000, e.packets);
            assertEquals(0, e.unexpected, "payload " + payload);
        }
    }

    @Test
    void masqueradeVariantIsSkippedWithoutNat() {
        assertNull(WorkloadC.established(engines, true, 10, 64));
    }

    @Test
    void floodOnAFullTableOfUnassuredFlowsDropsThemEarlyAndStaysWithinTheMaximum() {
        WorkloadC.Flood f = WorkloadC.earlyDropFlood(engines, 20_000);
        assertEquals(20_000, f.latencies.length);
        assertTrue(f.consistent(), "inserted " + f.inserted + ", dropped " + f.dropped + ", early drops "
            + f.earlyDrops + ", most " + f.most + ", after " + f.after);
        assertTrue(f.inserted > f.dropped, "most flows find an unassured victim: " + f.inserted);
        assertTrue(f.earlyDrops >= f.inserted);
    }
}
