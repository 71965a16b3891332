package org.conntrack4j.replay.pcap;

import java.math.BigInteger;

/**
 * Converts a pcapng interface's timestamp ticks (unsigned 64-bit, in units given by {@code if_tsresol}, shifted by
 * {@code if_tsoffset} seconds) to nanoseconds since the epoch. Resolutions of 10^-0 to 10^-9 s, which are all that
 * real writers use, take a multiply; the rest go through BigInteger and are rounded down to the nanosecond.
 */
final class TimestampScale {
    private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);

    /** Ticks in microseconds: the pcapng default when an interface has no if_tsresol. */
    static final TimestampScale MICROSECONDS = new TimestampScale(6, 0);

    private final long multiplier;          // nanoseconds per tick, or 0 when ticks are finer than that
    private final BigInteger ticksPerSecond; // used when multiplier is 0
    private final long offsetNanos;

    /**
     * @param tsresol the if_tsresol byte: bit 7 clear means 10^-n seconds, set means 2^-n seconds
     * @param offsetSeconds the if_tsoffset value
     * @throws ArithmeticException when the offset does not fit in nanoseconds
     */
    TimestampScale(int tsresol, long offsetSeconds) {
        int n = tsresol & 0x7F;
        boolean binary = (tsresol & 0x80) != 0;
        if (!binary && n <= 9) {
            multiplier = BigInteger.TEN.pow(9 - n).longValueExact();
            ticksPerSecond = null;
        } else {
            multiplier = 0;
            ticksPerSecond = binary ? BigInteger.ONE.shiftLeft(n) : BigInteger.TEN.pow(n);
        }
        offsetNanos = Math.multiplyExact(offsetSeconds, 1_000_000_000L);
    }

    /**
     * @param ticks the 64-bit timestamp, read as unsigned
     * @throws ArithmeticException when the time does not fit in a long of nanoseconds
     */
    long toNanos(long ticks) {
        long nanos;
        if (multiplier != 0 && ticks >= 0) {
            nanos = Math.multiplyExact(ticks, multiplier);
        } else {
            BigInteger unsigned = new BigInteger(Long.toUnsignedString(ticks));
            BigInteger whole = multiplier != 0
                    ? unsigned.multiply(BigInteger.valueOf(multiplier))
                    : unsigned.multiply(NANOS_PER_SECOND).divide(ticksPerSecond);
            nanos = whole.longValueExact();
        }
        return Math.addExact(nanos, offsetNanos);
    }
}
