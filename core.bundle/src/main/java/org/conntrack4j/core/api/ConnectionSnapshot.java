package org.conntrack4j.core.api;

import org.conntrack4j.core.text.CtFormat;

/**
 * What a connection looked like at one moment: the content of one {@code conntrack -L} line or one
 * {@code conntrack -E} event. Immutable; safe to hand to other threads. The L4 parts of the tuples are kept
 * as the tracker printed them ({@code sport=.. dport=..}, {@code type=.. code=.. id=..}), so a snapshot can
 * be printed after the tracker has gone.
 */
public final class ConnectionSnapshot {
    private final Tuple orig;
    private final Tuple reply;
    private final String origL4;
    private final String replyL4;
    private final String protoName;
    private final int status;
    private final long timeoutSeconds;
    private final String state;
    private final String helper;
    private final int mark;
    private final int zone;
    private final int id;
    private final int use;
    private final long[] counters;
    private final long deltaTimeSeconds;
    private final int zoneDir;
    private final long labelsLo;
    private final long labelsHi;
    private final long startNanos;
    private final long stopNanos;

    /**
     * @param timeoutSeconds seconds left, or -1 when the timeout is not to be shown
     * @param state the tracker's state name ({@code ESTABLISHED}), or null
     * @param counters {orig packets, orig bytes, reply packets, reply bytes}, or null without accounting
     */
    public ConnectionSnapshot(Tuple orig, Tuple reply, String origL4, String replyL4, String protoName, int status,
        long timeoutSeconds, String state, String helper, int mark, int zone, int id, int use, long[] counters) {
        this(orig, reply, origL4, replyL4, protoName, status, timeoutSeconds, state, helper, mark, zone, id, use,
            counters, -1);
    }

    /**
     * @param deltaTimeSeconds whole seconds from the connection's start to its stop (or to now while it lives), as
     *     {@code conntrack} prints them ({@code delta-time=}) with {@code nf_conntrack_timestamp}, or -1 for none
     * @since 1.1
     */
    public ConnectionSnapshot(Tuple orig, Tuple reply, String origL4, String replyL4, String protoName, int status,
        long timeoutSeconds, String state, String helper, int mark, int zone, int id, int use, long[] counters,
        long deltaTimeSeconds) {
        this(orig, reply, origL4, replyL4, protoName, status, timeoutSeconds, state, helper, mark, zone, id, use,
            counters, deltaTimeSeconds, Zone.DIR_BOTH, 0, 0);
    }

    /**
     * @param zoneDir the directions the zone applies to ({@link Zone#DIR_BOTH} unless one only)
     * @param labelsLo labels 0-63 ({@link ConnLabels})
     * @param labelsHi labels 64-127
     * @since 2.1
     */
    public ConnectionSnapshot(Tuple orig, Tuple reply, String origL4, String replyL4, String protoName, int status,
        long timeoutSeconds, String state, String helper, int mark, int zone, int id, int use, long[] counters,
        long deltaTimeSeconds, int zoneDir, long labelsLo, long labelsHi) {
        this(orig, reply, origL4, replyL4, protoName, status, timeoutSeconds, state, helper, mark, zone, id, use,
            counters, deltaTimeSeconds, zoneDir, labelsLo, labelsHi, 0, 0);
    }

    private ConnectionSnapshot(Tuple orig, Tuple reply, String origL4, String replyL4, String protoName, int status,
        long timeoutSeconds, String state, String helper, int mark, int zone, int id, int use, long[] counters,
        long deltaTimeSeconds, int zoneDir, long labelsLo, long labelsHi, long startNanos, long stopNanos) {
        this.startNanos = startNanos;
        this.stopNanos = stopNanos;
        this.zoneDir = zoneDir;
        this.labelsLo = labelsLo;
        this.labelsHi = labelsHi;
        this.orig = new Tuple().copyFrom(orig);
        this.reply = new Tuple().copyFrom(reply);
        this.origL4 = origL4 == null ? "" : origL4;
        this.replyL4 = replyL4 == null ? "" : replyL4;
        this.protoName = protoName;
        this.status = status;
        this.timeoutSeconds = timeoutSeconds;
        this.state = state;
        this.helper = helper;
        this.mark = mark;
        this.zone = zone;
        this.id = id;
        this.use = use;
        this.counters = counters == null ? null : counters.clone();
        this.deltaTimeSeconds = deltaTimeSeconds;
    }

    /** A copy of the original tuple. */
    public Tuple orig() {
        return new Tuple().copyFrom(orig);
    }

    public Tuple reply() {
        return new Tuple().copyFrom(reply);
    }

    public int family() {
        return orig.family;
    }

    public int protocol() {
        return orig.proto;
    }

    public String origL4() {
        return origL4;
    }

    public String replyL4() {
        return replyL4;
    }

    /** The L4 protocol name as conntrack-tools prints it ({@code tcp}, {@code unknown}). */
    public String protoName() {
        return protoName;
    }

    public int status() {
        return status;
    }

    public long timeoutSeconds() {
        return timeoutSeconds;
    }

    public String state() {
        return state;
    }

    public String helper() {
        return helper;
    }

    public int mark() {
        return mark;
    }

    /** The zone's id (0: the default zone). */
    public int zone() {
        return zone;
    }

    /** The directions the zone applies to ({@link Zone}). @since 2.1 */
    public int zoneDir() {
        return zoneDir;
    }

    /** Labels 0-63 ({@link ConnLabels}). @since 2.1 */
    public long labelsLo() {
        return labelsLo;
    }

    /** Labels 64-127. @since 2.1 */
    public long labelsHi() {
        return labelsHi;
    }

    public int id() {
        return id;
    }

    public int use() {
        return use;
    }

    public long[] counters() {
        return counters == null ? null : counters.clone();
    }

    /** {@code delta-time=}: seconds the connection lived (so far), or -1 without timestamps. @since 1.1 */
    public long deltaTimeSeconds() {
        return deltaTimeSeconds;
    }

    /**
     * The same with the connection's start and stop time ({@code nf_conntrack_timestamp}, wall-clock nanoseconds; 0
     * for none), as a dump and a DESTROY event carry them ({@code conntrack -o ktimestamp}).
     *
     * @since 2.1
     */
    public ConnectionSnapshot withTimestamps(long start, long stop) {
        return new ConnectionSnapshot(orig, reply, origL4, replyL4, protoName, status, timeoutSeconds, state, helper,
            mark, zone, id, use, counters, deltaTimeSeconds, zoneDir, labelsLo, labelsHi, start, stop);
    }

    /**
     * The same with another reference count: ctnetlink answers a get with the reference its lookup holds, so
     * {@code conntrack -G} shows one more than {@code -L}.
     *
     * @since 2.1
     */
    public ConnectionSnapshot withUse(int references) {
        return new ConnectionSnapshot(orig, reply, origL4, replyL4, protoName, status, timeoutSeconds, state, helper,
            mark, zone, id, references, counters, deltaTimeSeconds, zoneDir, labelsLo, labelsHi, startNanos,
            stopNanos);
    }

    /** When the connection started (wall-clock nanoseconds), 0 when unknown. @since 2.1 */
    public long startNanos() {
        return startNanos;
    }

    /** When the connection stopped (wall-clock nanoseconds), 0 while it lives or when unknown. @since 2.1 */
    public long stopNanos() {
        return stopNanos;
    }

    @Override
    public String toString() {
        return CtFormat.listLine(this);
    }
}
