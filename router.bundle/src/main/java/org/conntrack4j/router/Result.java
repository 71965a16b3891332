package org.conntrack4j.router;

import java.io.IOException;
import java.io.UncheckedIOException;
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
    /**
     * The id of the packet's connection ({@code Connection.id()}, the {@code id=} of {@code conntrack -E -o id}) when
     * {@link #hasCt}, so that a report can group packets with their connection's events.
     */
    public int ctId;
    /** Conntrack attached a connection to the packet. */
    public boolean hasCt;
    /** The reason conntrack logged for the packet, or null. */
    public String logReason;
    public int logProto;
    /** Why the packet did not reach conntrack (IP-layer drop, not IP, unknown interface), or null. */
    public String note;
    /** The final fate: forwarded, local, dropped (with the hook); words in {@link #fateText()}. */
    public Fate fate = Fate.NONE;
    /** For {@link Fate#FORWARDED} and {@link Fate#OFFLOADED}: the interface it left by. */
    public NetDevice out;
    /** For {@link Fate#FRAGMENTATION_NEEDED} and {@link Fate#PACKET_TOO_BIG}: the MTU that was too small. */
    public int mtu;
    /**
     * For a packet a hook dropped ({@link Fate#DROPPED_PREROUTING}, {@code _FORWARD}, {@code _POSTROUTING},
     * {@code _INPUT}): who did, as the engine reported it ({@code Packet.verdictBy}: a rule with its chain, position,
     * handle and text, a chain's policy, or a hook function's owner such as {@code conntrack_in (core)}); null if
     * unknown. Formatted only when written.
     */
    public Object by;
    /** For {@link Fate#ANSWERED}: what the router's stack sent back ({@code ICMP echo reply}, {@code TCP reset}...). */
    public String answer;
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

    /**
     * The fate in words ({@code forwarded to wan}, {@code dropped: packet too big (mtu 1280)}, {@code dropped in
     * forward by table inet filter chain fw rule 2 (handle 6): ct state invalid drop}); allocates.
     */
    public String fateText() {
        return appendFate(new StringBuilder(64)).toString();
    }

    /**
     * Appends {@link #fateText()} to {@code a}; allocates nothing of its own when {@code a} does not and
     * {@link #by}'s {@code toString} returns a string it holds (a rule's does).
     */
    public <A extends Appendable> A appendFate(A a) {
        try {
            a.append(fate.words);
            switch (fate) {
                case FORWARDED:
                case OFFLOADED:
                    a.append(' ').append(out.name());
                    break;
                case FRAGMENTATION_NEEDED:
                case PACKET_TOO_BIG:
                    a.append(" (mtu ");
                    // an MTU is 0..65535: its digits without a String
                    for (int div = 10000; div > 0; div /= 10) {
                        if (mtu >= div || div == 1) {
                            a.append((char) ('0' + mtu / div % 10));
                        }
                    }
                    a.append(')');
                    break;
                case ANSWERED:
                    a.append(' ').append(answer);
                    break;
                case DROPPED_PREROUTING:
                case DROPPED_FORWARD:
                case DROPPED_POSTROUTING:
                case DROPPED_INPUT:
                    if (by != null) {
                        a.append(" by ").append(by.toString());
                    }
                    if (logReason != null && "invalid".equals(ctState)) {
                        a.append(" (invalid: ").append(logReason).append(')');
                    }
                    break;
                default:
                    break;
            }
            return a;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Back to "nothing happened yet"; the router calls it at the start of every frame. */
    public void clear() {
        ctState = "-";
        ctDir = "none";
        ctId = 0;
        hasCt = false;
        logReason = null;
        logProto = 0;
        note = null;
        fate = Fate.NONE;
        out = null;
        mtu = 0;
        by = null;
        answer = null;
        held = false;
        absorbedCount = 0;
    }
}
