package org.conntrack4j.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/**
 * Workload {@code replay} (issue 19, item 5): the {@code replay} command end to end on {@link ReplayCapture}'s
 * capture (1,000,000 frames of 40,000 TCP and 90,000 UDP flows between two /24s; a tenth with {@code --quick})
 * behind a {@code ct state} ruleset, behind the same with masquerade on {@code wan} (its capture the servers
 * answering the router's address), and behind the same rules with a flowtable ({@link ReplayCapture#RULESET_FLOWTABLE},
 * issue 19 item 7: established flows forwarded from ingress), in a temporary folder removed afterwards. Each run replays the whole capture into a fresh output folder, every output written, then
 * with {@code --verdicts-only}. Two figures, both from reading the capture to the last output flushed:
 * <ul>
 * <li><b>warm</b>: the command run inside this JVM, after one untimed run of each kind (start-up and JIT
 * compilation left out), frames per second of wall time and the CPU time of the whole process (every thread: GC,
 * JIT) per frame;
 * <li><b>as a user runs it</b>: {@code bin/conntrack4j replay ...} of the distribution, a new JVM each time
 * (start-up, class loading and JIT included), its wall time and its CPU (user + system of the child process, from
 * the kernel's accounting of waited-for children) per frame. Only inside the distribution
 * ({@code conntrack4j.home}).
 * </ul>
 */
final class WorkloadReplay {
    private WorkloadReplay() {
    }

    /** The bench's ruleset and the same with masquerade, as the flows leave by {@code wan}. */
    static final String MASQUERADE_RULESET = ReplayCapture.RULESET + String.join("\n",
        "table ip nat {",
        "\tchain postrouting {",
        "\t\ttype nat hook postrouting priority srcnat; policy accept;",
        "\t\toifname \"wan\" masquerade",
        "\t}",
        "}",
        "");

    /**
     * One kind of run: which ruleset (masquerade has a capture of its own), which outputs; {@code name} as
     * {@code --replay-kinds} takes it.
     */
    record Kind(String name, String label, boolean masquerade, boolean flowtable, boolean verdictsOnly) {
    }

    /** The generated files: the captures (plain, and as the router meets it behind masquerade) and the rulesets. */
    private record Inputs(Path capture, Path natCapture, Path rules, Path masquerade, Path flowtable) {
        /** The replay command's arguments for a run of kind {@code k} into {@code outDir}. */
        List<String> args(Kind k, Path outDir) {
            Path ruleset = k.masquerade ? masquerade : k.flowtable ? flowtable : rules;
            List<String> args = new ArrayList<>(List.of("--pcap", (k.masquerade ? natCapture : capture).toString(),
                "--rules", ruleset.toString(), "--iface", ReplayCapture.LAN_IFACE, "--iface", ReplayCapture.WAN_IFACE,
                "--out", outDir.toString(), "--quiet"));
            if (k.verdictsOnly) {
                args.add("--verdicts-only");
            }
            return args;
        }
    }

    private static final List<Kind> KINDS = List.of(new Kind("all", "all", false, false, false),
        new Kind("verdicts", "ctstate.tsv only", false, false, true),
        new Kind("masquerade", "all, masquerade", true, false, false),
        new Kind("masquerade-verdicts", "ctstate.tsv only, masquerade", true, false, true),
        new Kind("flowtable", "all, flowtable", false, true, false),
        new Kind("flowtable-verdicts", "ctstate.tsv only, flowtable", false, true, true));

    /** The kinds {@code o} asks for, in their usual order; throws IllegalArgumentException for an unknown name. */
    static List<Kind> kinds(BenchOptions o) {
        if (o.replayKinds == null) {
            return KINDS;
        }
        for (String n : o.replayKinds) {
            if (KINDS.stream().noneMatch(k -> k.name.equals(n))) {
                throw new IllegalArgumentException("--replay-kinds: unknown kind " + n + " (all, verdicts, masquerade,"
                    + " masquerade-verdicts, flowtable, flowtable-verdicts)");
            }
        }
        return KINDS.stream().filter(k -> o.replayKinds.contains(k.name)).toList();
    }

