package org.conntrack4j.sync.mode;

import org.conntrack4j.sync.wire.RecvStats;
import org.conntrack4j.sync.wire.Wire;

/**
 * Sequence numbers (network.c): the next one to send (starting from the clock's seconds, as conntrackd
 * starts from time(NULL)) and the tracking of received ones: in sync, after a gap (messages lost),
 * before (replayed or delayed), or unset before the first message.
 */
public final class SeqTracker {
    public static final int UNSET = 1;
    public static final int IN_SYNC = 2;
    public static final int AFTER = 3;
    public static final int BEFORE = 4;

    private final RecvStats stats;
    private boolean sendSet;
    private int cur;
    private boolean recvSet;
    private int lastRecv;

    public SeqTracker(RecvStats stats) {
        this.stats = stats;
    }

    /** @return the sequence number for the next message sent */
    public int next(long nowSeconds) {
        if (!sendSet) {
            sendSet = true;
            cur = (int) nowSeconds;
        }
        return cur++;
    }

    /** Classifies {@code seq} without taking it as the last received (nethdr_track_seq). */
    public int track(int seq) {
        if (!recvSet) {
            return UNSET;
        }
        if (seq == lastRecv + 1) {
            return IN_SYNC;
        }
        if (Wire.after(seq, lastRecv + 1)) {
            // conntrackd counts seq - last + 1 here (two more than the gap); kept for identical statistics
            stats.lost += (seq - lastRecv + 1) & 0xffffffffL;
            return AFTER;
        }
        stats.before++;
        return BEFORE;
    }

    /** @return the sequence number the next message should have */
    public int expected() {
        return lastRecv + 1;
    }

    /** Takes {@code seq} as the last received (nethdr_track_update_seq). */
    public void update(int seq) {
        recvSet = true;
        lastRecv = seq;
    }

    public boolean isSet() {
        return recvSet;
    }

    public int lastReceived() {
        return lastRecv;
    }
}
