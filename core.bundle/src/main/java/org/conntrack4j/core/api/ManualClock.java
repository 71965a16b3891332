package org.conntrack4j.core.api;

/**
 * A clock that moves only when told: a replay sets it from packet timestamps, tests and benchmarks step it.
 * Jiffies are derived from the wall time as whole ticks, {@code floor(nanos * hz / 1e9)}, which reproduces
 * the kernel's printed timeouts when its tick phase is unknown.
 */
public final class ManualClock implements Clock {
    private final int hz;
    private volatile long wallNanos;
    private volatile long jiffies;

    public ManualClock(int hz) {
        if (hz <= 0 || hz > 10000) {
            throw new IllegalArgumentException("hz " + hz);
        }
        this.hz = hz;
    }

    /** Sets the time from a wall-clock timestamp in nanoseconds since the epoch. */
    public void setWallNanos(long nanos) {
        wallNanos = nanos;
        // floor(nanos * hz / 1e9) without overflowing: whole seconds and the remainder apart.
        jiffies = Math.floorDiv(nanos, 1_000_000_000L) * hz + Math.floorMod(nanos, 1_000_000_000L) * hz / 1_000_000_000L;
    }

    /** Moves the time forward by {@code seconds} (fractions allowed). */
    public void advanceSeconds(double seconds) {
        setWallNanos(wallNanos + (long) (seconds * 1e9));
    }

    @Override
    public long jiffies() {
        return jiffies;
    }

    @Override
    public long wallNanos() {
        return wallNanos;
    }

    @Override
    public int hz() {
        return hz;
    }
}
