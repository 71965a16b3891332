package org.conntrack4j.rules.nft;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Fixed symbol tables. nft takes protocol and service names from the host's /etc/protocols and /etc/services;
 * this parser must not depend on the host, so it carries the Debian/IANA numbers for the names in common use.
 */
final class Symbols {
    private Symbols() {
    }

    // IP protocol numbers and the first name /etc/protocols gives each (what nft prints).
    private static final Object[][] PROTOCOLS = {
        {0, "ip"}, {1, "icmp"}, {2, "igmp"}, {3, "ggp"}, {4, "ipencap"}, {5, "st"}, {6, "tcp"}, {8, "egp"},
        {9, "igp"}, {12, "pup"}, {17, "udp"}, {20, "hmp"}, {22, "xns-idp"}, {27, "rdp"}, {29, "iso-tp4"},
        {33, "dccp"}, {36, "xtp"}, {37, "ddp"}, {38, "idpr-cmtp"}, {41, "ipv6"}, {43, "ipv6-route"},
        {44, "ipv6-frag"}, {45, "idrp"}, {46, "rsvp"}, {47, "gre"}, {50, "esp"}, {51, "ah"}, {57, "skip"},
        {58, "ipv6-icmp"}, {59, "ipv6-nonxt"}, {60, "ipv6-opts"}, {73, "rspf"}, {81, "vmtp"}, {88, "eigrp"},
        {89, "ospf"}, {93, "ax.25"}, {94, "ipip"}, {97, "etherip"}, {98, "encap"}, {103, "pim"}, {108, "ipcomp"},
        {112, "vrrp"}, {115, "l2tp"}, {124, "isis"}, {132, "sctp"}, {133, "fc"}, {135, "mobility-header"},
        {136, "udplite"}, {137, "mpls-in-ip"}, {138, "manet"}, {139, "hip"}, {140, "shim6"}, {141, "wesp"},
        {142, "rohc"}, {143, "ethernet"},
    };

    private static final String[] PROTOCOL_NAMES = new String[256];
    private static final Map<String, Integer> PROTOCOL_NUMBERS = new HashMap<>();

    // Well-known service ports (IANA); nft resolves these names through /etc/services.
    private static final Map<String, Integer> SERVICES = Map.ofEntries(
            Map.entry("ftp-data", 20), Map.entry("ftp", 21), Map.entry("ssh", 22), Map.entry("telnet", 23),
            Map.entry("smtp", 25), Map.entry("domain", 53), Map.entry("bootps", 67), Map.entry("bootpc", 68),
            Map.entry("tftp", 69), Map.entry("http", 80), Map.entry("www", 80), Map.entry("kerberos", 88),
            Map.entry("pop3", 110), Map.entry("sunrpc", 111), Map.entry("auth", 113), Map.entry("nntp", 119),
            Map.entry("ntp", 123), Map.entry("netbios-ns", 137), Map.entry("netbios-dgm", 138),
            Map.entry("netbios-ssn", 139), Map.entry("imap", 143), Map.entry("imap2", 143),
            Map.entry("snmp", 161), Map.entry("snmp-trap", 162), Map.entry("bgp", 179), Map.entry("irc", 194),
            Map.entry("ldap", 389), Map.entry("https", 443), Map.entry("microsoft-ds", 445),
            Map.entry("isakmp", 500), Map.entry("syslog", 514), Map.entry("submission", 587),
            Map.entry("ldaps", 636), Map.entry("rsync", 873), Map.entry("imaps", 993), Map.entry("pop3s", 995),
            Map.entry("openvpn", 1194), Map.entry("mysql", 3306), Map.entry("sip", 5060),
            Map.entry("postgresql", 5432), Map.entry("http-alt", 8080), Map.entry("amanda", 10080));

    static {
        for (Object[] p : PROTOCOLS) {
            PROTOCOL_NAMES[(Integer) p[0]] = (String) p[1];
            PROTOCOL_NUMBERS.put((String) p[1], (Integer) p[0]);
        }
        // aliases nft accepts on input
        PROTOCOL_NUMBERS.put("icmpv6", 58);
        PROTOCOL_NUMBERS.put("hopopt", 0);
        PROTOCOL_NUMBERS.put("ospfigp", 89);
    }

    static final long CT_STATE_INVALID = 1;
    static final long CT_STATE_ESTABLISHED = 2;
    static final long CT_STATE_RELATED = 4;
    static final long CT_STATE_NEW = 8;
    static final long CT_STATE_UNTRACKED = 64;

    /** ct state names in bit order. */
    private static final Object[][] CT_STATES = {
        {"invalid", 1L}, {"established", 2L}, {"related", 4L}, {"new", 8L}, {"untracked", 64L},
    };

