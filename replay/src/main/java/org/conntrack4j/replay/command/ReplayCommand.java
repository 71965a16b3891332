package org.conntrack4j.replay.command;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.conntrack4j.command.Output;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.text.Names;
import org.conntrack4j.replay.compare.CaseComparison;
import org.conntrack4j.replay.compare.ComparisonResult;
import org.conntrack4j.replay.report.HtmlReport;
import org.conntrack4j.replay.run.CaseSpec;
import org.conntrack4j.replay.run.FatalErrors;
import org.conntrack4j.replay.run.PacketConnections;
import org.conntrack4j.replay.run.Replay;
import org.conntrack4j.replay.run.ReplayException;
import org.conntrack4j.replay.run.ReplayReport;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.rules.RulesetInstallException;
import org.conntrack4j.rules.Rulesets;
import org.conntrack4j.rules.nft.Ruleset;
import org.conntrack4j.rules.nft.RulesetParseException;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code replay}: runs a capture through a fresh engine built from the trackers, helpers and extensions
 * installed in the framework, and writes the outputs. Returns the exit status: 0 done, 1 disagreement with
 * the kernel under {@code --check}, 2 usage, 3 bad input, 4 ruleset outside the subset or needing a bundle
 * that is not installed, 5 fatal: out of memory or internal error, in the replay or in any other thread of the
 * process while it runs (one line naming it; the outputs hold what was processed before it).
 */
@GogoCommand(scope = "conntrack4j", function = "replay")
@Component(service = ReplayCommand.class)
public final class ReplayCommand {
    static final int OK = 0;
    static final int DISAGREES = 1;
    static final int USAGE = 2;
    static final int FATAL = ReplayException.FATAL;

    /** The frames whose connection the HTML report knows (the first ones): bounds its memory. */
    static final int REPORT_FRAMES = 1_000_000;

    @Reference
    ConntrackFactory factory;

    @Reference
    Rulesets rulesets;

    @Descriptor("replay a kernel case folder (or --pcap with --rules and --iface) into --out DIR")
    public int replay(CommandSession session, @Descriptor("CASE_DIR --out DIR [--quiet] [--check] | --pcap FILE "
        + "--rules FILE --iface SPEC... [--in IFACE] [--map-iface RECORDED=ROUTER]... [--sysctl NAME=VALUE]... --out DIR; "
        + "[--tick-phase MICROS] [--labels CONNLABEL_CONF] [--verdicts-only] [--verbose] [--report FILE.html]")
        String... args) {
        // the command's own output: a pipe or redirection when there is one (replay ... | grep NEW)
        PrintStream out = Output.of(session);
        PrintStream err = System.err;
        ReplayOptions o;
        try {
            o = ReplayOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("replay: " + e.getMessage());
            err.println("usage: replay CASE_DIR --out OUT_DIR [--quiet] [--check] [--tick-phase MICROS] [--no-adopt-random]"
                + " [--labels CONNLABEL_CONF] [--verdicts-only] [--verbose] [--report FILE.html]");
            err.println("       replay --pcap FILE [--rules FILE] --iface NAME,MAC,NEIGHBOUR_MAC,ADDR/PREFIX[,...][,mtu=N]"
                + "... [--in IFACE] [--map-iface RECORDED=ROUTER]... [--listen tcp|udp:PORT]... [--sysctl NAME=VALUE]..."
                + " [--tick-phase MICROS] [--adopt-random] [--verdicts-only] [--verbose] [--report FILE.html] --out OUT_DIR");
            return USAGE;
        }
        try (FatalErrors fatal = FatalErrors.install()) {
            try {
                Files.createDirectories(o.out);
                if (!Files.isWritable(o.out)) {
                    throw new AccessDeniedException(o.out.toString());
                }
            } catch (IOException e) {
                err.println("replay: --out " + o.out + ": cannot write there: " + problem(e));
                return ReplayException.INPUT;
            }
            CaseSpec spec = o.spec();
            Map<String, String> ignored = new TreeMap<>();
            PacketConnections connections = o.report == null ? null : new PacketConnections(REPORT_FRAMES);
            ReplayReport r = Replay.run(spec, o.out, (name, clock, sysctls) -> {
                Conntrack net;
                try {
                    net = factory.create(name, clock, sysctls, true);
                } catch (IllegalArgumentException e) {
                    throw new ReplayException(spec.name() + ": " + e.getMessage(), ReplayException.INPUT);
                }
                // a name given on the command line must be one the engine knows: a typo is not silently ignored
                for (String given : o.sysctls.keySet()) {
                    if (net.settings().key(given) == null && !CoreSettings.READ_ONLY.contains(Names.setting(given))) {
                        net.close();
                        throw new ReplayException("--sysctl " + given + ": unknown sysctl"
                            + Names.suggestion(Names.setting(given), net.settings().active().keySet()), USAGE);
                    }
                }
                for (Map.Entry<String, String> s : sysctls.entrySet()) {
                    String k = Names.setting(s.getKey());
                    // Only conntrack's own sysctls matter; the read-only count is not a setting.
                    if (k.startsWith("nf_conntrack_") && !k.equals("nf_conntrack_count") && net.settings().key(k) == null) {
                        ignored.put(k, s.getValue());
                    }
                }
                return net;
            }, (net, text, source) -> install(net, text, source), o.quiet || System.console() == null ? null : err,
                o.tickPhaseNanos, o.verdictsOnly, fatal, connections);
            if (!o.quiet) {
                print(out, r, o.out, o.verdictsOnly, o.verbose);
            }
            if (!ignored.isEmpty() && !o.quiet) {
                err.println("replay: note: no installed bundle uses " + String.join(", ", ignored.keySet())
                    + " (ignored)");
            }
            for (String w : r.warnings()) {
                err.println("replay: warning: " + w);
            }
            int status = OK;
            if (r.noFrameMapped()) {
                err.println("replay: no frame came from an interface of the router: map the recorded ones with"
                    + " --map-iface RECORDED=ROUTER");
                status = USAGE;
            }
            if (r.captureProblem() != null) {
                err.println("replay: " + r.captureProblem() + " (the " + r.frames() + " frames before it were replayed)");
                status = ReplayException.INPUT;
            }
            if (o.caseDir != null && !o.verdictsOnly && Files.isRegularFile(o.caseDir.resolve("ctstate.tsv"))) {
                ComparisonResult cmp = CaseComparison.compare(o.caseDir, o.out);
                out.println();
                out.println("agreement with the kernel (" + o.caseDir + "):");
                out.println(cmp.render());
                if (o.check && !cmp.ok() && status == OK) {
                    status = DISAGREES;
                }
            }
            out.println("outputs: " + o.out);
            if (o.report != null) {
                try {
                    int shown = HtmlReport.write(o.report, r.caseName(), o.out,
                        o.caseDir == null ? null : o.caseDir.resolve("ctstate.tsv"), connections);
                    out.println("report: " + o.report + " (" + shown + " connection" + (shown == 1 ? "" : "s") + ")");
                } catch (IOException e) {
                    err.println("replay: --report " + o.report + ": cannot write there: " + problem(e));
                    return status == OK ? ReplayException.INPUT : status;
                }
            }
            return status;
        } catch (ReplayException e) {
            err.println("replay: " + e.getMessage());
            return e.exitStatus();
        } catch (IOException e) {
            err.println("replay: " + (e instanceof FileSystemException f && f.getFile() != null ? f.getFile() + ": " : "")
                + problem(e));
            return ReplayException.INPUT;
        } catch (RuntimeException | Error e) {
            // outside the packet loop (which says how far it got): still one line, and the fatal status
            err.println("replay: fatal: " + FatalErrors.describe(e));
            return FATAL;
        }
    }

