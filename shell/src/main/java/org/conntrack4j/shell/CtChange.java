package org.conntrack4j.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.conntrack4j.core.api.ConnLabels;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NewConnection;
import org.conntrack4j.core.api.ProtoInfo;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Zone;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.text.LabelMap;

/**
 * The options of {@code conntrack -I} and {@code -U}, read as conntrack 1.4.7 reads them: each command takes the
 * options its table of legal combinations allows ({@code commands_v_options}), a protocol's options only after
 * {@code -p}, and conntrack's words for what is missing or illegal. For {@code -I} they describe a connection
 * ({@link #newConnection}); for {@code -U} the addresses, protocol and ports select the connections and the rest
 * says what to change.
 */
final class CtChange {
    /** The generic options: their long name (as conntrack's messages name them) by every spelling. */
    private static final Map<String, String> GENERIC = Map.ofEntries(Map.entry("-s", "src"), Map.entry("--src", "src"),
        Map.entry("--orig-src", "src"), Map.entry("-d", "dst"), Map.entry("--dst", "dst"), Map.entry("--orig-dst", "dst"),
        Map.entry("-r", "reply-src"), Map.entry("--reply-src", "reply-src"), Map.entry("-q", "reply-dst"),
        Map.entry("--reply-dst", "reply-dst"), Map.entry("-p", "protonum"), Map.entry("--protonum", "protonum"),
        Map.entry("-t", "timeout"), Map.entry("--timeout", "timeout"), Map.entry("-u", "status"),
        Map.entry("--status", "status"), Map.entry("-z", "zero"), Map.entry("--zero", "zero"),
        Map.entry("-e", "event-mask"), Map.entry("--event-mask", "event-mask"), Map.entry("--tuple-src", "tuple-src"),
        Map.entry("--tuple-dst", "tuple-dst"), Map.entry("--mask-src", "mask-src"), Map.entry("--mask-dst", "mask-dst"),
        Map.entry("-m", "mark"), Map.entry("--mark", "mark"), Map.entry("-i", "id"), Map.entry("--id", "id"),
        Map.entry("-f", "family"), Map.entry("--family", "family"), Map.entry("-n", "src-nat"),
        Map.entry("--src-nat", "src-nat"), Map.entry("-g", "dst-nat"), Map.entry("--dst-nat", "dst-nat"),
        Map.entry("-o", "output"), Map.entry("--output", "output"), Map.entry("-c", "secmark"),
        Map.entry("--secmark", "secmark"), Map.entry("-b", "buffer-size"), Map.entry("--buffer-size", "buffer-size"),
        Map.entry("-j", "any-nat"), Map.entry("--any-nat", "any-nat"), Map.entry("-w", "zone"), Map.entry("--zone", "zone"),
        Map.entry("-l", "label"), Map.entry("--label", "label"), Map.entry("--label-add", "label-add"),
        Map.entry("--label-del", "label-del"), Map.entry("--orig-zone", "orig-zone"),
        Map.entry("--reply-zone", "reply-zone"));
    /** Options that take no value, or an optional one ({@code --label-del}, {@code -n}, {@code -g}, {@code -j}). */
    private static final Set<String> NO_VALUE = Set.of("zero", "label-del", "src-nat", "dst-nat", "any-nat");
    /** What {@code -I} allows, from conntrack's table (1: required, 2: optional); the rest is illegal. */
    private static final Map<String, Integer> CREATE = Map.ofEntries(Map.entry("protonum", 1), Map.entry("timeout", 1),
        Map.entry("status", 2), Map.entry("mark", 2), Map.entry("src-nat", 2), Map.entry("dst-nat", 2),
        Map.entry("zone", 2), Map.entry("label-add", 2), Map.entry("orig-zone", 2), Map.entry("reply-zone", 2));
    /** What {@code -U} allows. */
    private static final Set<String> UPDATE = Set.of("protonum", "timeout", "status", "mask-src", "mask-dst", "mark",
        "id", "family", "src-nat", "dst-nat", "output", "label", "label-add", "label-del");
    /** conntrack's order of the generic options, in which it reports the first missing or illegal one. */
    private static final List<String> ORDER = List.of("src", "dst", "reply-src", "reply-dst", "protonum", "timeout",
        "status", "zero", "event-mask", "tuple-src", "tuple-dst", "mask-src", "mask-dst", "nat-range", "mark", "id",
        "family", "src-nat", "dst-nat", "output", "secmark", "buffer-size", "any-nat", "zone", "label", "label-add",
        "label-del", "orig-zone", "reply-zone");
    /** conntrack's TCP state names, in Linux's numbering. */
    private static final List<String> TCP_STATES = List.of("NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
        "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2");
    /** {@code IP_CT_TCP_FLAG_*} conntrack sets on both sides of a TCP connection it creates. */
    private static final int TCP_BE_LIBERAL_SACK_PERM = 0x08 | 0x02;
    private static final int TCP_CLOSE_INIT = 0x04;

