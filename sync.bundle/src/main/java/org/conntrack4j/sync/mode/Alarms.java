package org.conntrack4j.sync.mode;

import java.util.TreeSet;

/**
 * One-shot timers on a caller-provided clock (conntrackd's alarm.c): arming a pending alarm moves it;
 * {@link #runExpired} fires, in deadline order, every alarm due at the given time. Not thread-safe: the
 * node's single thread owns it.
 */
public final class Alarms {
    // ordered by deadline, then by arming order: removal is O(log n), which ALARM mode needs (one alarm per entry)
    private final TreeSet<Alarm> heap = new TreeSet<>((a, b) -> a.deadline != b.deadline
            ? Long.compare(a.deadline, b.deadline) : Long.compare(a.order, b.order));
    private long order;

    /** A timer; its action runs on the node's thread. */
    public static final class Alarm {
        private final Runnable action;
        long deadline;
        long order;
        boolean pending;

        public Alarm(Runnable action) {
            this.action = action;
        }

        public boolean pending() {
            return pending;
        }

        /** @return the deadline in microseconds of the clock, valid while pending */
        public long deadline() {
            return deadline;
        }
    }

    /** Arms (or re-arms) {@code a} to fire at {@code nowMicros + seconds + micros}. */
    public void add(Alarm a, long nowMicros, long seconds, long micros) {
        if (a.pending) {
            heap.remove(a);
        }
        a.deadline = nowMicros + seconds * 1_000_000L + micros;
        a.order = order++;
        a.pending = true;
        heap.add(a);
    }

    public void del(Alarm a) {
        if (a.pending) {
            heap.remove(a);
            a.pending = false;
        }
    }

    /** Fires every alarm whose deadline is at or before {@code nowMicros}. @return how many fired */
    public int runExpired(long nowMicros) {
        int n = 0;
        while (!heap.isEmpty() && heap.first().deadline <= nowMicros) {
            Alarm a = heap.pollFirst();
            a.pending = false;
            n++;
            a.action.run();
        }
        return n;
    }

    /** @return the earliest deadline, or {@link Long#MAX_VALUE} when none is pending */
    public long next() {
        return heap.isEmpty() ? Long.MAX_VALUE : heap.first().deadline;
    }

    public int size() {
        return heap.size();
    }
}
