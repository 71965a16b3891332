package org.conntrack4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Packet;
import org.junit.jupiter.api.Test;

class WorkloadATest {
    private final EngineSource engines = TestEngines.withTrackers();

    @Test
    void everyPacketOfEveryThreadIsNewAndTheTableHoldsOneEntryPerThread() {
        for (int batch : new int[] {32, 1, 7}) {
            WorkloadA.Result r = WorkloadA.run(engines, 2, 10_000, batch);
            assertEquals(0, r.notNew, "packets whose verdict was not NEW, batch " + batch);
            assertEquals(0, r.parseErrors);
            assertEquals(2, r.connections);
            assertEquals(20_000, r.packets());
        }
    }

    @Test
    void aBatchOfAKnownFlowAllocatesNothing() {
        Conntrack net = engines.create("t", CpuClock.fixedClock(), Map.of());
        try {
            HotFlow f = new HotFlow(net, 0, 32);
            f.process(2_000_000);
            long least = org.conntrack4j.testkit.Allocation.least(20, () -> f.process(100_000));
            assertEquals(0, least, "bytes allocated by 100,000 packets of a known flow");
            assertEquals(0, f.notNew());
        } finally {
            net.close();
        }
    }

    @Test
    void wallTimeSpansEveryThreadsWork() {
        WorkloadA.Result r = WorkloadA.run(engines, 2, 50_000, 32);
        // No thread can use more CPU than the wall time it ran (1 ms allowed for the two clocks' granularity).
        assertTrue(r.cpuNanos <= 2 * r.wallNanos + 1_000_000, "cpu " + r.cpuNanos + " wall " + r.wallNanos);
        assertTrue(r.wallNanos > 0);
    }

    @Test
    void flowTracksItsPacketsAsNewOnTheSameConnection() {
        Conntrack net = engines.create("t", CpuClock.fixedClock(), Map.of());
        HotFlow f = new HotFlow(net, 4, 3);
        f.process(10);
        assertEquals(0, f.notNew());
        assertEquals(1, net.table().count());
        Packet p = new Packet();
        p.load(Frames.udp(5, 2), Frames.ETH, 28, Frames.ETH);
        org.conntrack4j.core.inet.IpHeaders.validate(p);
        net.packets().in(p);
        assertEquals(CtInfo.NEW, p.ctinfo);
        assertEquals(5, p.ct.srcPort(0), "thread 4 sends from port 5");
        net.close();
    }
}
