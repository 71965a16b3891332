package org.conntrack4j.core.api;

/**
 * Hook priorities of the IPv4/IPv6 netfilter users ({@code NF_IP_PRI_*}); lower runs first. IPv6 uses the
 * same numbers, except that its confirm hook runs at {@link #LAST}.
 */
public final class Priority {
    public static final int FIRST = Integer.MIN_VALUE;
    public static final int CONNTRACK_DEFRAG = -400;
    public static final int RAW = -300;
    public static final int CONNTRACK = -200;
    public static final int MANGLE = -150;
    public static final int NAT_DST = -100;
    public static final int FILTER = 0;
    public static final int SECURITY = 50;
    public static final int NAT_SRC = 100;
    public static final int CONNTRACK_HELPER = 300;
    public static final int CONNTRACK_CONFIRM = Integer.MAX_VALUE;
    public static final int LAST = Integer.MAX_VALUE;

    private Priority() {
    }
}
