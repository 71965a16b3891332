package org.conntrack4j.core.impl;

import java.util.concurrent.atomic.AtomicBoolean;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.Status;

/**
 * The expiry scan of one engine, Linux's {@code gc_worker}: walks the table in slices of {@link #SLICE_BUCKETS}
 * buckets from a saved cursor, destroying expired connections (and the expired expectations of helped masters),
 * and after a table overflow dropping unassured connections while the table is 95% full. A pass that did not
 * finish schedules its next slice at once (Linux's {@code next_run = 0}), so every slice of a pass runs as of the
 * pass's time and a pass destroys exactly what a full scan at that jiffy would. After a full pass the next one is
 * scheduled from the average time left of the entries seen, clamped to 1..60 s, less the time the pass took.
 *
 * <p>Linux bounds a slice by time (10 ms); here it is bounded by buckets, so that a replay's results do not depend
 * on the machine. A run that is late (a replay's clock jumps from packet to packet) is done as of its scheduled
 * time, so it destroys only what Linux's run would have, and the runs missed since are caught up in order (at
 * most {@value #CATCH_UP} per call; after a longer gap the next one runs as of now).
 *
 * <p>Concurrency: no lock is held across a walk, nor while a connection is destroyed (which takes the two table
 * stripes of that connection for a moment, as any kill does). One thread at a time runs the scan: {@link #running}
 * is taken with a compare-and-set and a second caller returns at once, so nobody ever waits for a scan. The packet
 * path only raises {@link #earlyDrop} (a volatile flag) when the table overflowed. The fields below are touched only
 * by the thread holding {@link #running}.
 */
final class Collector {
    /** Buckets per slice: 4096 buckets of a 262144-bucket table hold about 16k entries at the default maximum. */
    static final int SLICE_BUCKETS = 4096;
    /** How many missed runs one call catches up one by one. */
    static final int CATCH_UP = 64;

    private final Engine net;
    private final int hz;
    private final AtomicBoolean running = new AtomicBoolean();
    /** Set by the packet path when a new connection found the table full ({@code gc_work->early_drop}). */
    private volatile boolean earlyDrop;

    private boolean started;
    /** When the next run is due (jiffies). */
    private long nextRun;
    /** The next bucket of the pass under way; 0 when a pass starts. */
    private int cursor;
    /** The time the pass under way runs as of. */
    private long passAt;
    /** The pass's running average of time left ({@code next_run}) and the number of entries in it. */
    private long avg;
    private long count;
    /** 95% of the maximum when this pass drops early, else 0. */
    private long max95;

    Collector(Engine net, int hz) {
        this.net = net;
        this.hz = hz;
    }

    /** The packet path found the table full: the next pass also drops unassured connections. Never blocks. */
    void requestEarlyDrop() {
        earlyDrop = true;
    }

    /**
     * Runs what is due at {@code now}, at most {@code maxSlices} slices. Returns true if a slice is due still (the
     * caller may call again at once), false when nothing more is due or another thread is running the scan.
     */
    boolean run(long now, int maxSlices) {
        if (!running.compareAndSet(false, true)) {
            return false;
        }
        try {
            if (!started) {
                started = true;
                nextRun = now + hz;
                return false;
            }
            int slices = 0;
            int passes = 0;
            while (now - nextRun >= 0) {
                if (slices == maxSlices) {
                    return true;
                }
                if (cursor == 0) {
                    startPass(passes++ < CATCH_UP ? nextRun : now);
                }
                slice();
                slices++;
            }
            return false;
        } finally {
            running.set(false);
        }
    }

    private void startPass(long at) {
        passAt = at;
        avg = 60L * hz;
        count = 100;
        long max = net.settings.get(CoreSettings.MAX);
        max95 = earlyDrop ? max / 100 * 95 : 0;
    }

    /** One slice of the pass under way; schedules the next slice (now) or, at the end of the table, the next pass. */
    private void slice() {
        int size = net.table.forRange(cursor, cursor + SLICE_BUCKETS, this::visit);
        cursor += SLICE_BUCKETS;
        if (cursor < size) {
            nextRun = passAt;
            return;
        }
        cursor = 0;
        long next = Math.max(hz, Math.min(avg, 60L * hz));
        // The pass ran as of one jiffy, passAt: it took no time on that clock (Linux: at least one jiffy).
        long took = 1;
        next = next > took ? next - took : 1;
        earlyDrop = false;
        nextRun = passAt + next;
    }

    private void visit(ConnEntry e) {
        long at = passAt;
        if (e.timeout() - at <= 0) {
            net.gcExpired(e, at);
            return;
        }
        long left = Math.max(hz, Math.min(e.timeout() - at, 300L * hz));
        avg += (left - avg) / ++count;
        if (!e.isConfirmed() || e.isDying()) {
            return;
        }
        if (e.extOrNull() != null) {
            net.expects.gcMaster(e, at);
        }
        if (max95 > 0 && net.count() >= max95 && (!e.hasStatus(Status.ASSURED) || e.tracker.canEarlyDrop(e))) {
            net.kill(e);
        }
    }
}
