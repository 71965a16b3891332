package org.conntrack4j.core.api;

/**
 * A tracker's state of a connection as administration hands it over ({@code CTA_PROTOINFO}): what
 * {@code conntrack -I -p tcp --state ESTABLISHED} sends, and what a state synchronisation peer reports. The state is
 * the tracker's number, as Linux numbers it ({@code enum tcp_conntrack}: NONE 0, SYN_SENT 1, SYN_RECV 2, ESTABLISHED
 * 3, FIN_WAIT 4, CLOSE_WAIT 5, LAST_ACK 6, TIME_WAIT 7, CLOSE 8, SYN_SENT2 9; {@code enum sctp_conntrack} for SCTP);
 * per direction, TCP's window scale and flags ({@code CTA_PROTOINFO_TCP_WSCALE_*}, {@code _FLAGS_*}:
 * {@code IP_CT_TCP_FLAG_*}) and SCTP's verification tags, each only when given. Immutable.
 *
 * @since 2.1
 */
public final class ProtoInfo {
    private final int state;
    private final int given;
    private final int[] flags;
    private final int[] wscale;
    private final int[] vtag;

    private static final int FLAGS = 1;
    private static final int WSCALE = 2;
    private static final int VTAG = 4;

    private ProtoInfo(int state, int given, int[] flags, int[] wscale, int[] vtag) {
        this.state = state;
        this.given = given;
        this.flags = flags;
        this.wscale = wscale;
        this.vtag = vtag;
    }

    /** The tracker's state {@code state} (0-255), nothing else. */
    public static ProtoInfo state(int state) {
        if (state < 0 || state > 255) {
            throw new IllegalArgumentException("protocol state " + state);
        }
        return new ProtoInfo(state, 0, new int[2], new int[2], new int[2]);
    }

    /** Also TCP's flags of each direction's sender ({@code IP_CT_TCP_FLAG_*}), index {@link Direction}. */
    public ProtoInfo withTcpFlags(int original, int reply) {
        return new ProtoInfo(state, given | FLAGS, new int[] {original & 0xff, reply & 0xff}, wscale, vtag);
    }

    /** Also TCP's window scale of each direction's sender (0-14). */
    public ProtoInfo withTcpWindowScale(int original, int reply) {
        return new ProtoInfo(state, given | WSCALE, flags, new int[] {original & 0xff, reply & 0xff}, vtag);
    }

    /** Also SCTP's verification tag each direction's packets carry. */
    public ProtoInfo withSctpVtags(int original, int reply) {
        return new ProtoInfo(state, given | VTAG, flags, wscale, new int[] {original, reply});
    }

    /** The tracker's state number. */
    public int state() {
        return state;
    }

    public boolean hasTcpFlags() {
        return (given & FLAGS) != 0;
    }

    /** TCP's flags of the sender of direction {@code dir}; 0 when not given. */
    public int tcpFlags(int dir) {
        return flags[dir];
    }

    public boolean hasTcpWindowScale() {
        return (given & WSCALE) != 0;
    }

    /** TCP's window scale of the sender of direction {@code dir}; 0 when not given. */
    public int tcpWindowScale(int dir) {
        return wscale[dir];
    }

    public boolean hasSctpVtags() {
        return (given & VTAG) != 0;
    }

    /** SCTP's verification tag of direction {@code dir}; 0 when not given. */
    public int sctpVtag(int dir) {
        return vtag[dir];
    }

    @Override
    public String toString() {
        return "protoinfo[state=" + state + (hasTcpFlags() ? " flags=" + flags[0] + "/" + flags[1] : "")
            + (hasTcpWindowScale() ? " wscale=" + wscale[0] + "/" + wscale[1] : "")
            + (hasSctpVtags() ? " vtag=" + Integer.toHexString(vtag[0]) + "/" + Integer.toHexString(vtag[1]) : "")
            + "]";
    }
}