    /** An I/O failure in words, without the exception's class: what the system said, or what kind of failure. */
    static String problem(IOException e) {
        if (e instanceof FileSystemException f) {
            if (f.getReason() != null) {
                return f.getReason().toLowerCase(java.util.Locale.ROOT);
            }
            if (e instanceof NoSuchFileException) {
                return "no such file or directory";
            }
            if (e instanceof AccessDeniedException) {
                return "permission denied";
            }
            if (e instanceof FileAlreadyExistsException) {
                return "a file is in the way";
            }
            if (e instanceof NotDirectoryException) {
                return "not a directory";
            }
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private org.conntrack4j.core.api.Registration install(org.conntrack4j.core.api.Conntrack net, String text,
        String source) throws ReplayException {
        try {
            Ruleset rs = rulesets.parse(source, text);
            InstalledRuleset installed = rulesets.install(net, rs);
            return installed;
        } catch (RulesetParseException e) {
            throw new ReplayException(e.getMessage(), ReplayException.RULESET, e);
        } catch (RulesetInstallException e) {
            throw new ReplayException(e.getMessage(), ReplayException.RULESET, e);
        }
    }

    /** Above this many packets the console gets a summary of the rows instead of each one, unless {@code --verbose}. */
    static final int ROWS_SHOWN_UP_TO = 1000;
    /** Distinct fates counted in that summary; the others are counted together. */
    private static final int FATES_COUNTED = 1000;
    /** Fates listed in it, the most frequent first. */
    private static final int FATES_LISTED = 25;

    /**
     * The summary, then the rows (each, or their summary above {@link #ROWS_SHOWN_UP_TO} without {@code verbose}) and the
     * table, read back from the outputs (memory does not grow with them).
     */
    private static void print(PrintStream out, ReplayReport r, Path dir, boolean verdictsOnly, boolean verbose)
        throws IOException {
        out.println("replay " + r.caseName() + ": " + r.frames() + " packets, " + r.egressFrames() + " sent, "
            + r.events() + " events" + (r.expectEvents() > 0 ? ", " + r.expectEvents() + " expectation events" : "")
            + ", " + r.elapsedNanos() / 1_000_000 + " ms");
        if (r.adoptedRandomPorts()) {
            out.println("NAT ports the recording kernel picked at random are adopted: replies to them are renamed to"
                + " this replay's picks (--no-adopt-random turns this off)");
        }
        out.println();
        if (r.frames() > ROWS_SHOWN_UP_TO && !verbose) {
            summarize(out, r, dir);
        } else {
            printRows(out, dir);
        }
        if (verdictsOnly) {
            return;
        }
        out.println();
        out.println("table (conntrack -L -o extended,id) after the last packet:");
        // with the summary, the table's first lines and a count of the others (they are all in table.txt)
        long shown = r.frames() > ROWS_SHOWN_UP_TO && !verbose ? TABLE_LINES_WITH_SUMMARY : Long.MAX_VALUE;
        long lines = 0;
        try (BufferedReader in = Files.newBufferedReader(dir.resolve("table.txt"), StandardCharsets.UTF_8)) {
            String l;
            while ((l = in.readLine()) != null) {
                if (lines++ < shown) {
                    out.println(l);
                }
            }
        }
        if (lines > shown) {
            out.println(String.format(java.util.Locale.ROOT, "(%,d more in %s; --verbose prints them here)",
                lines - shown, dir.resolve("table.txt")));
        }
    }

    /** Connections of the table printed with the summary. */
    static final int TABLE_LINES_WITH_SUMMARY = 20;

    /** Each row of {@code ctstate.tsv}: the packet and its fate, conntrack's reason under it. */
    private static void printRows(PrintStream out, Path dir) throws IOException {
        StringBuilder sb = new StringBuilder(256);
        out.println(columns(sb, "idx", "iface", "ct state", "dir", "packet -> fate / reason"));
        eachRow(dir, c -> {
            out.println(columns(sb, c[0], c[2], c[3], c[4], c.length > 7 ? c[5] + "  -> " + c[7] : c[5]));
            if (c.length > 6 && !c[6].equals("-")) {
                out.println(columns(sb, "", "", "", "", "  " + c[6]));
            }
        });
    }

    /** Calls {@code each} with the cells of every row of {@code ctstate.tsv} in {@code dir} (a line at a time). */
    private static void eachRow(Path dir, java.util.function.Consumer<String[]> each) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(dir.resolve("ctstate.tsv"), StandardCharsets.UTF_8)) {
            in.readLine();
            String row;
            while ((row = in.readLine()) != null) {
                String[] c = row.split("\t", -1);
                if (c.length >= 6) {
                    each.accept(c);
                }
            }
        }
    }

