package org.conntrack4j.sync.cache;

import java.net.Inet6Address;
import java.net.InetAddress;

import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncExpectation;
import org.conntrack4j.sync.api.SyncTuple;

/**
 * One line of {@code conntrackd -i} / {@code -e} (and their {@code expect} forms): libnetfilter_conntrack's
 * plain text of the cached object without its timeout, then the cache feature's {@code [expires in Ns]}
 * (ALARM's external cache) and {@code [active since Ns]}.
 */
public final class Dumps {
    private Dumps() {
    }

    private static final String[] PROTO = new String[256];
    private static final String[] TCP = {"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT",
        "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"};
    private static final String[] SCTP = {"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
        "SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT", "HEARTBEAT_ACKED"};
    private static final String[] DCCP = {"NONE", "REQUEST", "RESPOND", "PARTOPEN", "OPEN", "CLOSEREQ", "CLOSING",
        "TIMEWAIT", "IGNORE", "INVALID"};

    static {
        PROTO[6] = "tcp";
        PROTO[17] = "udp";
        PROTO[136] = "udplite";
        PROTO[1] = "icmp";
        PROTO[58] = "icmpv6";
        PROTO[132] = "sctp";
        PROTO[47] = "gre";
        PROTO[33] = "dccp";
    }

    /** @return libnetfilter_conntrack's name of an L4 protocol ("unknown" for the ones it has none for) */
    public static String protoName(int protonum) {
        String s = PROTO[protonum & 0xff];
        return s == null ? "unknown" : s;
    }

    private static String state(String[] names, int state) {
        return state >= 0 && state < names.length ? names[state] : names[0];
    }

    /**
     * The line of a connection entry, without its newline.
     *
     * @param expiresIn seconds until the expiry timer fires (ALARM's external cache), or null
     * @param activeSince seconds since the entry was added
     */
    public static String connection(SyncConnection c, Long expiresIn, long activeSince) {
        StringBuilder sb = new StringBuilder(160);
        SyncTuple o = c.orig();
        sb.append(String.format("%-8s %d ", protoName(o.protonum()), o.protonum()));
        if (c.tcp() != null) {
            sb.append(state(TCP, c.tcp().state())).append(' ');
        }
        if (c.sctp() != null) {
            sb.append(state(SCTP, c.sctp().state())).append(' ');
        }
        if (c.dccp() != null) {
            sb.append(state(DCCP, c.dccp().state())).append(' ');
        }
        tuple(sb, o, "src", "dst");
        if ((c.status() & SyncConnection.IPS_SEEN_REPLY) == 0) {
            sb.append("[UNREPLIED] ");
        }
        if (c.reply() != null) {
            tuple(sb, c.reply(), "src", "dst");
        }
        if ((c.status() & SyncConnection.IPS_HW_OFFLOAD) != 0) {
            sb.append("[HW_OFFLOAD] ");
        } else if ((c.status() & SyncConnection.IPS_OFFLOAD) != 0) {
            sb.append("[OFFLOAD] ");
        } else if ((c.status() & SyncConnection.IPS_ASSURED) != 0) {
            sb.append("[ASSURED] ");
        }
        if (c.mark() != null) {
            sb.append("mark=").append(c.mark()).append(' ');
        }
        if (c.zone() != null) {
            sb.append("zone=").append(c.zone()).append(' ');
        }
        if (c.helper() != null) {
            sb.append("helper=").append(c.helper()).append(' ');
        }
        sb.setLength(sb.length() - 1);
        return tail(sb, expiresIn, activeSince);
    }

    private static String tail(StringBuilder sb, Long expiresIn, long activeSince) {
        if (expiresIn != null) {
            sb.append(" [expires in ").append(expiresIn).append("s]");
        }
        sb.append(" [active since ").append(activeSince).append("s]");
        return sb.toString();
    }

