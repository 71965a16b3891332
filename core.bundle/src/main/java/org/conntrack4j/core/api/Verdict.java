package org.conntrack4j.core.api;

/**
 * Hook verdicts ({@code NF_*}), with Linux's numbers. Trackers report an invalid packet as the negated
 * verdict: {@code -ACCEPT} (invalid, let it pass), {@code DROP} (0: invalid and dropped), {@code -REPEAT}
 * (forget the connection and process the packet again, as a new one).
 */
public final class Verdict {
    public static final int DROP = 0;
    public static final int ACCEPT = 1;
    public static final int STOLEN = 2;
    public static final int QUEUE = 3;
    public static final int REPEAT = 4;
    public static final int STOP = 5;

    private Verdict() {
    }

    public static String name(int verdict) {
        switch (verdict) {
            case DROP: return "drop";
            case ACCEPT: return "accept";
            case STOLEN: return "stolen";
            case QUEUE: return "queue";
            case REPEAT: return "repeat";
            case STOP: return "stop";
            default: return "verdict" + verdict;
        }
    }
}
