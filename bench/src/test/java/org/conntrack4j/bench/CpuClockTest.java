package org.conntrack4j.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuClockTest {
    /** The process's CPU covers at least the work of this thread, whichever source it is read from. */
    @Test
    void processCpuGrowsWithWorkAndIsAtLeastTheThreadsShare() {
        long p0 = CpuClock.processCpuNanos();
        long t0 = CpuClock.threadCpuNanos();
        long s0 = CpuClock.procStatCpuNanos();
        long x = 1;
        while (CpuClock.threadCpuNanos() - t0 < 50_000_000L) {
            x = x * 6364136223846793005L + 1;
        }
        long t1 = CpuClock.threadCpuNanos();
        long p1 = CpuClock.processCpuNanos();
        long s1 = CpuClock.procStatCpuNanos();
        assertTrue(p0 > 0 && s0 >= 0 && x != 0);
        assertTrue(p1 - p0 >= (t1 - t0) * 9 / 10, "process " + (p1 - p0) + " thread " + (t1 - t0));
        // clock ticks: 10 ms granularity
        assertTrue(s1 - s0 >= (t1 - t0) - 20_000_000L, "stat " + (s1 - s0) + " thread " + (t1 - t0));
    }

    @Test
    void theCollectorIsNamed() {
        assertTrue(!CpuClock.collectors().isEmpty() && !CpuClock.collectors().equals("unknown"));
    }
}
