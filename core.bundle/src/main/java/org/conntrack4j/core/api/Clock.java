package org.conntrack4j.core.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The engine's one source of time. Conntrack keeps deadlines in jiffies ({@link #hz()} per second) as the
 * kernel does; a replay derives them from packet timestamps so that results are deterministic, live use
 * from a monotonic clock.
 */
@ConsumerType
public interface Clock {
    /** The current time in jiffies. */
    long jiffies();

    /** Wall-clock time, nanoseconds since the epoch (event timestamps). */
    long wallNanos();

    /** Jiffies per second (the recording kernel runs with 250). */
    int hz();
}
