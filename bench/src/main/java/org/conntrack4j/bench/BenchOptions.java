package org.conntrack4j.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The {@code bench} command line, with the defaults (about a minute on 2 cores; {@code --quick} about 10 s). */
public final class BenchOptions {
    public static final String USAGE = String.join("\n",
        "usage: bench [--quick] [--workload A|B|C|R|replay|sync|all[,...]] [--threads 1,2] [--batch 32,1] [--runs N]",
        "             [--packets N] [--conns N[,...]] [--zones N] [--iterations N] [--warmup N]",
        "             [--memory-conns N] [--pairs N] [--payload N] [--replay-kinds K[,...]] [--warm-only]",
        "  --quick          small sizes and fewer runs (about 10 s)",
        "  --workload       A: one UDP flow per thread (OVS benchmark N_THREADS N_PKTS BATCH)",
        "                   B: many flows in zones (OVS benchmark-zones N_CONNS N_ZONES ITERATIONS)",
        "                   C: heap per connection, TCP established path (plain, masquerade), 1->2 thread scaling",
        "                   R: conntrack4j as a router beside the kernel on veth pairs in namespaces it makes",
        "                      (64-byte UDP frames/s and TCP with iperf3, CPU per frame; root, iperf3, nftables;",
        "                      not in all: run it as bench --workload R)",
        "                   replay: the replay command end to end on a generated capture of 1,000,000 frames",
        "                      (40,000 TCP and 90,000 UDP flows, ct state ruleset, alone and with masquerade;",
        "                      frames/s, process CPU per frame, warm and in a new JVM; not in all)",
        "                   sync: two sync nodes on their own engines, FTFW over UDP on loopback (datagrams",
        "                      cut for MTU 1500): --conns connections (default 100000, quick 20000) replicated",
        "                      as events, then updated, then bulk resync; messages/s, time until the peer's",
        "                      external cache holds them all, heap per external cache entry (not in all)",
        "  --seconds        R's seconds per iperf3 run (default 5, quick 2)",
        "  --threads        thread counts for A and for B's lookup scaling (default 1,2)",
        "  --batch          A's batch sizes (default 32,1)",
        "  --runs           measured runs per figure (default 5, quick 3); medians and min-max are over runs",
        "  --packets        A's packets per thread per run (default 5000000, quick 1000000)",
        "  --conns, --zones, --iterations   B's N_CONNS N_ZONES ITERATIONS (default 10000,100000,1000000 2, and",
        "                   200, 20 and 3 iterations; quick 20000 2 5); --conns may list sizes",
        "  --warmup         run before timing: A's packets per thread (default 1000000, quick 200000) and B's",
        "                   iterations (default 2, quick 1), on an engine of the same kind",
        "  --memory-conns   C's live connections for the heap figures (default 1000000, quick 100000)",
        "  --pairs          C's data+ACK pairs per established-path run (default 1000000, quick 250000)",
        "  --payload        C's data segment payload in bytes (default 64)",
        "  --replay-kinds   replay's runs: all, verdicts (ctstate.tsv only), masquerade, masquerade-verdicts,",
        "                   flowtable, flowtable-verdicts (default every one)",
        "  --warm-only      replay: only the runs inside the bench's JVM, not the new-JVM ones",
        "  --runs also sets replay's measured runs (default 3, quick 2)",
        "");

    /** The replay workload's letter in {@link #workloads} ({@code --workload replay}). */
    public static final char REPLAY = 'P';
    /** The sync workload's letter in {@link #workloads} ({@code --workload sync}). */
    public static final char SYNC = 'S';

    public boolean quick;
    public Set<Character> workloads = new LinkedHashSet<>(List.of('A', 'B', 'C'));
    public int[] threads = {1, 2};
    public int[] batches = {32, 1};
    public int runs = 5;
    public long packets = 5_000_000;
    /** B's sizes, one B run set each. */
    public int[] conns = {10_000, 100_000, 1_000_000};
    /** Whether --conns was given: if not, the sync workload runs at 100,000 (quick 20,000). */
    public boolean connsGiven;
    public int zones = 2;
    public int iterations = 20;
    /** Whether --iterations was given: if not, 1M connections get fewer ({@link #iterationsFor}). */
    public boolean iterationsGiven;
    /** --warmup, or -1 for the defaults (A and B differ). */
    public long warmup = -1;
    public int bRuns = 3;
    public int memoryConns = 1_000_000;
    public long pairs = 1_000_000;
    public int payload = 64;
    public int seconds = 5;
    /** The replay workload's kinds by name ({@code --replay-kinds}), or null for every one. */
    public Set<String> replayKinds;
    /** The replay workload without its new-JVM runs ({@code --warm-only}). */
    public boolean warmOnly;
    /** Whether --runs was given: the replay workload has its own default. */
    public boolean runsGiven;
    public boolean help;

