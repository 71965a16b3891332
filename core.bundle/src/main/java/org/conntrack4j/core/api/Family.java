package org.conntrack4j.core.api;

/** Netfilter protocol families ({@code NFPROTO_*}), with Linux's numbers. */
public final class Family {
    /** Both IPv4 and IPv6 (nftables {@code inet} tables; hook registrations for both). */
    public static final int INET = 1;
    public static final int IPV4 = 2;
    public static final int IPV6 = 10;

    private Family() {
    }

    /** The name conntrack-tools prints: {@code ipv4}, {@code ipv6}, {@code inet}, else {@code unknown}. */
    public static String name(int family) {
        switch (family) {
            case IPV4: return "ipv4";
            case IPV6: return "ipv6";
            case INET: return "inet";
            default: return "unknown";
        }
    }
}
