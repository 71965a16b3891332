package org.conntrack4j.core.clock;

import org.conntrack4j.core.api.Clock;

/**
 * A clock that moves only when told: a replay sets it from packet timestamps, tests and benchmarks step it.
 * Jiffies are whole ticks of the wall time, {@code floor((nanos - tickPhase) * hz / 1e9)}: a kernel's ticks
 * fall at a fixed but arbitrary phase of the wall clock (set at boot), which decides whether two events a
 * fraction of a tick apart print the same remaining time. The phase is 0 (ticks at multiples of the tick
 * length since the epoch) unless given.
 */
public final class ManualClock implements Clock {
    private final int hz;
    private final long tickPhaseNanos;
    private volatile long wallNanos;
    private volatile long jiffies;

    public ManualClock(int hz) {
        this(hz, 0);
    }

    /** A clock whose ticks fall {@code tickPhaseNanos} after each multiple of the tick length since the epoch. */
    public ManualClock(int hz, long tickPhaseNanos) {
        if (hz <= 0 || hz > 10000) {
            throw new IllegalArgumentException("hz " + hz);
        }
        long tick = 1_000_000_000L / hz;
        if (tickPhaseNanos < 0 || tickPhaseNanos >= tick) {
            throw new IllegalArgumentException("tick phase " + tickPhaseNanos + " ns outside 0.." + (tick - 1));
        }
        this.hz = hz;
        this.tickPhaseNanos = tickPhaseNanos;
    }

    /** Where the ticks fall: nanoseconds after each multiple of the tick length since the epoch. */
    public long tickPhaseNanos() {
        return tickPhaseNanos;
    }

    /** Sets the time from a wall-clock timestamp in nanoseconds since the epoch. */
    public void setWallNanos(long nanos) {
        wallNanos = nanos;
        // floor((nanos - phase) * hz / 1e9) without overflowing: whole seconds and the remainder apart.
        long t = nanos - tickPhaseNanos;
        jiffies = Math.floorDiv(t, 1_000_000_000L) * hz + Math.floorMod(t, 1_000_000_000L) * hz / 1_000_000_000L;
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