    /** Parses the arguments; throws IllegalArgumentException with the reason for a bad one. */
    public static BenchOptions parse(String... args) {
        BenchOptions o = new BenchOptions();
        for (String a : args) {
            if (a.equals("--quick")) {
                o.quick();
            }
        }
        boolean runsGiven = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick":
                    break;
                case "--help":
                case "-h":
                    o.help = true;
                    break;
                case "--workload":
                    o.workloads = workloads(value(args, ++i, a));
                    break;
                case "--threads":
                    o.threads = ints(value(args, ++i, a), a, 1, 64);
                    break;
                case "--batch":
                    o.batches = ints(value(args, ++i, a), a, 1, 1024);
                    break;
                case "--runs":
                    o.runs = ints(value(args, ++i, a), a, 1, 1000)[0];
                    runsGiven = true;
                    break;
                case "--packets":
                    o.packets = ints(value(args, ++i, a), a, 1, Integer.MAX_VALUE)[0];
                    break;
                case "--conns":
                    o.conns = ints(value(args, ++i, a), a, 1, 50_000_000);
                    o.connsGiven = true;
                    break;
                case "--zones":
                    o.zones = ints(value(args, ++i, a), a, 2, 65534)[0];
                    break;
                case "--iterations":
                    o.iterations = ints(value(args, ++i, a), a, 1, 100_000)[0];
                    o.iterationsGiven = true;
                    break;
                case "--warmup":
                    o.warmup = ints(value(args, ++i, a), a, 0, Integer.MAX_VALUE)[0];
                    break;
                case "--memory-conns":
                    o.memoryConns = ints(value(args, ++i, a), a, 1, 50_000_000)[0];
                    break;
                case "--pairs":
                    o.pairs = ints(value(args, ++i, a), a, 1, Integer.MAX_VALUE)[0];
                    break;
                case "--seconds":
                    o.seconds = ints(value(args, ++i, a), a, 1, 600)[0];
                    break;
                case "--replay-kinds":
                    o.replayKinds = new LinkedHashSet<>(List.of(value(args, ++i, a).split(",")));
                    break;
                case "--warm-only":
                    o.warmOnly = true;
                    break;
                case "--payload":
                    o.payload = ints(value(args, ++i, a), a, 1, 1448)[0];
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (runsGiven) {
            o.bRuns = o.runs;
        }
        o.runsGiven = runsGiven;
        return o;
    }

    private void quick() {
        quick = true;
        runs = 3;
        bRuns = 2;
        packets = 1_000_000;
        conns = new int[] {20_000};
        iterations = 5;
        memoryConns = 100_000;
        pairs = 250_000;
        seconds = 2;
    }

    /**
     * B's iterations at {@code conns} connections: as given; else about 2,000,000 connections' worth (at least 3,
     * at most 200), so that the process's CPU, counted in 10 ms ticks, adds up to a fair figure: 200 at 10k, 20 at
     * 100k, 3 at 1M (about a minute); quick: 5.
     */
    public int iterationsFor(int conns) {
        if (iterationsGiven || quick) {
            return iterations;
        }
        return Math.max(3, Math.min(200, 2_000_000 / conns));
    }

    /** A's warm-up packets per thread. */
    public long warmupPackets() {
        return warmup >= 0 ? warmup : quick ? 200_000 : 1_000_000;
    }

    /** The sync workload's sizes: --conns, else 100,000 (quick 20,000). */
    public int[] syncConns() {
        return connsGiven ? conns : new int[] {quick ? 20_000 : 100_000};
    }

    /** B's warm-up iterations. */
    public int warmupIterations() {
        return warmup >= 0 ? (int) Math.min(warmup, 100_000) : quick ? 1 : 2;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static Set<Character> workloads(String v) {
        Set<Character> s = new LinkedHashSet<>();
        for (String w : v.split(",")) {
            String u = w.trim().toUpperCase(Locale.ROOT);
            if (u.equals("ALL")) {
                s.addAll(List.of('A', 'B', 'C'));
            } else if (u.equals("A") || u.equals("B") || u.equals("C") || u.equals("R")) {
                s.add(u.charAt(0));
            } else if (u.equals("REPLAY")) {
                s.add(REPLAY);
            } else if (u.equals("SYNC")) {
                s.add(SYNC);
            } else {
                throw new IllegalArgumentException("unknown workload " + w + " (A, B, C, R, replay, sync or all)");
            }
        }
        return s;
    }

    private static int[] ints(String v, String option, int min, int max) {
        List<Integer> out = new ArrayList<>();
        for (String s : v.split(",")) {
            int n;
            try {
                n = Integer.parseInt(s.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": not a number: " + s);
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException(option + ": " + n + " outside " + min + ".." + max);
            }
            out.add(n);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