    /** The line of an expectation entry, without its newline. */
    public static String expectation(SyncExpectation e, Long expiresIn, long activeSince) {
        StringBuilder sb = new StringBuilder(200);
        sb.append("proto=").append(e.expected().protonum()).append(' ');
        boolean ports = e.hasPorts();
        expTuple(sb, e.expected(), "src", "dst", ports);
        expTuple(sb, e.mask(), "mask-src", "mask-dst", ports);
        expTuple(sb, e.master(), "master-src", "master-dst", ports);
        String delim = "";
        if ((e.flags() & SyncExpectation.NF_CT_EXPECT_PERMANENT) != 0) {
            sb.append("PERMANENT");
            delim = ",";
        }
        if ((e.flags() & SyncExpectation.NF_CT_EXPECT_INACTIVE) != 0) {
            sb.append(delim).append("INACTIVE");
            delim = ",";
        }
        if ((e.flags() & SyncExpectation.NF_CT_EXPECT_USERSPACE) != 0) {
            sb.append(delim).append("USERSPACE");
        }
        if (e.flags() != 0) {
            sb.append(' ');
        }
        if (e.expectClass() != null) {
            sb.append("class=").append(e.expectClass()).append(' ');
        }
        if (e.helper() != null) {
            sb.append("helper=").append(e.helper());
        }
        if (sb.charAt(sb.length() - 1) == ' ') {
            sb.setLength(sb.length() - 1);
        }
        return tail(sb, expiresIn, activeSince);
    }

    /** An expectation's tuple: ports print by the tuple's own protocol but are only known where they travel. */
    private static void expTuple(StringBuilder sb, SyncTuple t, String src, String dst, boolean ports) {
        address(sb, t, src, dst);
        SyncTuple shown = ports ? t : new SyncTuple(t.src(), t.dst(), t.protonum(), 0, 0);
        protoFields(sb, shown);
    }

    private static void tuple(StringBuilder sb, SyncTuple t, String src, String dst) {
        address(sb, t, src, dst);
        protoFields(sb, t);
    }

    private static void address(StringBuilder sb, SyncTuple t, String src, String dst) {
        sb.append(src).append('=').append(text(t.src())).append(' ');
        sb.append(dst).append('=').append(text(t.dst())).append(' ');
    }

    private static void protoFields(StringBuilder sb, SyncTuple t) {
        switch (t.protonum()) {
            case 6, 17, 136, 132, 33 -> sb.append("sport=").append(t.srcPort()).append(" dport=")
                    .append(t.dstPort()).append(' ');
            case 47 -> sb.append("srckey=0x").append(Integer.toHexString(t.srcPort())).append(" dstkey=0x")
                    .append(Integer.toHexString(t.dstPort())).append(' ');
            case 1, 58 -> sb.append("type=").append(t.icmpType()).append(" code=").append(t.icmpCode())
                    .append(" id=").append(t.srcPort()).append(' ');
            default -> {
            }
        }
    }

    /** An address as inet_ntoa / inet_ntop print it. */
    public static String text(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        return ipv6(a.getAddress());
    }

    /** RFC 5952 text as glibc's inet_ntop: the longest run of two or more zero groups becomes "::". */
    static String ipv6(byte[] b) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = (b[2 * i] & 0xff) << 8 | b[2 * i + 1] & 0xff;
        }
        int best = -1;
        int bestLen = 0;
        for (int i = 0; i < 8;) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                best = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            best = -1;
        }
        // glibc prints IPv4-mapped and -compatible addresses with a dotted quad
        boolean mapped = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0
                && (g[5] == 0xffff || g[5] == 0 && (g[6] != 0 || g[7] > 1));
        StringBuilder sb = new StringBuilder();
        int end = mapped ? 6 : 8;
        for (int i = 0; i < end; i++) {
            if (i == best) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                if (i + 1 >= end && mapped) {
                    // "::" already ends with a colon
                }
                continue;
            }
            sb.append(Integer.toHexString(g[i]));
            if (i < end - 1 || mapped) {
                sb.append(':');
            }
        }
        if (mapped) {
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(b[12] & 0xff).append('.').append(b[13] & 0xff).append('.').append(b[14] & 0xff).append('.')
                    .append(b[15] & 0xff);
        }
        return sb.toString();
    }
}