    private final boolean create;
    /** The values given, by long name (the generic options and the protocol's). */
    final Map<String, String> given = new java.util.LinkedHashMap<>();
    private int proto = -1;
    private int family;
    private final Tuple orig = new Tuple();
    private final Tuple reply = new Tuple();
    /** -o extended / id / labels / xml, for what -U prints. */
    boolean extended;
    boolean showId;
    boolean labels;
    boolean xml;

    private CtChange(boolean create) {
        this.create = create;
    }

    /** {@code conntrack -I}'s options. */
    static CtChange create(String... args) {
        return parse(true, args);
    }

    /** {@code conntrack -U}'s options. */
    static CtChange update(String... args) {
        return parse(false, args);
    }

    private static CtChange parse(boolean create, String... args) {
        CtChange c = new CtChange(create);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = GENERIC.get(a);
            if (name == null) {
                name = c.protoOption(a);
            }
            if (name == null) {
                throw new IllegalArgumentException("unknown option `" + a + "'");
            }
            String v = "";
            if (!NO_VALUE.contains(name)) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option `" + a + "' requires an argument");
                }
                v = args[++i];
            } else if (i + 1 < args.length && !args[i + 1].startsWith("-")) {
                v = args[++i];
            }
            if (name.equals("protonum")) {
                c.proto = CtFilter.proto(v);
            }
            if (name.equals("label") || name.equals("label-add") || name.equals("label-del")) {
                // conntrack joins repeated label options into one set
                String before = c.given.get(name);
                v = before == null || before.isEmpty() ? v : v.isEmpty() ? before : before + "," + v;
            }
            c.given.put(name, v);
        }
        c.check();
        return c;
    }

    /** The long name of a protocol option of the {@code -p} given so far, or null. */
    private String protoOption(String a) {
        if (ports(proto)) {
            switch (a) {
                case "--sport": case "--orig-port-src": return "sport";
                case "--dport": case "--orig-port-dst": return "dport";
                case "--reply-port-src": return "reply-port-src";
                case "--reply-port-dst": return "reply-port-dst";
                case "--mask-port-src": return "mask-port-src";
                case "--mask-port-dst": return "mask-port-dst";
                case "--tuple-port-src": return "tuple-port-src";
                case "--tuple-port-dst": return "tuple-port-dst";
                case "--state": return proto == IpProto.UDP || proto == IpProto.UDPLITE ? null : "state";
                default: return null;
            }
        }
        String p = proto == IpProto.ICMP ? "--icmp-" : proto == IpProto.ICMPV6 ? "--icmpv6-" : null;
        if (p != null && a.startsWith(p)) {
            String f = a.substring(p.length());
            return f.equals("type") || f.equals("code") || f.equals("id") ? "icmp-" + f : null;
        }
        return null;
    }

    private static boolean ports(int proto) {
        return proto == IpProto.TCP || proto == IpProto.UDP || proto == IpProto.UDPLITE || proto == IpProto.SCTP
            || proto == 33;
    }

    /** conntrack's checks, in its order, with its words; then the values. */
    private void check() {
        for (String o : ORDER) {
            boolean has = given.containsKey(o);
            boolean src = o.equals("src") || o.equals("dst") || o.equals("reply-src") || o.equals("reply-dst");
            int rule = src ? 3 : create ? CREATE.getOrDefault(o, 0) : UPDATE.contains(o) ? 2 : 0;
            if (src && !create) {
                rule = 2;
            }
            if (!has && rule == 1) {
                throw new IllegalArgumentException("You need to supply the `--" + o + "' option for this command");
            }
            if (has && rule == 0) {
                throw new IllegalArgumentException("Illegal option `--" + o + "' with this command");
            }
        }
        boolean origGiven = given.containsKey("src") && given.containsKey("dst");
        boolean replyGiven = given.containsKey("reply-src") && given.containsKey("reply-dst");
        if (create && !origGiven && !replyGiven) {
            throw new IllegalArgumentException("you have to specify `--src' and `--dst'");
        }
        // the protocol's own check (final_check)
        if (create && ports(proto)) {
            if (proto == IpProto.TCP && !given.containsKey("state")) {
                throw new IllegalArgumentException("You need to supply the `--state' option for this command");
            }
            boolean o = given.containsKey("sport") && given.containsKey("dport");
            boolean r = given.containsKey("reply-port-src") && given.containsKey("reply-port-dst");
            if (!o && !r) {
                throw new IllegalArgumentException("you have to specify `--sport' and `--dport'");
            }
        }
        if (create && (proto == IpProto.ICMP || proto == IpProto.ICMPV6)) {
            String p = proto == IpProto.ICMP ? "icmp" : "icmpv6";
            for (String f : List.of("type", "code")) {
                if (!given.containsKey("icmp-" + f)) {
                    throw new IllegalArgumentException("You need to supply the `--" + p + "-" + f
                        + "' option for this command");
                }
            }
        }
        for (String unsupported : List.of("src-nat", "dst-nat", "mask-src", "mask-dst", "id", "mask-port-src",
            "mask-port-dst", "tuple-port-src", "tuple-port-dst")) {
            if (given.containsKey(unsupported)) {
                throw new IllegalArgumentException("option --" + unsupported + " is not supported by conntrack4j");
            }
        }
        if (!create && given.containsKey("state")) {
            throw new IllegalArgumentException("option --state is not supported by conntrack4j with this command");
        }
        String fam = given.get("family");
        if (fam != null) {
            family = fam.equals("ipv4") ? Family.IPV4 : fam.equals("ipv6") ? Family.IPV6 : -1;
            if (family < 0) {
                throw new IllegalArgumentException("`" + fam + "' is not a valid family");
            }
        }
        address(orig, true, "src");
        address(orig, false, "dst");
        address(reply, true, "reply-src");
        address(reply, false, "reply-dst");
        if (family == 0) {
            family = Family.IPV4;
        }
        String out = given.get("output");
        if (out != null) {
            for (String o : out.split(",")) {
                switch (o.trim()) {
                    case "extended": extended = true; break;
                    case "id": showId = true; break;
                    case "labels": labels = true; break;
                    case "xml": xml = true; break;
                    case "timestamp": case "userspace": break;
                    default: throw new IllegalArgumentException("unknown output option " + o);
                }
            }
        }
    }

    private void address(Tuple t, boolean src, String option) {
        String text = given.get(option);
        if (text == null) {
            return;
        }
        int fam = text.indexOf(':') >= 0 ? Family.IPV6 : Family.IPV4;
        if (family != 0 && family != fam) {
            throw new IllegalArgumentException("mismatched address family: " + text);
        }
        family = fam;
        long hi = 0;
        long lo;
        if (fam == Family.IPV6) {
            long[] a = Addr.parseV6(text);
            hi = a[0];
            lo = a[1];
        } else {
            lo = Addr.parseV4(text) & 0xffffffffL;
        }
        if (src) {
            t.srcHi = hi;
            t.srcLo = lo;
        } else {
            t.dstHi = hi;
            t.dstLo = lo;
        }
    }

    /** {@code -I}: the connection the options describe; {@code labelMap} names the labels of {@code --label-add}. */
    NewConnection newConnection(LabelMap labelMap) {
        boolean hasOrig = given.containsKey("src");
        boolean hasReply = given.containsKey("reply-src");
        orig.family = family;
        orig.proto = proto;
        reply.family = family;
        reply.proto = proto;
        if (ports(proto)) {
            orig.srcPort = u16("sport");
            orig.dstPort = u16("dport");
            reply.srcPort = u16("reply-port-src");
            reply.dstPort = u16("reply-port-dst");
        } else if (proto == IpProto.ICMP || proto == IpProto.ICMPV6) {
            orig.icmp(u16("icmp-id"), u8("icmp-type"), u8("icmp-code"));
        }
        Tuple o = orig;
        Tuple r = hasReply ? reply : null;
        if (!hasOrig) {
            // only the reply given: the original is its inverse, as conntrack sets it up
            o = new Tuple();
            o.copyFrom(reply);
            o.invertL3(reply);
            o.srcPort = reply.dstPort;
            o.dstPort = reply.srcPort;
        }
        NewConnection c = NewConnection.of(o, timeoutSeconds());
        if (r != null) {
            c = c.withReply(r);
        }
        if (given.containsKey("status")) {
            c = c.withStatus(CtFilter.status(given.get("status"))[0]);
        }
        if (given.containsKey("mark")) {
            c = c.withMark(mark()[0]);
        }
        c = c.withZone(zone());
        if (given.containsKey("label-add")) {
            long[] bits = labelBits(given.get("label-add"), labelMap);
            c = c.withLabels(bits[0], bits[1]);
        }
        if (given.containsKey("state")) {
            int st = TCP_STATES.indexOf(given.get("state"));
            if (proto != IpProto.TCP || st < 0) {
                throw new IllegalArgumentException("unknown " + (proto == IpProto.TCP ? "TCP" : "protocol")
                    + " state " + given.get("state"));
            }
            int flags = TCP_BE_LIBERAL_SACK_PERM | (st >= TCP_STATES.indexOf("TIME_WAIT") ? TCP_CLOSE_INIT : 0);
            c = c.withProtoInfo(ProtoInfo.state(st).withTcpFlags(flags, flags));
        }
        return c;
    }

    /** The zone of {@code --zone}, {@code --orig-zone}, {@code --reply-zone}, packed as {@link Zone} packs it. */
    private int zone() {
        if (given.containsKey("zone")) {
            return u16("zone");
        }
        if (given.containsKey("orig-zone")) {
            return Zone.template(u16("orig-zone"), Zone.DIR_ORIGINAL) & ~Zone.TEMPLATE;
        }
        if (given.containsKey("reply-zone")) {
            return Zone.template(u16("reply-zone"), Zone.DIR_REPLY) & ~Zone.TEMPLATE;
        }
        return 0;
    }

    /** {@code -t}: seconds, or -1 when not given. */
    long timeoutSeconds() {
        String v = given.get("timeout");
        if (v == null) {
            return -1;
        }
        try {
            long t = Long.parseLong(v);
            if (t >= 0 && t <= 0xffffffffL) {
                return t;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("not a timeout: " + v);
    }

    /** {@code -m VALUE[/MASK]}: {value, mask}, the mask all ones when not given. */
    int[] mark() {
        String v = given.get("mark");
        int slash = v.indexOf('/');
        return new int[] {u32(slash < 0 ? v : v.substring(0, slash)), slash < 0 ? -1 : u32(v.substring(slash + 1))};
    }

    /** The bits of a comma-separated list of label names, {lo, hi}. */
    static long[] labelBits(String list, LabelMap map) {
        long[] bits = new long[2];
        for (String name : list.split(",")) {
            int bit = -1;
            for (int i = 0; map != null && i < ConnLabels.BITS && map.name(i) != null; i++) {
                if (map.name(i).equals(name)) {
                    bit = i;
                    break;
                }
            }
            if (bit < 0) {
                throw new IllegalArgumentException("unknown label '" + name + "'");
            }
            bits[ConnLabels.word(bit)] |= ConnLabels.mask(bit);
        }
        return bits;
    }

    /**
     * {@code -U}: the connections it selects: conntrack compares the addresses given and, with an original
     * address given, the protocol and ports of the original tuple; here the protocol and ports select also
     * without one. {@code -f} (or the addresses' family) keeps one family only when given.
     */
    Predicate<Connection> selection(LabelMap labelMap) {
        List<Predicate<Connection>> tests = new ArrayList<>();
        boolean famGiven = given.containsKey("family") || given.containsKey("src") || given.containsKey("dst")
            || given.containsKey("reply-src") || given.containsKey("reply-dst");
        int fam = family;
        if (famGiven) {
            tests.add(c -> c.family() == fam);
        }
        addressTest(tests, "src", Direction.ORIGINAL, true, orig);
        addressTest(tests, "dst", Direction.ORIGINAL, false, orig);
        addressTest(tests, "reply-src", Direction.REPLY, true, reply);
        addressTest(tests, "reply-dst", Direction.REPLY, false, reply);
        if (proto >= 0) {
            int p = proto;
            tests.add(c -> c.protocol() == p);
        }
        if (given.containsKey("sport")) {
            int v = u16("sport");
            tests.add(c -> c.srcPort(Direction.ORIGINAL) == v);
        }
        if (given.containsKey("dport")) {
            int v = u16("dport");
            tests.add(c -> c.dstPort(Direction.ORIGINAL) == v);
        }
        if (given.containsKey("reply-port-src")) {
            int v = u16("reply-port-src");
            tests.add(c -> c.srcPort(Direction.REPLY) == v);
        }
        if (given.containsKey("reply-port-dst")) {
            int v = u16("reply-port-dst");
            tests.add(c -> c.dstPort(Direction.REPLY) == v);
        }
        if (given.containsKey("label")) {
            long[] want = labelBits(given.get("label"), labelMap);
            tests.add(c -> (c.labelsLo() & want[0]) == want[0] && (c.labelsHi() & want[1]) == want[1]);
        }
        return c -> tests.stream().allMatch(t -> t.test(c));
    }

    private void addressTest(List<Predicate<Connection>> tests, String option, int dir, boolean src, Tuple t) {
        if (!given.containsKey(option)) {
            return;
        }
        long hi = src ? t.srcHi : t.dstHi;
        long lo = src ? t.srcLo : t.dstLo;
        tests.add(c -> src ? c.srcHi(dir) == hi && c.srcLo(dir) == lo : c.dstHi(dir) == hi && c.dstLo(dir) == lo);
    }

    /** A 16-bit value of an option, 0 when not given. */
    private int u16(String option) {
        String v = given.get(option);
        if (v == null) {
            return 0;
        }
        return CtFilter.u16(v, "value for --" + option);
    }

    private int u8(String option) {
        int v = u16(option);
        if (v > 255) {
            throw new IllegalArgumentException("invalid value for --" + option + ": " + v);
        }
        return v;
    }

    private static int u32(String v) {
        return CtFilter.u32(v, "mark");
    }
}
