package org.conntrack4j.replay.run;

import java.util.Arrays;

/**
 * Which connection each frame of a replay belonged to ({@code conntrack -E -o id}'s {@code id=}), for a report that
 * puts packets beside their connection's events; and when the capture began. Kept for the first {@link #limit}
 * frames only, so that memory stays bounded however long the capture.
 */
public final class PacketConnections {
    /** No connection: conntrack never saw the frame, or left it untracked or invalid. */
    public static final long NONE = -1;

    private final int limit;
    private long[] ids = new long[1024];
    private long firstNanos = Long.MIN_VALUE;

    /** Keeps the connections of frames 1 to {@code limit}. */
    public PacketConnections(int limit) {
        this.limit = limit;
        Arrays.fill(ids, NONE);
    }

    /** The frames (by capture index, from 1) whose connection is kept. */
    public int limit() {
        return limit;
    }

    /** The capture time of the first frame, nanoseconds since the epoch; {@code Long.MIN_VALUE} before any. */
    public long firstNanos() {
        return firstNanos;
    }

    void first(long nanos) {
        if (firstNanos == Long.MIN_VALUE) {
            firstNanos = nanos;
        }
    }

    /** Frame {@code index} belongs to connection {@code id} (unsigned). */
    void put(long index, int id) {
        if (index < 1 || index > limit) {
            return;
        }
        int i = (int) index;
        if (i >= ids.length) {
            int old = ids.length;
            ids = Arrays.copyOf(ids, (int) Math.min((long) limit + 1, Math.max(i + 1L, 2L * old)));
            Arrays.fill(ids, old, ids.length, NONE);
        }
        ids[i] = Integer.toUnsignedLong(id);
    }

    /** The connection of frame {@code index}, or {@link #NONE}. */
    public long get(long index) {
        return index >= 1 && index < ids.length ? ids[(int) index] : NONE;
    }
}