    /** Runs the workload through {@code processor}'s {@code replay} command; returns 0, or 1 when a replay failed. */
    static int run(CommandProcessor processor, PrintStream out, BenchOptions o) {
        int tcp = o.quick ? 4_000 : 40_000;
        int udp = o.quick ? 9_000 : 90_000;
        int runs = o.runsGiven ? o.runs : o.quick ? 2 : 3;
        Path dir = null;
        try {
            List<Kind> kinds = kinds(o);
            dir = Files.createTempDirectory("conntrack4j-bench-replay");
            Path capture = dir.resolve("replay.pcapng");
            Path rules = dir.resolve("ruleset.nft");
            Path masquerade = dir.resolve("masquerade.nft");
            Files.writeString(rules, ReplayCapture.RULESET);
            Files.writeString(masquerade, MASQUERADE_RULESET);
            Path fastRules = dir.resolve("ruleset-flowtable.nft");
            Files.writeString(fastRules, ReplayCapture.RULESET_FLOWTABLE);
            long frames = ReplayCapture.write(capture, tcp, udp, 1000);
            // the same flows as the router meets them behind masquerade: the servers answer its wan address
            Path natCapture = dir.resolve("masquerade.pcapng");
            if (kinds.stream().anyMatch(Kind::masquerade)) {
                ReplayCapture.write(natCapture, tcp, udp, 1000, true);
            }
            Inputs in = new Inputs(capture, natCapture, rules, masquerade, fastRules);
            List<String> gcs = new ArrayList<>();
            ManagementFactory.getGarbageCollectorMXBeans().forEach(g -> gcs.add(g.getName()));
            out.printf(Locale.ROOT, "Java %s (%s), collectors %s, max heap %d MB, %d CPUs, load average %.2f%n",
                System.getProperty("java.version"), System.getProperty("java.vm.name"), String.join(", ", gcs),
                Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors(),
                loadAverage());
            out.printf(Locale.ROOT, "%nWorkload replay: %,d frames (%,d TCP flows of %d, %,d UDP flows of %d; %,d bytes),"
                + " ct state ruleset, alone, with masquerade and with a flowtable%n", frames, tcp, ReplayCapture.TCP_FRAMES, udp,
                ReplayCapture.UDP_FRAMES, Files.size(capture));
            out.printf(Locale.ROOT, "warm: the replay command inside this JVM, %d runs after an untimed one"
                + " (no JVM start-up, JIT done)%n", runs);
            boolean ok = measure(out, kinds, 1, runs, CpuClock::processCpuNanos, dir, frames, (k, outDir) -> {
                Object result = replay(processor, in.args(k, outDir));
                return result instanceof Number && ((Number) result).intValue() == 0 ? null : String.valueOf(result);
            });
            if (!ok) {
                return 1;
            }
            if (o.warmOnly) {
                return 0;
            }
            String home = System.getProperty("conntrack4j.home");
            Path launcher = home == null ? null : Path.of(home, "bin", "conntrack4j");
            if (launcher == null || !Files.isRegularFile(launcher) || CpuClock.childCpuNanos() < 0) {
                out.println("as a user runs it: needs the distribution's bin/conntrack4j on Linux (./conntrack4j bench"
                    + " --workload replay)");
                return 0;
            }
            out.printf(Locale.ROOT, "as a user runs it: bin/conntrack4j replay ... in a new JVM (start-up and JIT"
                + " included; JAVA_OPTS as given to the bench), %d runs%n", runs);
            ok = measure(out, kinds, 0, runs, CpuClock::childCpuNanos, dir, frames, (k, outDir) -> {
                List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "replay"));
                cmd.addAll(in.args(k, outDir));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                int status = p.waitFor();
                return status == 0 ? null : "exit status " + status;
            });
            return ok ? 0 : 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("  workload replay interrupted");
            return 1;
        } catch (Exception e) {
            out.println("  workload replay failed: " + e);
            return 1;
        } finally {
            if (dir != null) {
                delete(dir);
            }
        }
    }

    /** One replay of kind {@code k} into {@code outDir}: null when it went well, else what went wrong. */
    private interface Runner {
        String replay(Kind k, Path outDir) throws Exception;
    }

    /**
     * Replays every kind {@code untimed} times and then {@code runs} times timed, wall clock and CPU from
     * {@code cpuClock} around each, and prints a row per kind; false (said on {@code out}) when a replay failed.
     */
    private static boolean measure(PrintStream out, List<Kind> kinds, int untimed, int runs, LongSupplier cpuClock,
        Path dir, long frames, Runner runner) throws Exception {
        header(out);
        for (Kind k : kinds) {
            double[] pps = new double[runs];
            double[] cpu = new double[runs];
            for (int r = -untimed; r < runs; r++) {
                Path outDir = dir.resolve("out");
                long cpu0 = cpuClock.getAsLong();
                long t0 = System.nanoTime();
                String failed = runner.replay(k, outDir);
                long wall = System.nanoTime() - t0;
                long used = cpuClock.getAsLong() - cpu0;
                if (failed != null) {
                    out.println("  replay failed: " + failed);
                    return false;
                }
                if (r >= 0) {
                    pps[r] = frames * 1e9 / wall;
                    cpu[r] = (double) used / frames;
                }
                delete(outDir);
            }
            row(out, k.label, pps, cpu, loadAverage());
        }
        return true;
    }

    private static void header(PrintStream out) {
        out.printf(Locale.ROOT, "  %-30s %-28s %-26s %s%n", "outputs", "frames/s (wall)", "CPU ns/frame (process)",
            "load");
    }

    private static void row(PrintStream out, String label, double[] pps, double[] cpu, double load) {
        out.printf(Locale.ROOT, "  %-30s %-28s %-26s %.1f%n", label, figure(pps, "%,.0f"), figure(cpu, "%,.0f"), load);
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /**
     * One {@code replay} command, its console output discarded; its result (the exit status). It runs on a thread of
     * its own: the command prints to the Gogo pipeline of its thread, which on this one is the bench's.
     */
    private static Object replay(CommandProcessor processor, List<String> args) throws Exception {
        Object[] result = new Object[1];
        Exception[] failed = new Exception[1];
        Thread t = new Thread(() -> {
            PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
            try (CommandSession s = processor.createSession(new ByteArrayInputStream(new byte[0]), discard, discard)) {
                // each argument through a variable, so that Gogo takes it literally
                StringBuilder line = new StringBuilder("replay");
                for (int i = 0; i < args.size(); i++) {
                    s.put("a" + i, args.get(i));
                    line.append(" $a").append(i);
                }
                result[0] = s.execute(line);
            } catch (Exception e) {
                failed[0] = e;
            }
        }, "bench-replay");
        t.start();
        t.join();
        if (failed[0] != null) {
            throw failed[0];
        }
        return result[0];
    }

    private static String figure(double[] v, String fmt) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, fmt + " [" + fmt + "-" + fmt + "]", s[s.length / 2], s[0], s[s.length - 1]);
    }

    private static void delete(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary folder: what is left goes with the system's cleaning
        }
    }
}
