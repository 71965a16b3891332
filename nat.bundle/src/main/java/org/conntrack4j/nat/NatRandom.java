package org.conntrack4j.nat;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine's random numbers for port searches (Linux uses {@code get_random_u16}): a SplitMix64 sequence
 * from a seed, so that a replay picks the same ports every time. Lock-free; concurrent callers each get a
 * distinct number.
 */
final class NatRandom {
    private static final long GAMMA = 0x9E3779B97F4A7C15L;
    private final AtomicLong state;

    NatRandom(long seed) {
        state = new AtomicLong(seed);
    }

    private long next() {
        long z = state.addAndGet(GAMMA);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** {@code get_random_u16}. */
    int nextU16() {
        return (int) (next() >>> 48);
    }

    /** {@code get_random_u32_below(bound)}, bound &gt; 0. */
    int below(int bound) {
        return (int) (((next() >>> 32) * bound) >>> 32);
    }
}
