package org.conntrack4j.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the workloads of {@code BENCH.md} and prints their figures as tables: medians of several runs with
 * their min-max, CPU time (user + system of the working threads) as well as wall time, next to OVS's figures
 * and our targets. Plain Java: the {@code bench} Gogo command and the tests drive it with their own engines.
 */
public final class Bench {
    // OVS v3.7.1 on this kind of machine, and our targets (BENCH.md).
    static final double TARGET_A_CPU_NS = 60;
    static final double TARGET_B_LOOKUP_NS = 125;
    static final double TARGET_B_NEW_NS = 330;
    static final double TARGET_BYTES = 200;

    private final EngineSource engines;
    private final PrintStream out;
    private final String platform;
    private int failures;
    /** Median Mpps of workload A by batch and threads, and of B's lookups by threads, for the scaling lines. */
    private final Map<String, Double> scaling = new LinkedHashMap<>();

    /** {@code platform} describes what the engines run with (trackers, NAT), printed in the header. */
    public Bench(EngineSource engines, PrintStream out, String platform) {
        this.engines = engines;
        this.out = out;
        this.platform = platform;
    }

    /** Runs what {@code o} selects; returns 0, or 1 when a correctness check of a workload failed. */
    public int run(BenchOptions o) {
        long start = System.nanoTime();
        header(o);
        if (o.workloads.contains('A')) {
            workloadA(o);
        }
        if (o.workloads.contains('B')) {
            workloadB(o);
        }
        if (o.workloads.contains('C')) {
            workloadC(o);
        }
        if (o.workloads.contains(BenchOptions.SYNC)) {
            workloadSync(o);
        }
        if (o.workloads.contains('R')) {
            String why = WorkloadR.run(out, o.seconds);
            if (why != null) {
                out.println("\nWorkload R: FAILED: " + why);
                failures++;
            }
        }
        StringBuilder kinds = new StringBuilder();
        for (Map.Entry<String, Long> k : CpuClock.cpuByThreadKind()) {
            if (k.getValue() >= 50_000_000L) {
                kinds.append(kinds.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.1f s", k.getKey(),
                    k.getValue() / 1e9));
            }
        }
        if (kinds.length() > 0) {
            out.printf(Locale.ROOT, "%nCPU of the process's live threads since it started, by kind (0.05 s or more): %s%n",
                kinds);
        }
        out.printf(Locale.ROOT, "%ndone in %.1f s; load average now %s; %s%n", (System.nanoTime() - start) / 1e9,
            loadAverage(), failures == 0 ? "all checks passed" : failures + " check(s) FAILED");
        out.flush();
        return failures == 0 ? 0 : 1;
    }

    private void header(BenchOptions o) {
        out.printf(Locale.ROOT, "conntrack4j bench%s: Java %s (%s %s), %d CPUs, max heap %d MB, load average %s%n",
            o.quick ? " --quick" : "", System.getProperty("java.version"), System.getProperty("java.vm.name"),
            System.getProperty("java.vm.version"), Runtime.getRuntime().availableProcessors(),
            Runtime.getRuntime().maxMemory() >> 20, loadAverage());
        out.println("collector: " + CpuClock.collectors() + "; JVM options: " + CpuClock.jvmOptions());
        out.println(platform);
        out.println("figures: median [min-max] over runs, after a warm-up; CPU = user+sys time of the working threads; "
            + "process CPU = user+sys of the whole process (every thread: collector, JIT, framework) over the same "
            + "span; the engines' clock stands still");
    }

    // ---- A ------------------------------------------------------------------------------------------------

    private void workloadA(BenchOptions o) {
        out.printf(Locale.ROOT, "%nWorkload A: one UDP flow per thread, original direction, commit, %,d packets per "
            + "thread, %d runs after %,d warm-up packets per thread%n  (OVS: test-conntrack benchmark N_THREADS %d BATCH)%n",
            o.packets, o.runs, o.warmupPackets(), o.packets);
        out.printf(Locale.ROOT, "  %7s %5s  %-22s %-24s %-24s %-24s %s%n", "threads", "batch", "Mpps",
            "process CPU ns/packet", "CPU ns/packet", "wall ns/packet", "checks");
        for (int batch : o.batches) {
            for (int threads : o.threads) {
                if (o.warmupPackets() > 0) {
                    WorkloadA.run(engines, threads, o.warmupPackets(), batch);
                }
                double[] mpps = new double[o.runs];
                double[] cpu = new double[o.runs];
                double[] pcpu = new double[o.runs];
                double[] wall = new double[o.runs];
                String check = "ok";
                for (int r = 0; r < o.runs; r++) {
                    WorkloadA.Result res = WorkloadA.run(engines, threads, o.packets, batch);
                    mpps[r] = res.mpps();
                    cpu[r] = res.cpuNsPerPacket();
                    pcpu[r] = res.processCpuNsPerPacket();
                    wall[r] = res.wallNsPerPacket();
                    if (res.notNew != 0 || res.parseErrors != 0 || res.connections != threads) {
                        check = "FAILED: " + res.notNew + " not NEW, " + res.parseErrors + " parse errors, "
                            + res.connections + " connections";
                    }
                }
                if (!check.equals("ok")) {
                    failures++;
                }
                Summary m = new Summary(mpps);
                scaling.put("A batch " + batch + " threads " + threads, m.median());
                out.printf(Locale.ROOT, "  %7d %5d  %-22s %-24s %-24s %-24s %s%n", threads, batch, m.format(2),
                    new Summary(pcpu).format(1), new Summary(cpu).format(1), new Summary(wall).format(1), check);
            }
        }
        out.printf(Locale.ROOT, "  target: process CPU ns/packet <= %.0f (OVS: 119 at batch 32, 129 at batch 1; about 8 "
            + "Mpps per core)%n", TARGET_A_CPU_NS);
    }

    // ---- B ------------------------------------------------------------------------------------------------

    private void workloadB(BenchOptions o) {
        for (int conns : o.conns) {
            workloadB(o, conns, o.iterationsFor(conns));
        }
    }

    private void workloadB(BenchOptions o, int conns, int iterations) {
        out.printf(Locale.ROOT, "%nWorkload B: %,d connections, %d zones, %d iterations after %d warm-up, single thread, "
            + "%d runs%n  (OVS: test-conntrack benchmark-zones %d %d %d); ns/op = phase time / %d: wall and thread CPU "
            + "of the best iteration (as OVS), process CPU averaged over the iterations%n", conns, o.zones, iterations,
            o.warmupIterations(), o.bRuns, conns, o.zones, iterations, conns);
        ZoneFlows flows = new ZoneFlows(conns);
        int distinct = distinctFlows(conns);
        WorkloadB.Result[] results = new WorkloadB.Result[o.bRuns];
        int nt = o.threads.length;
        WorkloadB.Scaling[][] scal = new WorkloadB.Scaling[o.bRuns][2 * nt];
        String check = "ok";
        for (int r = 0; r < o.bRuns; r++) {
            results[r] = WorkloadB.run(engines, flows, o.zones, o.warmupIterations(), iterations, true, o.threads, scal[r]);
            String c = checkB(results[r], distinct, o.zones);
            if (c != null) {
                check = "FAILED: " + c;
            }
            for (int t = 0; t < 2 * nt; t++) {
                if (scal[r][t].found != scal[r][t].lookups) {
                    check = "FAILED: " + (t < nt ? "lookup" : "commit") + " scaling found " + scal[r][t].found + " of "
                        + scal[r][t].lookups;
                }
            }
        }
        if (!check.equals("ok")) {
            failures++;
        }
        String[] ovs = {"314 per entry", "657", "248", "3-5 us in all"};
        String[] target = {"-", "<= " + (int) TARGET_B_NEW_NS, "<= " + (int) TARGET_B_LOOKUP_NS, "-"};
        out.printf(Locale.ROOT, "  %-20s %-24s %-24s %-24s %-8s %s%n", "phase", "process CPU ns/op", "CPU ns/op",
            "wall ns/op", "target", "OVS ns/op (100k)");
        for (int ph = 0; ph < 4; ph++) {
            double[] wall = new double[o.bRuns];
            double[] cpu = new double[o.bRuns];
            double[] pcpu = new double[o.bRuns];
            for (int r = 0; r < o.bRuns; r++) {
                wall[r] = results[r].minWallNsPerOp(ph);
                cpu[r] = results[r].minCpuNsPerOp(ph);
                pcpu[r] = results[r].processCpuNsPerOp(ph);
            }
            out.printf(Locale.ROOT, "  %-20s %-24s %-24s %-24s %-8s %s%n", WorkloadB.PHASES[ph],
                new Summary(pcpu).format(1), new Summary(cpu).format(1), new Summary(wall).format(1), target[ph], ovs[ph]);
        }
        double[] whole = new double[o.bRuns];
        double[] emptyUs = new double[o.bRuns];
        double[][] lat = new double[3][o.bRuns];
        double[] quantiles = {0.5, 0.99, 0.999};
        for (int r = 0; r < o.bRuns; r++) {
            whole[r] = results[r].processCpuNsPerIterationConn();
            emptyUs[r] = results[r].minWallNsPerOp(WorkloadB.FLUSH_EMPTY) * conns / 1e3;
            for (int q = 0; q < 3; q++) {
                lat[q][r] = results[r].latency(quantiles[q]);
            }
        }
        out.printf(Locale.ROOT, "  whole process per iteration and connection (all four phases): %s ns; empty zone "
            + "flushed in %s us (wall, best iteration)%n", new Summary(whole).format(1), new Summary(emptyUs).format(1));
        out.printf(Locale.ROOT, "  new connection latency (wall, each timed alone, one pass of %,d): p50 %s ns, p99 %s ns, "
            + "p999 %s ns%n", conns, new Summary(lat[0]).format(0), new Summary(lat[1]).format(0),
            new Summary(lat[2]).format(0));
        WorkloadB.Result last = results[o.bRuns - 1];
        out.printf(Locale.ROOT, "  checks: %s (%,d distinct flows; initial %,d entries; per iteration %,d flushed, "
            + "%,d committed, %,d found, %,d flushed from the empty zone)%n", check, distinct, last.initialCount,
            last.flushed[0], last.committed[0], last.found[0], last.flushedEmpty[0]);
        int passes = WorkloadB.passes(conns);
        scalingTable(o, scal, 0, String.format(Locale.ROOT, "lookups of zone 1 by several threads at once (each thread "
            + "looks up all %,d flows, %d times)", conns, passes), "M lookups/s", "B lookups threads ");
        scalingTable(o, scal, nt, String.format(Locale.ROOT, "new connections into an emptied zone 1 by several threads "
            + "at once (each its share of the %,d flows; %d times, the zone flushed between)", conns, passes),
            "M commits/s", "B commits threads ");
    }

    private void scalingTable(BenchOptions o, WorkloadB.Scaling[][] scal, int first, String title, String unit,
        String key) {
        out.printf(Locale.ROOT, "  %s:%n", title);
        out.printf(Locale.ROOT, "  %7s  %-24s %-26s %s%n", "threads", unit, "process CPU ns/op", "CPU ns/op");
        double base = 0;
        for (int t = 0; t < o.threads.length; t++) {
            double[] rate = new double[o.bRuns];
            double[] cpu = new double[o.bRuns];
            double[] pcpu = new double[o.bRuns];
            for (int r = 0; r < o.bRuns; r++) {
                rate[r] = scal[r][first + t].mlps();
                cpu[r] = scal[r][first + t].cpuNsPerLookup();
                pcpu[r] = scal[r][first + t].processCpuNsPerLookup();
            }
            Summary s = new Summary(rate);
            scaling.put(key + o.threads[t], s.median());
            base = t == 0 ? s.median() : base;
            out.printf(Locale.ROOT, "  %7d  %-24s %-26s %-24s%s%n", o.threads[t], s.format(2), new Summary(pcpu).format(1),
                new Summary(cpu).format(1), t == 0 ? "" : String.format(Locale.ROOT, " x%.2f the rate of %d thread(s)",
                    s.median() / base, o.threads[0]));
        }
    }

    /** Null if the counts of a run of B are right, else what is wrong. */
    static String checkB(WorkloadB.Result r, int distinct, int zones) {
        if (r.initialCount != distinct * zones) {
            return "initial insert left " + r.initialCount + " entries, expected " + distinct * zones;
        }
        for (int i = 0; i < r.iterations; i++) {
            if (r.flushed[i] != distinct) {
                return "iteration " + i + " flushed " + r.flushed[i] + ", expected " + distinct;
            }
            if (r.committed[i] != r.conns) {
                return "iteration " + i + " committed " + r.committed[i] + " packets, expected " + r.conns;
            }
            if (r.found[i] != r.conns) {
                return "iteration " + i + " found " + r.found[i] + " connections, expected " + r.conns;
            }
            if (r.flushedEmpty[i] != 0) {
                return "iteration " + i + " flushed " + r.flushedEmpty[i] + " from the empty zone";
            }
        }
        return null;
    }

    /** How many different port pairs the first {@code n} flows of workload B have. */
    public static int distinctFlows(int n) {
        int[] keys = new int[n];
        for (int i = 0; i < n; i++) {
            keys[i] = ZoneFlows.srcPort(i) << 16 | ZoneFlows.dstPort(i);
        }
        Arrays.sort(keys);
        int d = 0;
        for (int i = 0; i < n; i++) {
            if (i == 0 || keys[i] != keys[i - 1]) {
                d++;
            }
        }
        return d;
    }

    // ---- sync ---------------------------------------------------------------------------------------------

    private void workloadSync(BenchOptions o) {
        out.printf(Locale.ROOT, "%nWorkload sync: two sync nodes (FTFW, UDP over loopback, datagrams cut for MTU %d), "
            + "each on its own engine;%n  established TCP connections on A reach B's external cache "
            + "(phase time: from A's first change until B holds all)%n", WorkloadSync.MTU);
        for (int conns : o.syncConns()) {
            WorkloadSync.Result r;
            try {
                r = WorkloadSync.run(engines, conns, freeUdpPort());
            } catch (Exception e) {
                out.println("  FAILED: " + e);
                failures++;
                continue;
            }
            out.printf(Locale.ROOT, "  %,d connections:%n  %-30s %9s %12s %12s %12s %8s %14s %s%n", conns, "phase",
                "seconds", "messages", "messages/s", "datagrams/s", "lost", "process CPU s", "checks");
            for (WorkloadSync.Phase p : r.phases) {
                String check = p.failure == null ? "ok" : "FAILED: " + p.failure;
                if (p.failure != null) {
                    failures++;
                }
                out.printf(Locale.ROOT, "  %-30s %9.2f %,12d %,12.0f %,12.0f %,8d %14.2f %s%n", p.name, p.nanos / 1e9,
                    p.messages, p.messagesPerSecond(), p.datagramsPerSecond(), p.lost, p.processCpuNanos / 1e9, check);
            }
            String check = r.externalEntries == conns && r.overruns == 0 ? "ok"
                : "FAILED: " + r.externalEntries + " entries, " + r.overruns + " events dropped";
            if (!check.equals("ok")) {
                failures++;
            }
            out.printf(Locale.ROOT, "  B's external cache: %,d entries, %.1f bytes/entry (used heap after full GCs, "
                + "full less flushed)  %s%n", r.externalEntries, r.bytesPerEntry(), check);
        }
    }

    /** A UDP port free on 127.0.0.1 and 127.0.0.2 for the sync link (both nodes use the same, as conntrackd). */
    private static int freeUdpPort() throws IOException {
        for (int tries = 0; ; tries++) {
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
                DatagramSocket t = new DatagramSocket(s.getLocalPort(), InetAddress.getByName("127.0.0.2"))) {
                return s.getLocalPort();
            } catch (BindException e) {
                if (tries == 20) {
                    throw e;
                }
            }
        }
    }

    // ---- C ------------------------------------------------------------------------------------------------

    private void workloadC(BenchOptions o) {
        out.printf(Locale.ROOT, "%nWorkload C: ours%n");
        out.printf(Locale.ROOT, "  heap per live connection (used heap after full GCs; entry = connections only, "
            + "+table = with the hash table and engine):%n");
        for (WorkloadC.Kind k : WorkloadC.Kind.values()) {
            WorkloadC.Memory m = WorkloadC.memory(engines, k, o.memoryConns);
            String check = m.counted == o.memoryConns && m.unexpected == 0 ? "ok"
                : "FAILED: " + m.counted + " connections, " + m.unexpected + " packets refused";
            if (!check.equals("ok")) {
                failures++;
            }
            String what = k == WorkloadC.Kind.UDP ? "UDP (request + reply)" : "TCP (ESTABLISHED, ASSURED)";
            out.printf(Locale.ROOT, "  %,10d %-27s %6.1f bytes/conn entry, %6.1f +table  (target <= %.0f; OVS "
                + "about 420 RSS)  %s%n", o.memoryConns, what, m.bytesPerConnection(), m.bytesPerConnectionWithTable(),
                TARGET_BYTES, check);
        }
        expiryLine("entries expire (full table, scan on another thread)", WorkloadC.expiryPause(engines,
            o.memoryConns), false);
        expiryLine("assured entries are scanned (full table, SYN flood: every new one dropped)",
            WorkloadC.floodPause(engines, o.memoryConns), true);
        floodLine(WorkloadC.earlyDropFlood(engines, o.memoryConns));
        out.printf(Locale.ROOT, "  TCP established path, one connection through a router: data segments of %d bytes "
            + "and their ACKs,%n  window tracking, valid checksums, %,d packets per run, %d runs:%n", o.payload,
            2 * o.pairs, o.runs);
        out.printf(Locale.ROOT, "  %-22s %-24s %-24s %s%n", "path", "wall ns/packet", "CPU ns/packet", "checks");
        for (boolean nat : new boolean[] {false, true}) {
            String name = nat ? "through masquerade" : "plain (no NAT)";
            if (WorkloadC.established(engines, nat, Math.max(o.pairs / 2, 1), o.payload) == null) {
                out.printf(Locale.ROOT, "  %-22s %s%n", name, Router.NAT_MISSING);
                continue;
            }
            double[] wall = new double[o.runs];
            double[] cpu = new double[o.runs];
            String check = "ok";
            for (int r = 0; r < o.runs; r++) {
                WorkloadC.Established e = WorkloadC.established(engines, nat, o.pairs, o.payload);
                wall[r] = e.wallNsPerPacket();
                cpu[r] = e.cpuNsPerPacket();
                if (e.unexpected != 0) {
                    check = "FAILED: " + e.unexpected + " packets not ESTABLISHED";
                }
            }
            if (!check.equals("ok")) {
                failures++;
            }
            out.printf(Locale.ROOT, "  %-22s %-24s %-24s %s%n", name, new Summary(wall).format(1),
                new Summary(cpu).format(1), check);
        }
        scalingLines(o);
    }

    /** The flood of new flows against a full table of unassured ones: latency, what early drop did. */
    private void floodLine(WorkloadC.Flood x) {
        String check = x.consistent() ? "ok" : "FAILED: table held " + x.most + " of " + x.table + ", "
            + x.earlyDrops + " early drops for " + (x.table + x.inserted - x.after) + " connections gone";
        if (!check.equals("ok")) {
            failures++;
        }
        out.printf(Locale.ROOT, "  a flood of %,d new flows against a full table of %,d unassured ones (early drop): "
            + "p50 %,d ns, p99 %,d ns, max %,d ns per flow; %,d inserted (%,d connections dropped early), %,d dropped "
            + "(no victim in 8 buckets)  %s%n", x.latencies.length, x.table, x.quantile(0.5), x.quantile(0.99),
            x.quantile(1.0), x.inserted, x.earlyDrops, x.dropped, check);
    }

    /** One line of new-connection latency percentiles while the expiry scan runs. */
    private void expiryLine(String what, WorkloadC.ExpiryPause x, boolean flood) {
        String check = x.unexpected == 0 && x.leftOver == 0 && (flood || x.roomAfterScan) ? "ok"
            : "FAILED: " + x.unexpected + " packets refused, " + x.leftOver + (flood ? " connections lost"
            : " expired entries left" + (x.roomAfterScan ? "" : ", no room after the scan"));
        if (!check.equals("ok")) {
            failures++;
        }
        out.printf(Locale.ROOT, "  new connections while %,d %s: p50 %,d ns, p99 %,d ns, p999 %,d ns, max %,d ns "
            + "over %,d connections (%,d dropped) in a %,d ms scan  %s%n", x.expiring, what, x.quantile(0.5),
            x.quantile(0.99), x.quantile(0.999), x.quantile(1.0), x.latencies.length, x.tableFull,
            x.scanNanos / 1_000_000, check);
    }

    private void scalingLines(BenchOptions o) {
        if (o.threads.length < 2) {
            return;
        }
        int t1 = o.threads[0];
        out.printf(Locale.ROOT, "  scaling from %d thread(s) (medians):%n", t1);
        boolean any = false;
        for (int batch : o.batches) {
            any |= scalingLine("workload A, batch " + batch, "Mpps", "A batch " + batch + " threads ", o.threads);
        }
        any |= scalingLine("workload B lookups", "M lookups/s", "B lookups threads ", o.threads);
        any |= scalingLine("workload B commits", "M commits/s", "B commits threads ", o.threads);
        if (!any) {
            out.println("    (run workloads A and B with C for these figures)");
        }
    }

    private boolean scalingLine(String what, String unit, String key, int[] threads) {
        Double base = scaling.get(key + threads[0]);
        if (base == null) {
            return false;
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "    %-22s %d: %.2f %s", what, threads[0], base,
            unit));
        for (int i = 1; i < threads.length; i++) {
            Double v = scaling.get(key + threads[i]);
            if (v != null) {
                sb.append(String.format(Locale.ROOT, ", %d: %.2f (x%.2f)", threads[i], v, v / base));
            }
        }
        out.println(sb);
        return true;
    }

    /** The system's load averages (1, 5, 15 minutes), from /proc where there is one. */
    static String loadAverage() {
        try {
            String s = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim();
            String[] f = s.split("\\s+");
            if (f.length >= 3) {
                return f[0] + " " + f[1] + " " + f[2];
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the JVM's one-minute figure below
        }
        double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return l < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", l);
    }
}
