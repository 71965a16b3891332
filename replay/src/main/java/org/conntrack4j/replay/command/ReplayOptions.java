package org.conntrack4j.replay.command;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.text.LabelMap;
import org.conntrack4j.core.text.Names;
import org.conntrack4j.replay.run.CaseSpec;
import org.conntrack4j.replay.run.Replay;
import org.conntrack4j.replay.run.ReplayException;
import org.conntrack4j.router.RouterInterface;
import org.conntrack4j.router.RouterSocket;
import org.conntrack4j.rules.nft.NftParser;

/**
 * The command line of {@code replay}: a case folder, or a capture with rules, interfaces and settings given
 * as options. Parsing errors are IllegalArgumentExceptions with a message for the user.
 */
final class ReplayOptions {
    Path caseDir;
    Path pcap;
    Path rules;
    Path out;
    String inIface;
    boolean quiet;
    /** Every row on the console, however many. */
    boolean verbose;
    /** Where to write the HTML report, or null. */
    Path report;
    boolean check;
    /** Write ctstate.tsv only (no events, table or egress). */
    boolean verdictsOnly;
    /** Adopt the recording kernel's random NAT ports: null for the default (on for a case folder, off for --pcap). */
    Boolean adoptRandom;
    /** Where the recording kernel's 4 ms ticks fell, in ns past each multiple; -1: the case's, else the default. */
    long tickPhaseNanos = -1;
    /** A connlabel.conf naming the labels to print, or null: each label by its number. */
    Path labels;
    final List<String> ifaces = new ArrayList<>();
    /** {@code --listen tcp:PORT|udp:PORT}: sockets of the router's own, for a plain capture. */
    final List<String> listens = new ArrayList<>();
    final Map<String, String> sysctls = new LinkedHashMap<>();
    /** {@code --map-iface RECORDED=ROUTER}: recorded interfaces (SLL2 index, pcapng name, number) to the router's. */
    final Map<String, String> mapIfaces = new LinkedHashMap<>();
    /** The {@code --iface} and {@code --listen} options parsed. */
    final List<RouterInterface> interfaces = new ArrayList<>();
    final List<RouterSocket> sockets = new ArrayList<>();

    /** Every option {@link #parse} takes, for the suggestion when one is mistyped. */
    static final List<String> OPTIONS = List.of("--out", "--pcap", "--rules", "--iface", "--in", "--listen", "--quiet",
        "--check", "--verdicts-only", "--adopt-random", "--no-adopt-random", "--tick-phase", "--labels", "--sysctl", "--map-iface",
        "--verbose", "--report");

