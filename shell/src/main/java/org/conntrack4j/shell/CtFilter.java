package org.conntrack4j.shell;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Zone;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.text.LabelMap;

/**
 * The connection filters of {@code conntrack -L/-D}: {@code -s/--src}, {@code -d/--dst} (original
 * direction), {@code -r/--reply-src}, {@code -q/--reply-dst}, {@code -p/--proto}, {@code --sport},
 * {@code --dport}, {@code -m/--mark VALUE[/MASK]}, {@code -u/--status}, {@code --zone}, {@code --orig-zone},
 * {@code --reply-zone}, {@code --state} (after {@code -p tcp} or {@code -p sctp}), {@code -f/--family}, plus
 * {@code -o} output options, with conntrack 1.4.7's meanings (checked against it on Linux 6.18).
 */
final class CtFilter {
    /** conntrack's TCP state names for {@code -p tcp --state}. */
    private static final List<String> TCP_STATES = List.of("NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
        "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2");
    /** conntrack's SCTP state names for {@code -p sctp --state}. */
    private static final List<String> SCTP_STATES = List.of("NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED",
        "ESTABLISHED", "SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT");

    private final List<Predicate<Connection>> tests = new ArrayList<>();
    /** The zone filters, apart: {@code ct:get} looks its tuple up in a zone instead. */
    private final List<Predicate<Connection>> zoneTests = new ArrayList<>();
    /** The options given, for the commands that need some of them. */
    private final java.util.Set<String> given = new java.util.HashSet<>();
    /** {@code --zone}'s value, 0 without. */
    private int zone;
    /** Tests on what the tracker prints (the state), which a {@link Connection} does not carry. */
    private final List<Predicate<ConnectionSnapshot>> printed = new ArrayList<>();
    boolean extended;
    boolean showId;
    /** {@code -o xml}: libnetfilter_conntrack's XML. */
    boolean xml;
    /** {@code -o json}: one JSON object per connection (CtJson), for ct:list. */
    boolean json;
    /** {@code -o labels}: labels by name, through {@link #labelMap}. */
    boolean labels;
    /** {@code -o ktimestamp}: the start (and stop) time of a connection with a timestamp. */
    boolean ktimestamp;
    /** ICMP's type, code and id of the original tuple, -1 where not given. */
    private final int[] icmp = {-1, -1, -1};
    /** The protocol of {@code -p}, -1 without. */
    private int proto = -1;

    /**
     * The label names conntrack prints with {@code -o labels}: libnetfilter_conntrack's {@code connlabel.conf}
     * ({@code /etc/xtables/connlabel.conf}, or the file the system property {@code conntrack4j.connlabel} names).
     * Without a readable file naming a label there is no map and no label is printed, as conntrack, which says so
     * on stderr.
     */
    static LabelMap labelMap() {
        Path file = Paths.get(System.getProperty("conntrack4j.connlabel", "/etc/xtables/connlabel.conf"));
        try {
            return LabelMap.read(file);
        } catch (IOException e) {
            System.err.println("nfct_labelmap_new: " + file + ": " + e.getMessage());
            return null;
        }
    }

