package org.conntrack4j.core.api;

/**
 * What {@link ConntrackTable#update} changes on a connection, as {@code conntrack -U} sends it: any of a new mark
 * under a mask ({@code --mark VALUE/MASK}), status bits to set ({@code --status}) and a new timeout in seconds
 * ({@code --timeout}); and, as ctnetlink also takes, the removal of the connection's helper. Immutable: start from
 * {@link #NONE} and add what to change.
 */
public final class ConnectionUpdate {
    /** {@link ConntrackTable#update}: done. */
    public static final int DONE = 0;
    /** {@link ConntrackTable#update}: the status change is not allowed ({@code EBUSY}); nothing was changed. */
    public static final int REFUSED = -1;
    /** {@link ConntrackTable#update}: the connection is not in the table any more, or dying. */
    public static final int GONE = -2;

    /** Changes nothing. */
    public static final ConnectionUpdate NONE = new ConnectionUpdate(false, 0, 0, 0, -1, false, null);

    private final boolean hasMark;
    private final int mark;
    private final int markMask;
    private final int setStatus;
    private final long timeoutSeconds;
    private final boolean removeHelper;
    /** The labels' bits and mask, lo and hi words, or null to leave them. */
    private final long[] labels;

    private ConnectionUpdate(boolean hasMark, int mark, int markMask, int setStatus, long timeoutSeconds,
        boolean removeHelper, long[] labels) {
        this.hasMark = hasMark;
        this.mark = mark;
        this.markMask = markMask;
        this.setStatus = setStatus;
        this.timeoutSeconds = timeoutSeconds;
        this.removeHelper = removeHelper;
        this.labels = labels;
    }

    /** Also sets the mark to {@code (old & ~mask) ^ mark} ({@code ctnetlink_change_mark}); mask -1 replaces it. */
    public ConnectionUpdate withMark(int newMark, int mask) {
        return new ConnectionUpdate(true, newMark, mask, setStatus, timeoutSeconds, removeHelper, labels);
    }

    /** Also sets these {@link Status} bits (ctnetlink never clears one). */
    public ConnectionUpdate withStatus(int bits) {
        return new ConnectionUpdate(hasMark, mark, markMask, setStatus | bits, timeoutSeconds, removeHelper, labels);
    }

    /** Also sets the timeout to {@code seconds} from now. */
    public ConnectionUpdate withTimeout(long seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("timeout " + seconds + " s");
        }
        return new ConnectionUpdate(hasMark, mark, markMask, setStatus, seconds, removeHelper, labels);
    }

    /**
     * Also takes the connection's helper away, as ctnetlink does for a helper of empty name
     * ({@code ctnetlink_change_helper}): its expectations are removed and the helper is detached, as when the helper
     * leaves. Refused for a connection that has a master (ctnetlink's {@code EBUSY}).
     *
     * @since 2.1
     */
    public ConnectionUpdate withoutHelper() {
        return new ConnectionUpdate(hasMark, mark, markMask, setStatus, timeoutSeconds, true, labels);
    }

    /**
     * Also replaces the labels under a mask, {@code (old & ~mask) ^ bits} per word ({@code nf_connlabels_replace},
     * as ctnetlink takes {@code CTA_LABELS} with {@code CTA_LABELS_MASK}): bit N of the 128 in the lo word for N &lt;
     * 64, else in the hi word. An UPDATE event follows when they changed.
     *
     * @since 2.1
     */
    public ConnectionUpdate withLabels(long bitsLo, long bitsHi, long maskLo, long maskHi) {
        return new ConnectionUpdate(hasMark, mark, markMask, setStatus, timeoutSeconds, removeHelper,
            new long[] {bitsLo, bitsHi, maskLo, maskHi});
    }

    /**
     * Does the update change the labels ({@link #withLabels})?
     *
     * @since 2.1
     */
    public boolean hasLabels() {
        return labels != null;
    }

    /**
     * The labels' new bits and mask: {@code {bitsLo, bitsHi, maskLo, maskHi}} (a copy), or null.
     *
     * @since 2.1
     */
    public long[] labels() {
        return labels == null ? null : labels.clone();
    }

    public boolean hasMark() {
        return hasMark;
    }

    public int mark() {
        return mark;
    }

    public int markMask() {
        return markMask;
    }

    /** The status bits to set, 0 for none. */
    public int status() {
        return setStatus;
    }

    /** The new timeout in seconds, or -1 to keep it. */
    public long timeoutSeconds() {
        return timeoutSeconds;
    }

    /**
     * Does the update take the helper away ({@link #withoutHelper})?
     *
     * @since 2.1
     */
    public boolean removesHelper() {
        return removeHelper;
    }

    @Override
    public String toString() {
        return "update[" + ((hasMark ? "mark=" + Integer.toUnsignedString(mark) + "/0x" + Integer.toHexString(markMask) + " "
            : "") + (setStatus != 0 ? "status=" + Status.names(setStatus) + " " : "")
            + (timeoutSeconds >= 0 ? "timeout=" + timeoutSeconds + " " : "") + (removeHelper ? "helper=\"\" " : "")
            + (labels != null ? "labels" : "")).trim()
            + "]";
    }
}
