package org.conntrack4j.core.api;

/** The five netfilter hooks of the IP layer ({@code NF_INET_*}), with Linux's numbers. */
public final class Hook {
    public static final int PRE_ROUTING = 0;
    public static final int LOCAL_IN = 1;
    public static final int FORWARD = 2;
    public static final int LOCAL_OUT = 3;
    public static final int POST_ROUTING = 4;
    public static final int COUNT = 5;

    private Hook() {
    }

    /** The nftables spelling ({@code prerouting}, {@code input}, ...). */
    public static String name(int hook) {
        switch (hook) {
            case PRE_ROUTING: return "prerouting";
            case LOCAL_IN: return "input";
            case FORWARD: return "forward";
            case LOCAL_OUT: return "output";
            case POST_ROUTING: return "postrouting";
            default: return "hook" + hook;
        }
    }
}
