package org.conntrack4j.core.api;

/**
 * Connection event bits ({@code enum ip_conntrack_events}, used as {@code 1 << bit}) and expectation event
 * numbers ({@code enum ip_conntrack_expect_events}).
 */
public final class CtEvent {
    public static final int NEW = 0;
    public static final int RELATED = 1;
    public static final int DESTROY = 2;
    public static final int REPLY = 3;
    public static final int ASSURED = 4;
    public static final int PROTOINFO = 5;
    public static final int HELPER = 6;
    public static final int MARK = 7;
    public static final int SEQADJ = 8;
    public static final int SECMARK = 9;
    public static final int LABEL = 10;
    public static final int SYNPROXY = 11;
    /** Mask of every connection event bit. */
    public static final int ALL = (1 << 12) - 1;

    /** Expectation events. */
    public static final int EXP_NEW = 0;
    public static final int EXP_DESTROY = 1;

    private CtEvent() {
    }
}