    /** Parses the arguments; throws IllegalArgumentException naming a bad option or value. */
    static CtFilter parse(String... args) {
        CtFilter f = new CtFilter();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-o") || a.equals("--output")) {
                String v = value(args, ++i, a);
                for (String o : v.split(",")) {
                    switch (o.trim()) {
                        case "extended": f.extended = true; break;
                        case "id": f.showId = true; break;
                        case "labels": f.labels = true; break;
                        case "xml": f.xml = true; break;
                        case "json": f.json = true; break;
                        // conntrack -L takes them and prints nothing different (they are for -E)
                        case "timestamp": case "userspace":
                            break;
                        case "ktimestamp": f.ktimestamp = true; break;
                        case "save":
                            throw new IllegalArgumentException("output option " + o + " is not supported");
                        default: throw new IllegalArgumentException("unknown output option " + o);
                    }
                }
                continue;
            }
            String v = value(args, ++i, a);
            f.given.add(a);
            switch (a) {
                case "-s": case "--src": case "--orig-src": f.address(Direction.ORIGINAL, true, v); break;
                case "-d": case "--dst": case "--orig-dst": f.address(Direction.ORIGINAL, false, v); break;
                case "-r": case "--reply-src": f.address(Direction.REPLY, true, v); break;
                case "-q": case "--reply-dst": f.address(Direction.REPLY, false, v); break;
                case "-p": case "--proto": {
                    int p = proto(v);
                    f.proto = p;
                    f.tests.add(c -> c.protocol() == p);
                    break;
                }
                case "--sport": case "--orig-port-src": {
                    int p = u16(v, "port");
                    f.tests.add(c -> c.srcPort(Direction.ORIGINAL) == p);
                    break;
                }
                case "--dport": case "--orig-port-dst": {
                    int p = u16(v, "port");
                    f.tests.add(c -> c.dstPort(Direction.ORIGINAL) == p);
                    break;
                }
                case "-m": case "--mark": {
                    // VALUE[/MASK]: the connections whose mark & MASK is VALUE, as ctnetlink's dump filter
                    int slash = v.indexOf('/');
                    int value = u32(slash < 0 ? v : v.substring(0, slash), "mark");
                    int mask = slash < 0 ? -1 : u32(v.substring(slash + 1), "mark mask");
                    f.tests.add(c -> (c.mark() & mask) == value);
                    break;
                }
                case "-u": case "--status": {
                    int[] vm = status(v);
                    f.tests.add(c -> (c.status() & vm[1]) == vm[0]);
                    break;
                }
                // each compares the zone conntrack shows in that place (zone=, zone-orig=, zone-reply=), 0 where
                // it shows none
                case "--zone": f.zone = u16(v, "zone"); f.zoneTests.add(shownZone(Zone.DIR_BOTH, v)); break;
                case "--orig-zone": f.zoneTests.add(shownZone(Zone.DIR_ORIGINAL, v)); break;
                case "-l": case "--label": {
                    // the connections with every label named (comma lists and repeated options join), as
                    // conntrack's filter_label; the label map it loads prints the labels too
                    long[] want = CtChange.labelBits(v, labelMap());
                    f.labels = true;
                    f.tests.add(c -> (c.labelsLo() & want[0]) == want[0] && (c.labelsHi() & want[1]) == want[1]);
                    break;
                }
                case "--icmp-type": case "--icmpv6-type": f.icmp(a, v, 0); break;
                case "--icmp-code": case "--icmpv6-code": f.icmp(a, v, 1); break;
                case "--icmp-id": case "--icmpv6-id": f.icmp(a, v, 2); break;
                case "--reply-zone": f.zoneTests.add(shownZone(Zone.DIR_REPLY, v)); break;
                case "--state": {
                    // a protocol option: only after -p tcp / -p sctp, one state, its exact name
                    List<String> names = f.proto == IpProto.TCP ? TCP_STATES : f.proto == IpProto.SCTP ? SCTP_STATES
                        : null;
                    if (names == null) {
                        throw new IllegalArgumentException("unknown option --state (it needs -p tcp or -p sctp first)");
                    }
                    if (!names.contains(v)) {
                        throw new IllegalArgumentException("unknown " + (f.proto == IpProto.TCP ? "TCP" : "SCTP")
                            + " state " + v);
                    }
                    f.printed.add(s -> v.equals(s.state()));
                    break;
                }
                case "-f": case "--family": {
                    int fam = v.equals("ipv4") ? Family.IPV4 : v.equals("ipv6") ? Family.IPV6 : -1;
                    if (fam < 0) {
                        throw new IllegalArgumentException("family must be ipv4 or ipv6: " + v);
                    }
                    f.tests.add(c -> c.family() == fam);
                    break;
                }
                default:
                    throw new IllegalArgumentException("unknown option " + a);
            }
        }
        return f;
    }

    /**
     * {@code --icmp-type/-code/-id} (ICMPv6's after {@code -p icmpv6}): a protocol option, so only after its
     * {@code -p}; part {@code k} of the original tuple (type, code, id), as conntrack's ICMP extension reads them.
     */
    private void icmp(String option, String v, int k) {
        boolean six = option.startsWith("--icmpv6-");
        if (proto != (six ? IpProto.ICMPV6 : IpProto.ICMP)) {
            throw new IllegalArgumentException("unknown option `" + option + "'");
        }
        int x = k == 2 ? u16(v, "ICMP id") : u16(v, "ICMP " + (k == 0 ? "type" : "code"));
        if (k < 2 && x > 255) {
            throw new IllegalArgumentException("not an ICMP " + (k == 0 ? "type" : "code") + ": " + v);
        }
        icmp[k] = x;
        switch (k) {
            case 0: tests.add(c -> icmpTuple(c).icmpType() == x); break;
            case 1: tests.add(c -> icmpTuple(c).icmpCode() == x); break;
            default: tests.add(c -> icmpTuple(c).icmpId() == x); break;
        }
    }

    /** The original tuple's two 16-bit fields, where ICMP keeps its type, code and id. */
    private static Tuple icmpTuple(Connection c) {
        Tuple t = new Tuple();
        t.srcPort = c.srcPort(Direction.ORIGINAL);
        t.dstPort = c.dstPort(Direction.ORIGINAL);
        return t;
    }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length) {
            throw new IllegalArgumentException("option " + opt + " needs a value");
        }
        return args[i];
    }

    private void address(int dir, boolean src, String text) {
        boolean v6 = text.indexOf(':') >= 0;
        long hi;
        long lo;
        if (v6) {
            long[] a = Addr.parseV6(text);
            hi = a[0];
            lo = a[1];
        } else {
            hi = 0;
            lo = Addr.parseV4(text) & 0xffffffffL;
        }
        int fam = v6 ? Family.IPV6 : Family.IPV4;
        tests.add(c -> c.family() == fam && (src ? c.srcHi(dir) == hi && c.srcLo(dir) == lo
            : c.dstHi(dir) == hi && c.dstLo(dir) == lo));
    }

    static int proto(String v) {
        switch (v.toLowerCase()) {
            case "tcp": return IpProto.TCP;
            case "udp": return IpProto.UDP;
            case "udplite": return IpProto.UDPLITE;
            case "icmp": return IpProto.ICMP;
            case "icmpv6": return IpProto.ICMPV6;
            case "sctp": return IpProto.SCTP;
            case "gre": return IpProto.GRE;
            case "dccp": return 33;
            default:
                try {
                    int p = Integer.parseInt(v);
                    if (p >= 0 && p <= 255) {
                        return p;
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
                throw new IllegalArgumentException("unknown protocol " + v);
        }
    }

    /** Every event type, as bits {@code 1 << ConntrackEvent.type()}. */
    static final int ALL_EVENTS = (1 << ConntrackEvent.NEW) | (1 << ConntrackEvent.UPDATE)
        | (1 << ConntrackEvent.DESTROY);

    /**
     * {@code -e}: comma-separated ALL, NEW, UPDATES, DESTROY (case-insensitive, a prefix enough, as conntrack reads
     * them), as bits {@code 1 << ConntrackEvent.type()}.
     */
    static int eventTypes(String list) {
        int bits = 0;
        for (String word : list.split(",", -1)) {
            String w = word.toUpperCase(java.util.Locale.ROOT);
            int b = w.isEmpty() ? 0 : "ALL".startsWith(w) ? ALL_EVENTS : "NEW".startsWith(w) ? 1 << ConntrackEvent.NEW
                : "UPDATES".startsWith(w) ? 1 << ConntrackEvent.UPDATE : "DESTROY".startsWith(w)
                ? 1 << ConntrackEvent.DESTROY : 0;
            if (b == 0) {
                throw new IllegalArgumentException("bad event " + word);
            }
            bits |= b;
        }
        return bits;
    }

    /** A 16-bit number (a port, a zone), decimal. */
    static int u16(String v, String what) {
        try {
            int p = Integer.parseInt(v);
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("not a " + what + ": " + v);
    }

    /** The filter as a predicate (null when there is none: everything passes). */
    Predicate<Connection> predicate() {
        List<Predicate<Connection>> t = new ArrayList<>(tests);
        t.addAll(zoneTests);
        return t.isEmpty() ? null : c -> t.stream().allMatch(x -> x.test(c));
    }

    /**
     * For {@code ct:get}: the original tuple the options give, as a predicate, to be looked up in {@link #zone}.
     * Throws, with conntrack's words, when a part of the tuple is missing; only port protocols (conntrack's other
     * tuple options are not read here).
     */
    Predicate<Connection> tuple() {
        if (!given.contains("-s") && !given.contains("--src") && !given.contains("--orig-src")
            || !given.contains("-d") && !given.contains("--dst") && !given.contains("--orig-dst")) {
            throw new IllegalArgumentException("you have to specify `--src' and `--dst'");
        }
        if (proto < 0) {
            throw new IllegalArgumentException("You need to supply the `--protonum' option for this command");
        }
        if (proto == IpProto.ICMP || proto == IpProto.ICMPV6) {
            // conntrack's ICMP extension wants the type and the code for -G; the id is 0 unless given
            String p = proto == IpProto.ICMP ? "icmp" : "icmpv6";
            if (icmp[0] < 0) {
                throw new IllegalArgumentException("You need to supply the `--" + p + "-type' option for this command");
            }
            if (icmp[1] < 0) {
                throw new IllegalArgumentException("You need to supply the `--" + p + "-code' option for this command");
            }
            if (icmp[2] < 0) {
                tests.add(c -> icmpTuple(c).icmpId() == 0);
            }
            List<Predicate<Connection>> t = List.copyOf(tests);
            return c -> t.stream().allMatch(x -> x.test(c));
        }
        if (proto != IpProto.TCP && proto != IpProto.UDP && proto != IpProto.UDPLITE && proto != IpProto.SCTP
            && proto != 33) {
            throw new IllegalArgumentException("ct:get takes the tuple of a port protocol (tcp, udp, udplite, sctp, "
                + "dccp) or of ICMP only");
        }
        if (!given.contains("--sport") && !given.contains("--orig-port-src")
            || !given.contains("--dport") && !given.contains("--orig-port-dst")) {
            throw new IllegalArgumentException("you have to specify `--sport' and `--dport'");
        }
        List<Predicate<Connection>> t = List.copyOf(tests);
        return c -> t.stream().allMatch(x -> x.test(c));
    }

    /** {@code --zone}'s value, 0 without. */
    int zone() {
        return zone;
    }

    /** Whether the filter tests what only a snapshot has (the state): {@link #keep} must then be applied too. */
    boolean testsPrinted() {
        return !printed.isEmpty();
    }

    /** The snapshots that also pass the tests on what the tracker prints. */
    List<ConnectionSnapshot> keep(List<ConnectionSnapshot> listed) {
        List<ConnectionSnapshot> out = new ArrayList<>(listed.size());
        for (ConnectionSnapshot s : listed) {
            if (printed.stream().allMatch(x -> x.test(s))) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * {@code -u} / {@code --status}: comma-separated ASSURED, SEEN_REPLY, FIXED_TIMEOUT, EXPECTED, OFFLOAD,
     * HW_OFFLOAD (each set; case-insensitive, a prefix enough) or UNREPLIED (SEEN_REPLY clear; upper case), as
     * conntrack reads them: {value, mask}; a connection passes when its status &amp; mask is value. UNSET is refused,
     * as the kernel refuses it.
     */
    static int[] status(String list) {
        int value = 0;
        int mask = 0;
        for (String word : list.split(",", -1)) {
            String w = word.toUpperCase(java.util.Locale.ROOT);
            if (w.isEmpty()) {
                throw new IllegalArgumentException("bad status " + word);
            } else if ("UNREPLIED".startsWith(word) && word.length() > 2) {
                // conntrack compares this one with its case
                mask |= Status.SEEN_REPLY;
            } else if ("UNSET".startsWith(w)) {
                throw new IllegalArgumentException("status UNSET: invalid parameters");
            } else {
                int bit = "ASSURED".startsWith(w) ? Status.ASSURED : "SEEN_REPLY".startsWith(w) ? Status.SEEN_REPLY
                    : "FIXED_TIMEOUT".startsWith(w) ? Status.FIXED_TIMEOUT : "EXPECTED".startsWith(w) ? Status.EXPECTED
                    : "OFFLOAD".startsWith(w) ? Status.OFFLOAD : "HW_OFFLOAD".startsWith(w) ? Status.HW_OFFLOAD : 0;
                if (bit == 0) {
                    throw new IllegalArgumentException("bad status " + word);
                }
                value |= bit;
                mask |= bit;
            }
        }
        return new int[] {value, mask};
    }

    /**
     * The connections whose zone shown in one place ({@code zone=} for {@link Zone#DIR_BOTH}, {@code zone-orig=},
     * {@code zone-reply=}) is {@code v}, 0 where that place shows none: conntrack's filter on that attribute.
     */
    private static Predicate<Connection> shownZone(int dir, String v) {
        int z = u16(v, "zone");
        return c -> (c.zoneDir() == dir ? c.zone() : 0) == z;
    }

    /** A 32-bit value, decimal or 0x hexadecimal. */
    static int u32(String v, String what) {
        try {
            long x = Long.decode(v);
            if (x >= 0 && x <= 0xffffffffL) {
                return (int) x;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("not a " + what + ": " + v);
    }
}
