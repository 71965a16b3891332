package org.conntrack4j.core.api;

/**
 * How a packet relates to its connection ({@code enum ip_conntrack_info}), with Linux's values. A packet
 * with no connection attached and a ctinfo other than {@link #UNTRACKED} is INVALID (Linux's
 * {@code state_mt}).
 */
public final class CtInfo {
    /** Part of an established connection, original direction. */
    public static final int ESTABLISHED = 0;
    /** A new connection related to an existing one (an expected connection, an ICMP error). */
    public static final int RELATED = 1;
    /** The first packets of a connection, original direction only; may be a retransmission. */
    public static final int NEW = 2;
    /** Values at or above this one are reply-direction packets. */
    public static final int IS_REPLY = 3;
    public static final int ESTABLISHED_REPLY = ESTABLISHED + IS_REPLY;
    public static final int RELATED_REPLY = RELATED + IS_REPLY;
    /** Explicitly not tracked ({@code notrack}). */
    public static final int UNTRACKED = 7;

    private CtInfo() {
    }

    /** {@link Direction#ORIGINAL} or {@link Direction#REPLY}. */
    public static int direction(int ctinfo) {
        return ctinfo >= IS_REPLY ? Direction.REPLY : Direction.ORIGINAL;
    }

    /** The nftables {@code ct state} word for a packet: new, established, related, untracked or invalid. */
    public static String stateName(boolean hasConnection, int ctinfo) {
        if (!hasConnection) {
            return ctinfo == UNTRACKED ? "untracked" : "invalid";
        }
        switch (ctinfo) {
            case ESTABLISHED:
            case ESTABLISHED_REPLY:
                return "established";
            case RELATED:
            case RELATED_REPLY:
                return "related";
            case NEW:
                return "new";
            default:
                return "invalid";
        }
    }
}
