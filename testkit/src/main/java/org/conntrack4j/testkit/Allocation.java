package org.conntrack4j.testkit;

import java.lang.management.ManagementFactory;

/**
 * What a path allocates, by the JVM's per-thread allocation counter: the least over several windows of work on
 * the calling thread. While the JIT still moves code between tiers an interpreted or C1 frame can allocate, once,
 * what C2 later keeps in registers; an allocation per packet shows in every window. Warm the path up first.
 */
public final class Allocation {
    private Allocation() {
    }

    /** The least bytes the calling thread allocated in one of {@code windows} runs of {@code window}. */
    public static long least(int windows, Runnable window) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!mx.isThreadAllocatedMemorySupported()) {
            throw new IllegalStateException("this JVM does not count allocated bytes per thread");
        }
        long tid = Thread.currentThread().getId();
        long least = Long.MAX_VALUE;
        for (int w = 0; w < windows; w++) {
            long before = mx.getThreadAllocatedBytes(tid);
            window.run();
            least = Math.min(least, mx.getThreadAllocatedBytes(tid) - before);
        }
        return least;
    }
}
