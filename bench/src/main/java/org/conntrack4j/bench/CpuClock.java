package org.conntrack4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.conntrack4j.core.clock.ManualClock;

/** The clocks of a measurement: the calling thread's CPU time, and the engines' fixed packet clock. */
public final class CpuClock {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** The engines' time: 2023-11-14T22:13:20Z; it never moves, so nothing expires. */
    public static final long FIXED_WALL_NANOS = 1_700_000_000_000_000_000L;
    /** Linux's common tick rate. */
    public static final int HZ = 250;

    static {
        if (THREADS.isCurrentThreadCpuTimeSupported() && !THREADS.isThreadCpuTimeEnabled()) {
            THREADS.setThreadCpuTimeEnabled(true);
        }
    }

    private CpuClock() {
    }

    /** CPU time (user + system) of the calling thread in nanoseconds, or -1 where the JVM cannot tell. */
    public static long threadCpuNanos() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    }

    /** A new engine clock standing still at {@link #FIXED_WALL_NANOS}. */
    public static ManualClock fixedClock() {
        ManualClock c = new ManualClock(HZ);
        c.setWallNanos(FIXED_WALL_NANOS);
        return c;
    }
}
