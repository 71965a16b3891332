package org.conntrack4j.shell;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.text.LabelMap;

/**
 * The connection filters of {@code conntrack -L/-D}: {@code -s/--src}, {@code -d/--dst} (original
 * direction), {@code -r/--reply-src}, {@code -q/--reply-dst}, {@code -p/--proto}, {@code --sport},
 * {@code --dport}, {@code -m/--mark}, {@code -f/--family}, plus {@code -o} output options.
 */
final class CtFilter {
    private final List<Predicate<Connection>> tests = new ArrayList<>();
    boolean extended;
    boolean showId;
    /** {@code -o labels}: labels by name, through {@link #labelMap}. */
    boolean labels;

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
                        case "timestamp": case "ktimestamp": case "xml": case "save": case "userspace":
                            break;
                        default: throw new IllegalArgumentException("unknown output option " + o);
                    }
                }
                continue;
            }
            String v = value(args, ++i, a);
            switch (a) {
                case "-s": case "--src": case "--orig-src": f.address(Direction.ORIGINAL, true, v); break;
                case "-d": case "--dst": case "--orig-dst": f.address(Direction.ORIGINAL, false, v); break;
                case "-r": case "--reply-src": f.address(Direction.REPLY, true, v); break;
                case "-q": case "--reply-dst": f.address(Direction.REPLY, false, v); break;
                case "-p": case "--proto": {
                    int p = proto(v);
                    f.tests.add(c -> c.protocol() == p);
                    break;
                }
                case "--sport": case "--orig-port-src": {
                    int p = port(v);
                    f.tests.add(c -> c.srcPort(Direction.ORIGINAL) == p);
                    break;
                }
                case "--dport": case "--orig-port-dst": {
                    int p = port(v);
                    f.tests.add(c -> c.dstPort(Direction.ORIGINAL) == p);
                    break;
                }
                case "-m": case "--mark": {
                    long m = Long.decode(v);
                    f.tests.add(c -> (c.mark() & 0xffffffffL) == m);
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

    private static int proto(String v) {
        switch (v.toLowerCase()) {
            case "tcp": return IpProto.TCP;
            case "udp": return IpProto.UDP;
            case "udplite": return IpProto.UDPLITE;
            case "icmp": return IpProto.ICMP;
            case "icmpv6": return IpProto.ICMPV6;
            case "sctp": return IpProto.SCTP;
            case "gre": return IpProto.GRE;
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

    private static int port(String v) {
        try {
            int p = Integer.parseInt(v);
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("not a port: " + v);
    }

    /** The filter as a predicate (null when there is none: everything passes). */
    Predicate<Connection> predicate() {
        if (tests.isEmpty()) {
            return null;
        }
        List<Predicate<Connection>> t = List.copyOf(tests);
        return c -> t.stream().allMatch(x -> x.test(c));
    }
}