    /** Packets per ct state and direction, and per fate (the most frequent first), instead of every row. */
    private static void summarize(PrintStream out, ReplayReport r, Path dir) throws IOException {
        Map<String, long[]> states = new TreeMap<>();
        Map<String, long[]> fates = new java.util.HashMap<>();
        long[] otherFates = {0};
        eachRow(dir, c -> {
            states.computeIfAbsent(c[3] + " " + c[4], k -> new long[1])[0]++;
            String fate = c.length > 7 ? c[7] : "-";
            long[] n = fates.get(fate);
            if (n == null && fates.size() >= FATES_COUNTED) {
                otherFates[0]++;
                return;
            }
            if (n == null) {
                fates.put(fate, n = new long[1]);
            }
            n[0]++;
        });
        out.println(String.format(java.util.Locale.ROOT, "%,d packets (each one's row: ctstate.tsv in %s;"
            + " --verbose prints them here)", r.frames(), dir));
        out.println("by ct state and direction:");
        states.forEach((k, v) -> out.println(String.format(java.util.Locale.ROOT, "  %,12d  %s", v[0], k)));
        out.println("by fate:");
        List<Map.Entry<String, long[]>> byCount = new java.util.ArrayList<>(fates.entrySet());
        byCount.sort((a, b) -> a.getValue()[0] != b.getValue()[0] ? Long.compare(b.getValue()[0], a.getValue()[0])
            : a.getKey().compareTo(b.getKey()));
        long rest = otherFates[0];
        for (int i = 0; i < byCount.size(); i++) {
            if (i < FATES_LISTED) {
                out.println(String.format(java.util.Locale.ROOT, "  %,12d  %s", byCount.get(i).getValue()[0],
                    byCount.get(i).getKey()));
            } else {
                rest += byCount.get(i).getValue()[0];
            }
        }
        if (rest > 0) {
            out.println(String.format(java.util.Locale.ROOT, "  %,12d  (other fates)", rest));
        }
    }

    /** {@code "%5s  %-5s %-12s %-9s %s"} without a formatter per row. */
    private static String columns(StringBuilder sb, String idx, String iface, String state, String dir, String text) {
        sb.setLength(0);
        pad(sb, idx, 5, true).append("  ");
        pad(sb, iface, 5, false).append(' ');
        pad(sb, state, 12, false).append(' ');
        pad(sb, dir, 9, false).append(' ');
        return sb.append(text).toString();
    }

    private static StringBuilder pad(StringBuilder sb, String s, int width, boolean right) {
        if (!right) {
            sb.append(s);
        }
        for (int i = s.length(); i < width; i++) {
            sb.append(' ');
        }
        return right ? sb.append(s) : sb;
    }
}
