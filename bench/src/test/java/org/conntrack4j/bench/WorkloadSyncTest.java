package org.conntrack4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** Workload sync at a small size: every phase ends with B holding all of A's connections (no timing asserted). */
class WorkloadSyncTest {
    @Test
    void everyPhaseEndsWithThePeerHoldingEveryConnection() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        WorkloadSync.Result r = WorkloadSync.run(TestEngines.withTrackers(), 3_000, port);
        assertEquals(3, r.phases.size());
        for (WorkloadSync.Phase p : r.phases) {
            assertNull(p.failure, p.name);
            // at least one message per connection reached B's cache, in fewer datagrams than messages (batched)
            assertTrue(p.messages >= 3_000, p.name + ": " + p.messages);
            assertTrue(p.datagramsReceived > 0 && p.datagramsReceived < p.messages,
                p.name + ": " + p.datagramsReceived);
        }
        assertEquals(3_000, r.externalEntries);
        assertEquals(0, r.overruns);
        assertTrue(r.bytesPerEntry() > 64 && r.bytesPerEntry() < 10_000, "bytes per entry " + r.bytesPerEntry());
    }

    @Test
    void theSyncWorkloadIsAskedForByNameAndSizedByConns() {
        BenchOptions o = BenchOptions.parse("--workload", "sync");
        assertEquals(Set.of(BenchOptions.SYNC), o.workloads);
        assertArrayEquals(new int[] {100_000}, o.syncConns());
        assertArrayEquals(new int[] {20_000}, BenchOptions.parse("--workload", "sync", "--quick").syncConns());
        assertArrayEquals(new int[] {5_000, 7_000}, BenchOptions.parse("--workload", "sync", "--conns", "5000,7000")
            .syncConns());
        assertEquals(Set.of('A', 'B', 'C'), BenchOptions.parse("--workload", "all").workloads, "sync not in all");
    }
}
