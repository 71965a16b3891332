package org.conntrack4j.core.api;

import org.conntrack4j.core.text.CtFormat;

/**
 * An expectation as {@code conntrack -L expect} prints it: timeout, expected tuple, mask, the master's
 * original tuple, class, helper and flags. Immutable.
 */
public final class ExpectationSnapshot {
    private final long timeoutSeconds;
    private final Tuple tuple;
    private final String tupleL4;
    private final Tuple mask;
    private final String maskL4;
    private final Tuple master;
    private final String masterL4;
    private final int cls;
    private final String helper;
    private final int flags;
    private final int zone;
    private final int id;

    public ExpectationSnapshot(long timeoutSeconds, Tuple tuple, String tupleL4, Tuple mask, String maskL4, Tuple master,
        String masterL4, int cls, String helper, int flags, int zone, int id) {
        this.timeoutSeconds = timeoutSeconds;
        this.tuple = new Tuple().copyFrom(tuple);
        this.tupleL4 = tupleL4 == null ? "" : tupleL4;
        this.mask = new Tuple().copyFrom(mask);
        this.maskL4 = maskL4 == null ? "" : maskL4;
        this.master = new Tuple().copyFrom(master);
        this.masterL4 = masterL4 == null ? "" : masterL4;
        this.cls = cls;
        this.helper = helper;
        this.flags = flags;
        this.zone = zone;
        this.id = id;
    }

    public long timeoutSeconds() {
        return timeoutSeconds;
    }

    public Tuple tuple() {
        return new Tuple().copyFrom(tuple);
    }

    public String tupleL4() {
        return tupleL4;
    }

    /** The mask as ctnetlink dumps it: source address and "u" masks, destination all ones. */
    public Tuple mask() {
        return new Tuple().copyFrom(mask);
    }

    public String maskL4() {
        return maskL4;
    }

    public Tuple master() {
        return new Tuple().copyFrom(master);
    }

    public String masterL4() {
        return masterL4;
    }

    public int expectClass() {
        return cls;
    }

    public String helper() {
        return helper;
    }

    public int flags() {
        return flags;
    }

    public int zone() {
        return zone;
    }

    public int id() {
        return id;
    }

    @Override
    public String toString() {
        return CtFormat.expectation(this);
    }
}
