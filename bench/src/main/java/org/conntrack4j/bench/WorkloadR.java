package org.conntrack4j.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Workload R: conntrack4j as a router beside the kernel, on one veth topology in network namespaces made here and
 * removed at the end (also when a step fails): a LAN host, the router, a WAN host; the router's devices are named
 * {@code lan} and {@code wan} so that the distribution's {@code etc/ruleset.nft} (masquerade, forward policy drop,
 * established and related accepted) means the same to both. For conntrack4j with 1 and 2 forwarding threads (the
 * distribution's own {@code bin/conntrack4j router}, the kernel's forwarding off), then for the kernel (its
 * forwarding on, the same ruleset through nft): iperf3 sends 64-byte UDP frames (18 bytes of payload: 60 bytes and
 * the FCS the veth does not carry) as fast as it
 * can over two flows for a few seconds, then TCP over two flows. Figures: UDP frames per second sent, forwarded (the
 * router's WAN device's count) and read by the WAN host, TCP goodput; CPU per forwarded frame of the router process (conntrack4j) and of the whole machine (both,
 * iperf3 included, so comparable between the two and noisy on a shared machine).
 *
 * <p>Needs root, iproute2, nftables, iperf3 and the distribution ({@code conntrack4j.home}); without them it says
 * so and counts as a failed check.
 */
final class WorkloadR {
    private static final String LAN_HOST = "192.0.2.10";
    private static final String WAN_HOST = "198.51.100.10";
    private static final int UDP_PAYLOAD = 18;
    /** Clock ticks of /proc (USER_HZ), 100 on Linux. */
    private static final double TICK_NS = 10_000_000;

    private final PrintStream out;
    private final Path home;
    private final int seconds;
    private final String lan;
    private final String rtr;
    private final String wan;
    private final String instance;
    private final List<String> made = new ArrayList<>();
    private final List<Process> servers = new ArrayList<>();