    /** ct status names (IPS_* bits) in bit order. */
    private static final Object[][] CT_STATUSES = {
        {"expected", 1L}, {"seen-reply", 2L}, {"assured", 4L}, {"confirmed", 8L}, {"snat", 16L}, {"dnat", 32L},
        {"dying", 512L},
    };

    /**
     * Conntrack helpers of Linux (name as nft's {@code type "..."} names them, protocols, IPv4 / IPv6 support).
     * The kernel refuses a ct helper object whose type and protocol no helper provides.
     */
    record KernelHelper(String name, Set<Integer> protocols, boolean ipv4, boolean ipv6) {
    }

    private static final Map<String, KernelHelper> HELPERS = Map.ofEntries(
            helper("ftp", Set.of(6), true, true),
            helper("tftp", Set.of(17), true, true),
            helper("irc", Set.of(6), true, false),
            helper("sane", Set.of(6), true, true),
            helper("sip", Set.of(6, 17), true, true),
            helper("amanda", Set.of(17), true, true),
            helper("pptp", Set.of(6), true, false),
            helper("snmp", Set.of(17), true, false),
            helper("netbios-ns", Set.of(17), true, false),
            helper("H.245", Set.of(6), true, true),
            helper("Q.931", Set.of(6), true, true),
            helper("RAS", Set.of(17), true, true));

    private static Map.Entry<String, KernelHelper> helper(String name, Set<Integer> protos, boolean v4, boolean v6) {
        return Map.entry(name, new KernelHelper(name, protos, v4, v6));
    }

    /**
     * Words nft's scanner treats as keywords, which therefore cannot name a table, chain or object or stand as an
     * unquoted string (checked with nft 1.0.6 where it matters).
     */
    static final Set<String> RESERVED = Set.of(
            "table", "chain", "accept", "drop", "continue", "return", "jump", "goto", "queue", "reject", "counter",
            "log", "limit", "quota", "notrack", "masquerade", "snat", "dnat", "redirect", "meta", "ct", "ip",
            "ip6", "inet", "tcp", "udp", "icmp", "icmpv6", "sctp", "udplite", "dccp", "esp", "ah", "igmp",
            "iifname", "oifname", "iif", "oif", "mark", "type", "hook", "priority", "policy", "random", "comment",
            "set", "eq", "ne", "lt", "gt", "le", "ge", "define", "include", "add", "create", "insert", "replace",
            "delete", "list", "flush", "rename", "describe", "monitor", "export", "import", "handle", "position",
            "index", "ether", "vlan", "arp", "comp", "th", "rt", "ipsec", "fib", "socket", "osf", "numgen",
            "jhash", "symhash", "tproxy", "synproxy", "flow", "offload", "meter", "dup", "fwd", "secmark", "map",
            "vmap", "element", "flags", "elements", "timeout", "size", "ruleset", "bridge", "netdev", "all",
            "ecn", "mh", "hbh", "dst", "frag");

    static String protocolName(int number) {
        if (number >= 0 && number < 256 && PROTOCOL_NAMES[number] != null) {
            return PROTOCOL_NAMES[number];
        }
        return Integer.toString(number);
    }

    /** Protocol number for a name (case-insensitive, as getprotobyname), or -1. */
    static int protocolNumber(String name) {
        Integer n = PROTOCOL_NUMBERS.get(name.toLowerCase(Locale.ROOT));
        return n == null ? -1 : n;
    }

    /** Port for a service name, or -1. */
    static int servicePort(String name) {
        Integer n = SERVICES.get(name);
        return n == null ? -1 : n;
    }

    static KernelHelper kernelHelper(String type) {
        return HELPERS.get(type);
    }

    private static Object[][] flagTable(ValueKind kind) {
        return kind == ValueKind.CT_STATE ? CT_STATES : CT_STATUSES;
    }

    /** The bit for a ct state / ct status name, or -1. */
    static long flagValue(ValueKind kind, String name) {
        for (Object[] f : flagTable(kind)) {
            if (f[0].equals(name)) {
                return (Long) f[1];
            }
        }
        return -1;
    }

    /** The names of the bits set in {@code bits}, in bit order, joined with {@code separator}. */
    static String flagNames(ValueKind kind, long bits, String separator) {
        StringBuilder sb = new StringBuilder();
        long rest = bits;
        for (Object[] f : flagTable(kind)) {
            long bit = (Long) f[1];
            if ((bits & bit) != 0) {
                if (sb.length() > 0) {
                    sb.append(separator);
                }
                sb.append(f[0]);
                rest &= ~bit;
            }
        }
        if (rest != 0 || bits == 0) {
            if (sb.length() > 0) {
                sb.append(separator);
            }
            sb.append("0x").append(Long.toHexString(rest));
        }
        return sb.toString();
    }

    static String flagNameList(ValueKind kind) {
        StringBuilder sb = new StringBuilder();
        for (Object[] f : flagTable(kind)) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(f[0]);
        }
        return sb.toString();
    }
}
