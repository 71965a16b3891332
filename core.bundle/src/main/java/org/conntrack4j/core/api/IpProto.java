package org.conntrack4j.core.api;

/** IP protocol numbers used throughout, and the names conntrack-tools prints for them. */
public final class IpProto {
    public static final int HOPOPTS = 0;
    public static final int ICMP = 1;
    public static final int IGMP = 2;
    public static final int IPIP = 4;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int IPV6 = 41;
    public static final int ROUTING = 43;
    public static final int FRAGMENT = 44;
    public static final int GRE = 47;
    public static final int ESP = 50;
    public static final int AH = 51;
    public static final int ICMPV6 = 58;
    public static final int NONE = 59;
    public static final int DSTOPTS = 60;
    public static final int SCTP = 132;
    public static final int UDPLITE = 136;
    public static final int RAW = 255;

    private IpProto() {
    }

    /** The protocol name conntrack-tools prints, {@code unknown} for protocols it has no name for. */
    public static String ctName(int proto) {
        switch (proto) {
            case TCP: return "tcp";
            case UDP: return "udp";
            case UDPLITE: return "udplite";
            case ICMP: return "icmp";
            case ICMPV6: return "icmpv6";
            case SCTP: return "sctp";
            case GRE: return "gre";
            case 33: return "dccp";
            default: return "unknown";
        }
    }
}