    private WorkloadR(PrintStream out, Path home, int seconds) {
        this.out = out;
        this.home = home;
        this.seconds = seconds;
        String tag = ProcessHandle.current().pid() + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(
            0x1000, 0x10000));
        lan = "ct4j-bench-lan-" + tag;
        rtr = "ct4j-bench-rtr-" + tag;
        wan = "ct4j-bench-wan-" + tag;
        instance = "bench-" + tag;
    }

    /** One configuration's figures. */
    record Figures(String who, double udpSentFps, double udpForwardedFps, double udpFps, double udpRouterCpuNs,
        double udpMachineCpuNs, double tcpMbps, double tcpRouterCpuNsPerKb) {
    }

    /**
     * Runs the workload, printing its table; returns null when it ran, else why not (printed as a failed check).
     * {@code seconds}: each iperf3 run's length.
     */
    static String run(PrintStream out, int seconds) {
        String h = System.getProperty("conntrack4j.home");
        if (h == null || !Files.isRegularFile(Path.of(h, "bin/conntrack4j"))) {
            return "needs the distribution (bin/conntrack4j; run it as ./conntrack4j bench --workload R)";
        }
        for (String tool : List.of("ip", "nft", "iperf3")) {
            if (!onPath(tool)) {
                return tool + " is missing (apt-get install iproute2 nftables iperf3)";
            }
        }
        WorkloadR w = new WorkloadR(out, Path.of(h), seconds);
        try {
            w.topology();
            List<Figures> all = new ArrayList<>();
            all.add(w.conntrack4j(1));
            all.add(w.conntrack4j(2));
            all.add(w.kernel());
            w.print(all);
            return null;
        } catch (IOException | RuntimeException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } finally {
            w.cleanUp();
        }
    }

    private void topology() throws IOException, InterruptedException {
        for (String ns : List.of(lan, rtr, wan)) {
            sh("ip", "netns", "add", ns);
            made.add(ns);
            in(ns, "ip", "link", "set", "lo", "up");
        }
        in(rtr, "ip", "link", "add", "lan", "type", "veth", "peer", "name", "lan0", "netns", lan);
        in(rtr, "ip", "link", "add", "wan", "type", "veth", "peer", "name", "wan0", "netns", wan);
        in(rtr, "sysctl", "-qw", "net.ipv4.ip_forward=0");
        for (String dev : List.of("lan", "wan")) {
            in(rtr, "sysctl", "-qw", "net.ipv6.conf." + dev + ".disable_ipv6=1");
            in(rtr, "ip", "link", "set", dev, "up");
        }
        in(lan, "ip", "addr", "add", LAN_HOST + "/24", "dev", "lan0");
        in(lan, "ip", "link", "set", "lan0", "up");
        in(lan, "ip", "route", "add", "default", "via", "192.0.2.1");
        in(wan, "ip", "addr", "add", WAN_HOST + "/24", "dev", "wan0");
        in(wan, "ip", "link", "set", "wan0", "up");
        servers.add(new ProcessBuilder("ip", "netns", "exec", wan, "iperf3", "-s", "-B", WAN_HOST)
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        for (int i = 0; i < 100 && in(wan, "ss", "-Hltn", "sport = :5201").isBlank(); i++) {
            Thread.sleep(50);
        }
    }

    private Figures conntrack4j(int threads) throws IOException, InterruptedException {
        Path log = Files.createTempFile("ct4j-bench-router", ".log");
        Process router = new ProcessBuilder("ip", "netns", "exec", rtr, home.resolve("bin/conntrack4j").toString(),
            "router", "--instance", instance, "--iface", "lan=lan,192.0.2.1/24", "--iface", "wan=wan,198.51.100.1/24",
            "--rules", home.resolve("etc/ruleset.nft").toString(), "--threads", String.valueOf(threads))
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long until = System.nanoTime() + 60_000_000_000L;
            while (!Files.readString(log).contains("router ready")) {
                if (!router.isAlive() || System.nanoTime() > until) {
                    throw new IOException("the router did not start: " + Files.readString(log).strip());
                }
                Thread.sleep(50);
            }
            long jvm = router.descendants().filter(p -> p.info().command().orElse("").endsWith("java"))
                .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
            return measure("conntrack4j, " + threads + (threads == 1 ? " thread" : " threads"), jvm);
        } finally {
            router.destroy();
            if (!router.waitFor(30, TimeUnit.SECONDS)) {
                router.descendants().forEach(ProcessHandle::destroyForcibly);
                router.destroyForcibly();
            }
            Files.deleteIfExists(log);
            in(lan, "ip", "neigh", "flush", "dev", "lan0");
            in(wan, "ip", "neigh", "flush", "dev", "wan0");
        }
    }

    private Figures kernel() throws IOException, InterruptedException {
        in(rtr, "ip", "addr", "add", "192.0.2.1/24", "dev", "lan");
        in(rtr, "ip", "addr", "add", "198.51.100.1/24", "dev", "wan");
        in(rtr, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        in(rtr, "nft", "-f", home.resolve("etc/ruleset.nft").toString());
        return measure("Linux " + System.getProperty("os.version"), -1);
    }

    /** UDP then TCP through whichever router runs; {@code pid} the router process whose CPU counts, or -1. */
    private Figures measure(String who, long pid) throws IOException, InterruptedException {
        // a first short run makes the connections and warms the path
        iperf("-u", "-b", "0", "-l", String.valueOf(UDP_PAYLOAD), "-t", "1");
        long r0 = processTicks(pid);
        long m0 = machineTicks();
        long w0 = wanTxFrames();
        String udp = iperf("-u", "-b", "0", "-l", String.valueOf(UDP_PAYLOAD), "-t", String.valueOf(seconds));
        long r1 = processTicks(pid);
        long m1 = machineTicks();
        long forwarded = wanTxFrames() - w0;
        double rxBytes = number(udp, "sum_received", "bytes");
        double secs = number(udp, "sum_received", "seconds");
        double sent = number(udp, "sum_sent", "packets");
        double frames = rxBytes / UDP_PAYLOAD;
        String tcp = iperf("-t", String.valueOf(seconds));
        long r2 = processTicks(pid);
        double tcpBits = number(tcp, "sum_received", "bits_per_second");
        double tcpBytes = number(tcp, "sum_received", "bytes");
        return new Figures(who, sent / secs, forwarded / secs, frames / secs, pid < 0 ? Double.NaN : (r1 - r0) * TICK_NS / frames,
            (m1 - m0) * TICK_NS / frames, tcpBits / 1e6, pid < 0 ? Double.NaN : (r2 - r1) * TICK_NS / (tcpBytes / 1024));
    }

    /** Frames the router's WAN device sent (its kernel's count, whoever forwards). */
    private long wanTxFrames() {
        return Long.parseLong(in(rtr, "cat", "/sys/class/net/wan/statistics/tx_packets").strip());
    }

    /** iperf3 from the LAN host to the WAN host over two flows, as JSON. */
    private String iperf(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", lan, "iperf3", "-c", WAN_HOST, "-P", "2",
            "-J"));
        cmd.addAll(List.of(args));
        return sh(cmd.toArray(String[]::new));
    }

    /** {@code "section": {... "key": NUMBER ...}} of iperf3's JSON. */
    private static double number(String json, String section, String key) {
        int at = json.indexOf("\"" + section + "\"");
        Matcher m = Pattern.compile("\"" + key + "\":\\s*([0-9.eE+-]+)").matcher(json);
        if (at < 0 || !m.find(at)) {
            throw new IllegalStateException("iperf3 gave no " + section + "." + key + ": "
                + json.substring(0, Math.min(300, json.length())));
        }
        return Double.parseDouble(m.group(1));
    }

    private void print(List<Figures> all) {
        out.printf(Locale.ROOT, "%nWorkload R: router between two veth pairs in namespaces, etc/ruleset.nft "
            + "(masquerade, forward policy drop), iperf3 over 2 flows, %d s per figure%n", seconds);
        out.printf(Locale.ROOT, "  %-24s %-33s %-20s %-21s %-11s %s%n", "router",
            "UDP 64 B frames/s sent/fwd/recv", "router CPU ns/frame", "machine CPU ns/frame", "TCP Mbit/s",
            "router CPU ns/KiB TCP");
        for (Figures f : all) {
            out.printf(Locale.ROOT, "  %-24s %-33s %-20s %-21s %-11s %s%n", f.who(), fmt(f.udpSentFps()) + " / "
                + fmt(f.udpForwardedFps()) + " / " + fmt(f.udpFps()), fmt(f.udpRouterCpuNs()), fmt(f.udpMachineCpuNs()),
                String.format(Locale.ROOT, "%.0f", f.tcpMbps()), fmt(f.tcpRouterCpuNsPerKb()));
        }
        out.println("  sent: by iperf3; fwd: frames the router's WAN device sent; recv: what iperf3's server read (its"
            + " socket drops the rest when it falls behind)");
        out.println("  router CPU: user+sys of conntrack4j's JVM (the kernel's forwarding has no process of its own);"
            + " machine CPU: all non-idle CPU of the machine, iperf3 and other users included");
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,.0f", v);
    }

    private static long processTicks(long pid) throws IOException {
        if (pid < 0) {
            return 0;
        }
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static long machineTicks() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < f.length && i <= 8; i++) {
            if (i != 4 && i != 5) {
                busy += Long.parseLong(f[i]);
            }
        }
        return busy;
    }

    private void cleanUp() {
        for (Process p : servers) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (String ns : made) {
            try {
                sh("ip", "netns", "del", ns);
            } catch (RuntimeException e) {
                out.println("  cleanup: " + e.getMessage());
            }
        }
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    private static String in(String ns, String... cmd) {
        List<String> l = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        l.addAll(List.of(cmd));
        return sh(l.toArray(String[]::new));
    }

    /** Runs a command (at most two minutes); its output, or an exception with it. */
    private static String sh(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[][] got = new byte[1][];
            Thread drain = new Thread(() -> {
                try {
                    got[0] = p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    got[0] = new byte[0];
                }
            });
            drain.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + ": no answer in 120 s");
            }
            drain.join(10_000);
            String text = got[0] == null ? "" : new String(got[0], StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + text.strip());
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
