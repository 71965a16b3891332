package org.conntrack4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WorkloadBTest {
    @Test
    void portsFollowOvsRuleWithZeroTakenAs65535() {
        assertEquals(65535, ZoneFlows.srcPort(0));
        assertEquals(65535, ZoneFlows.dstPort(0));
        assertEquals(65535, ZoneFlows.srcPort(5));
        assertEquals(5, ZoneFlows.dstPort(5));
        assertEquals(1, ZoneFlows.srcPort(65536));
        assertEquals(65535, ZoneFlows.dstPort(65536));
        assertEquals(99_999, Bench.distinctFlows(100_000), "flows 0 and 65535 coincide");
        assertEquals(65_535, Bench.distinctFlows(65_535));
    }

    @Test
    void flushCommitAndLookupCountsAreRight() {
        int conns = 66_000;
        ZoneFlows flows = new ZoneFlows(conns);
        int[] threads = {1, 2};
        WorkloadB.Scaling[] scaling = new WorkloadB.Scaling[4];
        WorkloadB.Result r = WorkloadB.run(TestEngines.withTrackers(), flows, 3, 1, 2, true, threads,
            scaling);
        int distinct = conns - 1;
        assertEquals(3 * distinct, r.initialCount);
        for (int i = 0; i < 2; i++) {
            assertEquals(distinct, r.flushed[i], "zone 1 flushed");
            assertEquals(conns, r.committed[i], "every packet committed (one finds its twin's entry)");
            assertEquals(conns, r.found[i], "every lookup finds its connection");
            assertEquals(0, r.flushedEmpty[i]);
        }
        assertNull(Bench.checkB(r, distinct, 3));
        assertEquals(conns, r.latencies.length, "one latency per new connection");
        assertTrue(r.latency(0.5) > 0 && r.latency(0.5) <= r.latency(0.999));
        for (int t = 0; t < 2; t++) {
            int passes = WorkloadB.passes(conns);
            assertEquals((long) conns * threads[t] * passes, scaling[t].lookups);
            assertEquals(scaling[t].lookups, scaling[t].found);
            assertEquals((long) conns * passes, scaling[2 + t].lookups, "commits: each flow once per pass, shared out");
            assertEquals(scaling[2 + t].lookups, scaling[2 + t].found, "every commit confirmed a connection (or found "
                + "its twin's)");
        }
    }
}
