/**
 * Clocks driven by their owner rather than by the wall: {@link org.conntrack4j.core.clock.ManualClock} moves
 * only when told, so that a replay (time from packet timestamps), a benchmark or a test gets the same results
 * on every run. Give one to {@code ConntrackFactory.create}; the engine reads it, its owner writes it, and
 * calls {@code ConntrackTable.expire()} as it moves (the engine has no expiry thread of its own then).
 *
 * <p>Provided by the core bundle. A clock is written by one owner thread and read by any (its fields are
 * volatile). Nothing to register or clean up. The live engine uses the core's own monotonic clock.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.conntrack4j.core.clock;
