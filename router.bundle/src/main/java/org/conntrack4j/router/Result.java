package org.conntrack4j.router;

import org.conntrack4j.core.api.NetDevice;

/**
 * What happened to one received frame, as a replay reports it. Owned by the caller and reused from frame to frame;
 * every field the router fills is a constant or a reference it already holds, so filling it allocates nothing
 * (reasons for dropped malformed packets aside).
 */
public final class Result {
    /** nftables ct state word (new, established, related, invalid, untracked), or "-" if conntrack never saw it. */
    public String ctState;
    /** original, reply, or none. */
    public String ctDir;
    /** The reason conntrack logged for the packet, or null. */
    public String logReason;
    public int logProto;
    /** Why the packet did not reach conntrack (IP-layer drop, not IP, unknown interface), or null. */
    public String note;
    /** The final fate: forwarded, local, dropped (with the hook); words in {@link #fateText()}. */
    public Fate fate = Fate.NONE;
    /** For {@link Fate#FORWARDED}: the interface it left by. */
    public NetDevice out;
    /** For {@link Fate#FRAGMENTATION_NEEDED} and {@link Fate#PACKET_TOO_BIG}: the MTU that was too small. */
    public int mtu;
    /**
     * The frame was taken by defragmentation: it belongs to a datagram not complete yet. Its verdict comes
     * with the frame that completes the datagram (see {@link #absorbed}); if none does, it never had one.
     */
    public boolean held;
    /**
     * When this frame completed a datagram: the tags of the frames it was built from, this one included, in
     * arrival order ({@code [0, absorbedCount)}); they all share this frame's verdict.
     */
    public long[] absorbed = new long[0];
    public int absorbedCount;

    /** The fate in words ({@code forwarded to wan}, {@code dropped: packet too big (mtu 1280)}); allocates. */
    public String fateText() {
        switch (fate) {
            case FORWARDED:
                return fate.words + " " + out.name();
            case FRAGMENTATION_NEEDED:
            case PACKET_TOO_BIG:
                return fate.words + " (mtu " + mtu + ")";
            default:
                return fate.words;
        }
    }

    /** Back to "nothing happened yet"; the router calls it at the start of every frame. */
    public void clear() {
        ctState = "-";
        ctDir = "none";
        logReason = null;
        logProto = 0;
        note = null;
        fate = Fate.NONE;
        out = null;
        mtu = 0;
        held = false;
        absorbedCount = 0;
    }
}