    static ReplayOptions parse(String... args) {
        ReplayOptions o = new ReplayOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--out": o.out = Paths.get(value(args, ++i, a)); break;
                case "--pcap": o.pcap = Paths.get(value(args, ++i, a)); break;
                case "--rules": o.rules = Paths.get(value(args, ++i, a)); break;
                case "--iface": o.ifaces.add(value(args, ++i, a)); break;
                case "--in": o.inIface = value(args, ++i, a); break;
                case "--map-iface": o.mapIface(value(args, ++i, a)); break;
                case "--listen": o.listens.add(value(args, ++i, a)); break;
                case "--quiet": case "-q": o.quiet = true; break;
                case "--verbose": case "-v": o.verbose = true; break;
                case "--report": o.report = Paths.get(value(args, ++i, a)); break;
                case "--check": o.check = true; break;
                case "--verdicts-only": o.verdictsOnly = true; break;
                case "--adopt-random": o.adoptRandom = Boolean.TRUE; break;
                case "--no-adopt-random": o.adoptRandom = Boolean.FALSE; break;
                case "--tick-phase": o.tickPhaseNanos = tickPhase(value(args, ++i, a)); break;
                case "--labels": o.labels = Paths.get(value(args, ++i, a)); break;
                case "--sysctl": {
                    String kv = value(args, ++i, a);
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--sysctl wants NAME=VALUE, not " + kv);
                    }
                    o.sysctls.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
                    break;
                }
                default:
                    if (a.startsWith("-")) {
                        throw new IllegalArgumentException("unknown option " + a + Names.suggestion(a, OPTIONS));
                    }
                    if (o.caseDir != null) {
                        throw new IllegalArgumentException("one case folder only (also got " + a + ")");
                    }
                    o.caseDir = Paths.get(a);
            }
        }
        if (o.out == null) {
            throw new IllegalArgumentException("--out OUT_DIR is required");
        }
        if ((o.caseDir == null) == (o.pcap == null)) {
            throw new IllegalArgumentException("give either a case folder or --pcap FILE");
        }
        if (o.check && o.verdictsOnly) {
            throw new IllegalArgumentException("--check compares events and the table, which --verdicts-only does not write");
        }
        if (o.pcap != null && o.ifaces.isEmpty()) {
            throw new IllegalArgumentException("--pcap needs the router's interfaces: --iface NAME,MAC,NEIGHBOUR_MAC,ADDR/PREFIX...");
        }
        if (o.caseDir != null && (!o.ifaces.isEmpty() || o.rules != null || o.inIface != null || !o.listens.isEmpty()
            || !o.mapIfaces.isEmpty())) {
            throw new IllegalArgumentException("--iface, --rules, --in, --map-iface and --listen go with --pcap; a case"
                + " folder has its own");
        }
        // a topology that cannot be is a usage error (exit 2), found before anything is read
        for (String spec : o.ifaces) {
            try {
                o.interfaces.add(iface(spec));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--iface " + spec + ": " + e.getMessage(), e);
            }
        }
        if (o.inIface != null && o.interfaces.stream().noneMatch(r -> r.name().equals(o.inIface))) {
            throw new IllegalArgumentException("--in " + o.inIface + ": no such interface among --iface");
        }
        for (String l : o.listens) {
            try {
                o.sockets.add(RouterSocket.parse(l));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--listen " + l + ": " + e.getMessage(), e);
            }
        }
        for (Map.Entry<String, String> m : o.mapIfaces.entrySet()) {
            if (o.interfaces.stream().noneMatch(r -> r.name().equals(m.getValue()))) {
                throw new IllegalArgumentException("--map-iface " + m.getKey() + "=" + m.getValue() + ": no such interface"
                    + " among --iface");
            }
        }
        return o;
    }

    /** {@code RECORDED=ROUTER}; a recorded interface maps to one router interface only. */
    private void mapIface(String text) {
        int eq = text.lastIndexOf('=');
        if (eq <= 0 || eq == text.length() - 1) {
            throw new IllegalArgumentException("--map-iface wants RECORDED=ROUTER, not " + text);
        }
        String recorded = text.substring(0, eq);
        String previous = mapIfaces.put(recorded, text.substring(eq + 1));
        if (previous != null) {
            throw new IllegalArgumentException("--map-iface " + recorded + " given twice");
        }
    }

    /** Microseconds (fractions allowed) within the 4 ms tick of the replay's HZ. */
    static long tickPhase(String text) {
        double us;
        try {
            us = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--tick-phase wants microseconds, not " + text);
        }
        long tickUs = 1_000_000L / Replay.HZ;
        if (!(us >= 0 && us < tickUs)) {
            throw new IllegalArgumentException("--tick-phase " + text + " outside 0.." + tickUs + " microseconds");
        }
        return Math.round(us * 1000);
    }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length) {
            throw new IllegalArgumentException("option " + opt + " needs a value");
        }
        return args[i];
    }

    /** The replay's input, from the case folder or from the options. */
    CaseSpec spec() throws ReplayException {
        CaseSpec s = baseSpec();
        if (labels != null) {
            try {
                s = s.withLabels(LabelMap.read(labels));
            } catch (java.io.IOException e) {
                throw new ReplayException(labels + ": cannot read: " + e.getMessage(), ReplayException.INPUT, e);
            }
        }
        return adoptRandom == null ? s : s.withAdoptRandomPorts(adoptRandom);
    }

    private CaseSpec baseSpec() throws ReplayException {
        if (caseDir != null) {
            CaseSpec c = CaseSpec.load(caseDir);
            if (sysctls.isEmpty()) {
                return c;
            }
            Map<String, String> s = new LinkedHashMap<>(c.sysctls());
            s.putAll(sysctls);
            return new CaseSpec(c.name(), c.interfaces(), s, c.ruleset(), c.rulesetName(), c.capture(),
                c.defaultInterface(), c.tickPhaseNanos(), c.adoptRandomPorts(), c.tableAtNanos()).withSockets(c.sockets());
        }
        String text = null;
        if (rules != null) {
            try {
                text = NftParser.read(rules);
            } catch (java.io.IOException e) {
                throw new ReplayException(rules + ": cannot read: " + e.getMessage(), ReplayException.INPUT, e);
            }
        }
        if (!Files.isRegularFile(pcap)) {
            throw new ReplayException(pcap + ": no such capture file", ReplayException.INPUT);
        }
        String name = pcap.getFileName().toString().replaceFirst("\\.(pcapng|pcap)$", "");
        return new CaseSpec(name, interfaces, sysctls, text, rules == null ? null : rules.toString(), pcap, inIface)
            .withSockets(sockets).withInterfaceMap(mapIfaces);
    }

    /** {@code NAME,MAC,NEIGHBOUR_MAC,ADDR/PREFIX[,ADDR/PREFIX...][,mtu=N]}. */
    static RouterInterface iface(String spec) {
        String[] p = spec.split(",");
        if (p.length < 3) {
            throw new IllegalArgumentException("expected NAME,MAC,NEIGHBOUR_MAC,ADDR/PREFIX...");
        }
        int mtu = 1500;
        List<String> addrs = new ArrayList<>();
        for (int i = 3; i < p.length; i++) {
            if (p[i].startsWith("mtu=")) {
                try {
                    mtu = Integer.parseInt(p[i].substring(4));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad mtu " + p[i]);
                }
                if (mtu < 68 || mtu > 65535) {
                    throw new IllegalArgumentException("mtu " + mtu + " outside 68..65535");
                }
            } else {
                addrs.add(p[i]);
            }
        }
        return RouterInterface.of(p[0], p[1], p[2], mtu, addrs.toArray(new String[0]));
    }
}
