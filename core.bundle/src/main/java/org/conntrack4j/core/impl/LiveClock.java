package org.conntrack4j.core.impl;

import org.conntrack4j.core.api.Clock;

/** Time for live use: jiffies from the monotonic clock, wall time from the system clock. */
public final class LiveClock implements Clock {
    private final int hz;
    private final long origin = System.nanoTime();
    /** Start far from zero so that deadlines never sit near the wrap of signed comparisons. */
    private static final long BASE = 1L << 32;

    public LiveClock(int hz) {
        this.hz = hz;
    }

    @Override
    public long jiffies() {
        return BASE + (System.nanoTime() - origin) / (1_000_000_000L / hz);
    }

    @Override
    public long wallNanos() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Override
    public int hz() {
        return hz;
    }
}
