package org.conntrack4j.core.api;

/** Connection status bits ({@code IPS_*}), with Linux's values. */
public final class Status {
    /** The connection was expected by a helper (it has a master). */
    public static final int EXPECTED = 1;
    /** Packets were seen in both directions. */
    public static final int SEEN_REPLY = 1 << 1;
    /** The connection is worth keeping: it is not early-dropped when the table is full. */
    public static final int ASSURED = 1 << 2;
    /** The connection is in the table. */
    public static final int CONFIRMED = 1 << 3;
    /** The connection needs source manipulation (its reply tuple was altered for SNAT). */
    public static final int SRC_NAT = 1 << 4;
    /** The connection needs destination manipulation. */
    public static final int DST_NAT = 1 << 5;
    public static final int NAT_MASK = SRC_NAT | DST_NAT;
    /** TCP sequence numbers are adjusted (a helper changed a payload's length). */
    public static final int SEQ_ADJUST = 1 << 6;
    /** The source NAT binding is set up (possibly a null binding). */
    public static final int SRC_NAT_DONE = 1 << 7;
    public static final int DST_NAT_DONE = 1 << 8;
    public static final int NAT_DONE_MASK = SRC_NAT_DONE | DST_NAT_DONE;
    /** The connection is being destroyed. */
    public static final int DYING = 1 << 9;
    /** The timeout may not be refreshed by packets. */
    public static final int FIXED_TIMEOUT = 1 << 10;
    public static final int TEMPLATE = 1 << 11;
    /** The reply tuple had to be made unique after a NAT clash (shares bit 12 with the old UNTRACKED). */
    public static final int NAT_CLASH = 1 << 12;
    /** A helper was assigned explicitly. */
    public static final int HELPER = 1 << 13;
    /** The connection is in a flowtable ({@link FlowOffload}): its packets skip conntrack while it is. */
    public static final int OFFLOAD = 1 << 14;
    /** The flow is also in hardware: never set here, kept for the bit's name and listings. */
    public static final int HW_OFFLOAD = 1 << 15;
    /** The bits userspace may never change ({@code IPS_UNCHANGEABLE_MASK}): {@code conntrack -U} leaves them alone. */
    public static final int UNCHANGEABLE_MASK = NAT_DONE_MASK | NAT_MASK | EXPECTED | CONFIRMED | DYING | SEQ_ADJUST
        | TEMPLATE | NAT_CLASH | OFFLOAD | HW_OFFLOAD;

    private Status() {
    }

    private static final String[] NAMES = {"EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED", "SRC_NAT", "DST_NAT",
        "SEQ_ADJUST", "SRC_NAT_DONE", "DST_NAT_DONE", "DYING", "FIXED_TIMEOUT", "TEMPLATE", "NAT_CLASH", "HELPER",
        "OFFLOAD", "HW_OFFLOAD"};

    /** The set bits as a comma-separated list of names, for diagnostics. */
    public static String names(int status) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < NAMES.length; i++) {
            if ((status & (1 << i)) != 0) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(NAMES[i]);
            }
        }
        return sb.toString();
    }
}
