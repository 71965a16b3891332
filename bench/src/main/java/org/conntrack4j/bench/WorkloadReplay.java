package org.conntrack4j.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/**
 * Workload {@code replay} (issue 19, item 5): the {@code replay} command end to end on {@link ReplayCapture}'s
 * capture (1,000,000 frames of 40,000 TCP and 90,000 UDP flows between two /24s; a tenth with {@code --quick})
 * behind a {@code ct state} ruleset, in a temporary folder removed afterwards. Each run replays the whole capture
 * into a fresh output folder, every output written, then with {@code --verdicts-only}, then both again with
 * {@link ReplayCapture#RULESET_FLOWTABLE} (the same rules behind a flowtable, issue 19 item 7); it reports frames
 * per second of wall time and the CPU time of the whole process (every thread: GC, JIT) per frame. The first run of
 * each mode is a warm-up, not counted.
 */
final class WorkloadReplay {
    private WorkloadReplay() {
    }

    /** Runs the workload through {@code processor}'s {@code replay} command; returns 0, or 1 when a replay failed. */
    static int run(CommandProcessor processor, PrintStream out, BenchOptions o) {
        int tcp = o.quick ? 4_000 : 40_000;
        int udp = o.quick ? 9_000 : 90_000;
        int runs = o.quick ? 2 : 3;
        Path dir = null;
        try {
            dir = Files.createTempDirectory("conntrack4j-bench-replay");
            Path capture = dir.resolve("replay.pcapng");
            Path rules = dir.resolve("ruleset.nft");
            Files.writeString(rules, ReplayCapture.RULESET);
            Path fastRules = dir.resolve("ruleset-flowtable.nft");
            Files.writeString(fastRules, ReplayCapture.RULESET_FLOWTABLE);
            long frames = ReplayCapture.write(capture, tcp, udp, 1000);
            List<String> gcs = new ArrayList<>();
            ManagementFactory.getGarbageCollectorMXBeans().forEach(g -> gcs.add(g.getName()));
            out.printf(Locale.ROOT, "Java %s (%s), collectors %s, max heap %d MB, %d CPUs, load average %.2f%n",
                System.getProperty("java.version"), System.getProperty("java.vm.name"), String.join(", ", gcs),
                Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            out.printf(Locale.ROOT, "%nWorkload replay: %,d frames (%,d TCP flows of %d, %,d UDP flows of %d; %,d bytes),"
                + " ct state ruleset, %d runs after a warm-up%n", frames, tcp, ReplayCapture.TCP_FRAMES, udp,
                ReplayCapture.UDP_FRAMES, Files.size(capture), runs);
            out.printf(Locale.ROOT, "  %-28s %-26s %-30s%n", "outputs", "frames/s (wall)", "process CPU ns/frame");
            // the same capture again with a flowtable: established flows forwarded from ingress (issue 19 item 7)
            for (int mode = 0; mode < 4; mode++) {
                boolean verdictsOnly = (mode & 1) != 0;
                boolean flowtable = mode >= 2;
                double[] pps = new double[runs];
                double[] cpu = new double[runs];
                for (int r = -1; r < runs; r++) {
                    Path outDir = dir.resolve("out" + r + "m" + mode);
                    long cpu0 = processCpuNanos();
                    long t0 = System.nanoTime();
                    Object result = replay(processor, capture, flowtable ? fastRules : rules, outDir, verdictsOnly);
                    long wall = System.nanoTime() - t0;
                    long used = processCpuNanos() - cpu0;
                    if (!(result instanceof Number) || ((Number) result).intValue() != 0) {
                        out.println("  replay failed: " + result);
                        return 1;
                    }
                    if (r >= 0) {
                        pps[r] = frames * 1e9 / wall;
                        cpu[r] = (double) used / frames;
                    }
                    delete(outDir);
                }
                out.printf(Locale.ROOT, "  %-28s %-26s %-30s%n", (verdictsOnly ? "ctstate.tsv only" : "all")
                    + (flowtable ? ", flowtable" : ""),
                    figure(pps, "%,.0f"), figure(cpu, "%,.0f"));
            }
            return 0;
        } catch (Exception e) {
            out.println("  workload replay failed: " + e);
            return 1;
        } finally {
            if (dir != null) {
                delete(dir);
            }
        }
    }

    /** One {@code replay} command, its console output discarded; its result (the exit status). */
    private static Object replay(CommandProcessor processor, Path capture, Path rules, Path outDir, boolean verdictsOnly)
        throws Exception {
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
        try (CommandSession s = processor.createSession(new ByteArrayInputStream(new byte[0]), discard, discard)) {
            List<String> args = new ArrayList<>(List.of("--pcap", capture.toString(), "--rules", rules.toString(),
                "--iface", ReplayCapture.LAN_IFACE, "--iface", ReplayCapture.WAN_IFACE, "--out", outDir.toString(),
                "--quiet"));
            if (verdictsOnly) {
                args.add("--verdicts-only");
            }
            // each argument through a variable, so that Gogo takes it literally
            StringBuilder line = new StringBuilder("replay");
            for (int i = 0; i < args.size(); i++) {
                s.put("a" + i, args.get(i));
                line.append(" $a").append(i);
            }
            return s.execute(line);
        }
    }

    private static String figure(double[] v, String fmt) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, fmt + " [" + fmt + "-" + fmt + "]", s[s.length / 2], s[0], s[s.length - 1]);
    }

    /** CPU time of every thread of the process (com.sun.management's figure), or -1 where the JVM has none. */
    static long processCpuNanos() {
        try {
            Class<?> c = Class.forName("com.sun.management.OperatingSystemMXBean", false,
                ClassLoader.getPlatformClassLoader());
            Method m = c.getMethod("getProcessCpuTime");
            return (Long) m.invoke(ManagementFactory.getOperatingSystemMXBean());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }

    private static void delete(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary folder: what is left goes with the system's cleaning
        }
    }
}
