package org.conntrack4j.core.api;

import org.conntrack4j.core.text.CtFormat;

/**
 * One ctnetlink connection event: a message type ({@link #NEW}, {@link #UPDATE} or {@link #DESTROY}), the
 * event bits that caused it ({@link CtEvent}), when, and the connection as it was then.
 */
public final class ConntrackEvent {
    public static final int NEW = 0;
    public static final int UPDATE = 1;
    public static final int DESTROY = 2;

    private final int type;
    private final int bits;
    private final long wallNanos;
    private final ConnectionSnapshot conn;

    public ConntrackEvent(int type, int bits, long wallNanos, ConnectionSnapshot conn) {
        this.type = type;
        this.bits = bits;
        this.wallNanos = wallNanos;
        this.conn = conn;
    }

    public int type() {
        return type;
    }

    /** The {@code 1 << CtEvent.X} bits delivered together. */
    public int bits() {
        return bits;
    }

    public boolean has(int event) {
        return (bits & (1 << event)) != 0;
    }

    public long wallNanos() {
        return wallNanos;
    }

    public ConnectionSnapshot connection() {
        return conn;
    }

    /** The {@code conntrack -E -o extended,id} line (without timestamp). */
    @Override
    public String toString() {
        return CtFormat.event(this, false);
    }
}
