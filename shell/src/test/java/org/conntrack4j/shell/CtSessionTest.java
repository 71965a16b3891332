package org.conntrack4j.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.stream.Collectors;
import org.apache.felix.service.command.CommandSession;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.proto.icmp.IcmpTracker;
import org.conntrack4j.proto.icmp.Icmpv6Tracker;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code ct:*} commands against the real conntrack 1.4.7: each session of {@code testdata/probes/ctcmd}
 * (recorded by {@code python3 -m tools.kernellab ctcmd} on Linux 6.18) is run command by command through the shell's
 * commands on an engine whose clock stands where the kernel's stood when the command ran, and what each printed is
 * compared with what conntrack printed: standard output line by line; on standard error conntrack's lines without
 * its program name and its "Try `conntrack -h'" hint; the exit status as success or failure. Flow ids, which the
 * kernel draws at random, are the one thing left out (the {@code <id>} of {@code -o xml}).
 */
class CtSessionTest {
    private static final String KERNEL_TOOL = "conntrack v1.4.7 (conntrack-tools): ";
    private static Path labels;
    private static String savedLabels;

    @BeforeAll
    static void labelMap() throws IOException {
        // the recording's connlabel.conf: each bit N named "N"
        labels = Files.createTempFile("connlabel", ".conf");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 128; i++) {
            sb.append(i).append(' ').append(i).append('\n');
        }
        Files.writeString(labels, sb);
        savedLabels = System.getProperty("conntrack4j.connlabel");
        System.setProperty("conntrack4j.connlabel", labels.toString());
    }

    @AfterAll
    static void removeLabelMap() throws IOException {
        if (savedLabels == null) {
            System.clearProperty("conntrack4j.connlabel");
        } else {
            System.setProperty("conntrack4j.connlabel", savedLabels);
        }
        Files.deleteIfExists(labels);
    }

    static List<String> sessions() {
        return TestData.caseNames(TestData.probes("ctcmd"), d -> Files.exists(d.resolve("session.txt")));
    }

    /** One recorded command: its arguments, time (and wall-clock time, 0 if not recorded), exit status and output. */
    record Step(String args, double at, long wall, int status, List<String> out, List<String> err) {
    }

    /** The command a session runs in the background from its start ({@code & ARGS}), or null. */
    static String background(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("& "))
            .map(l -> l.substring(2)).findFirst().orElse(null);
    }

    /** The sysctls a session sets first ({@code % sysctl NAME VALUE}). */
    static Map<String, Long> sysctls(Path file) throws IOException {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (l.startsWith("% sysctl ")) {
                String[] w = l.split(" ");
                m.put(w[2], Long.parseLong(w[3]));
            }
        }
        return m;
    }

    static List<Step> read(Path file) throws IOException {
        List<Step> steps = new ArrayList<>();
        String args = null;
        double at = 0;
        long wall = 0;
        int status = 0;
        List<String> out = new ArrayList<>();
        List<String> err = new ArrayList<>();
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (l.startsWith("$ ")) {
                if (args != null) {
                    steps.add(new Step(args, at, wall, status, out, err));
                }
                args = l.substring(2);
                wall = 0;
                out = new ArrayList<>();
                err = new ArrayList<>();
            } else if (l.startsWith("@ ")) {
                at = Double.parseDouble(l.substring(2));
            } else if (l.startsWith("~ ")) {
                wall = Long.parseLong(l.substring(2));
            } else if (l.startsWith("? ")) {
                status = Integer.parseInt(l.substring(2));
            } else if (l.startsWith("> ")) {
                out.add(l.substring(2));
            } else if (l.startsWith("! ")) {
                err.add(l.substring(2));
            }
        }
        if (args != null) {
            steps.add(new Step(args, at, wall, status, out, err));
        }
        return steps;
    }

    @ParameterizedTest
    @MethodSource("sessions")
    void printsWhatConntrackPrinted(String name) throws IOException, InterruptedException {
        Path file = TestData.probes("ctcmd").resolve(name).resolve("session.txt");
        List<Step> steps = read(file);
        assertFalse(steps.isEmpty());
        Plugins plugins = new Plugins();
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        plugins.addTracker(new IcmpTracker(), IpProto.ICMP);
        plugins.addTracker(new Icmpv6Tracker(), IpProto.ICMPV6);
        PrintStream savedErr = System.err;
        // conntrack ran with TZ=UTC: the local times it printed are UTC
        TimeZone savedZone = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
        try (Rig rig = new Rig(plugins)) {
            sysctls(file).forEach(rig::set);
            CtCommands ct = new CtCommands();
            ct.net = rig.net();
            ct.factory = plugins.factory();
            CtChangeCommands change = new CtChangeCommands();
            change.net = rig.net();
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            CommandSession session = CtCommandsTest.session(new PrintStream(console, true, StandardCharsets.UTF_8),
                new HashMap<>());
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            double now = 0;
            // conntrack -E in the background, as the recording ran it: ct:events on a thread of its own
            String bg = background(file);
            ByteArrayOutputStream bgConsole = new ByteArrayOutputStream();
            Thread events = null;
            if (bg != null) {
                CommandSession bgSession = CtCommandsTest.session(new PrintStream(bgConsole, true,
                    StandardCharsets.UTF_8), new HashMap<>());
                String[] bgArgs = bg.split(" ");
                events = new Thread(() -> {
                    try {
                        ct.events(bgSession, Arrays.copyOfRange(bgArgs, 1, bgArgs.length));
                    } catch (InterruptedException e) {
                        // conntrack -E's SIGINT: it prints its count and ends
                    }
                });
                events.start();
                // listening once it waits for its first event (a fixed sleep lost the first one on a loaded machine)
                long until = System.nanoTime() + 10_000_000_000L;
                while (events.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < until) {
                    Thread.sleep(5);
                }
                assertEquals(Thread.State.TIMED_WAITING, events.getState(), "ct:events waits for events");
            }
            for (Step s : steps) {
                if (bg != null && s.args().equals(bg)) {
                    // the end of the recording: conntrack -E was interrupted once its events had arrived
                    Thread.sleep(300);
                    events.interrupt();
                    events.join(10_000);
                    assertEquals(s.out().stream().map(l -> l.replaceAll(" \\[USERSPACE\\] portid=\\d+( progname=\\S+)?", ""))
                        .collect(Collectors.toList()), lines(bgConsole), name + ": conntrack " + bg
                        + " (standard output; conntrack4j's commands are no netlink sockets: no [USERSPACE] portid= progname=)");
                    assertEquals(s.err().stream().map(l -> l.replace(KERNEL_TOOL, "")).collect(Collectors.toList()),
                        lines(stderr).stream().map(l -> l.replace(CtChangeCommands.TOOL + ": ", ""))
                            .collect(Collectors.toList()), name + ": conntrack " + bg + " (standard error)");
                    continue;
                }
                if (s.wall() != 0) {
                    // the engine's clock where the kernel's stood (timestamps are wall-clock times)
                    rig.clock().setWallNanos(s.wall());
                } else {
                    rig.advance(s.at() - now);
                }
                now = s.at();
                String[] argv = s.args().split(" ");
                String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
                boolean failed = false;
                try {
                    switch (argv[0]) {
                        case "-I" -> change.create(session, rest);
                        case "-U" -> change.update(session, rest);
                        case "-L" -> ct.list(session, rest);
                        case "-G" -> ct.get(session, rest);
                        case "-D" -> ct.delete(session, rest);
                        case "-C" -> ct.count(session, rest);
                        case "-S" -> ct.stats(session, rest);
                        case "-F" -> ct.flush(session, rest);
                        default -> throw new AssertionError("no command for " + argv[0]);
                    }
                } catch (IllegalArgumentException | IllegalStateException e) {
                    System.err.println(e.getMessage());
                    failed = true;
                }
                String what = name + ": conntrack " + s.args();
                // a dump's order is the kernel's hash order, which depends on a seed drawn at boot: -L and -D are
                // compared as the same lines in any order
                boolean dump = argv[0].equals("-L") || argv[0].equals("-D");
                // conntrack -S prints a line per CPU; one engine is one CPU: the kernel's lines are summed into one
                List<String> expected = argv[0].equals("-S") ? List.of(oneCpu(s.out())) : withoutIds(s.out());
                assertEquals(ordered(expected, dump), ordered(withoutIds(lines(console)), dump),
                    what + " (standard output)");
                assertEquals(s.err().stream().filter(l -> !l.startsWith("Try `conntrack -h'"))
                    .map(l -> l.replace(KERNEL_TOOL, "")).collect(Collectors.toList()),
                    lines(stderr).stream().map(l -> l.replace(CtChangeCommands.TOOL + ": ", ""))
                        .collect(Collectors.toList()), what + " (standard error)");
                assertEquals(s.status() != 0, failed, what + " (exit status " + s.status() + ")");
            }
        } finally {
            System.setErr(savedErr);
            TimeZone.setDefault(savedZone);
        }
    }

    private static List<String> lines(ByteArrayOutputStream b) {
        List<String> l = b.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());
        b.reset();
        return l;
    }

    /** conntrack -S's per-CPU lines as one line of CPU 0: each counter summed, in conntrack's format. */
    static String oneCpu(List<String> cpus) {
        Map<String, Long> sum = new LinkedHashMap<>();
        for (String l : cpus) {
            String[] w = l.substring(l.indexOf('\t') + 1).trim().split(" ");
            for (String kv : w) {
                int eq = kv.indexOf('=');
                sum.merge(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)), Long::sum);
            }
        }
        StringBuilder sb = new StringBuilder("cpu=0   \t");
        sum.forEach((k, v) -> sb.append(k).append('=').append(v).append(' '));
        return sb.toString();
    }

    private static List<String> ordered(List<String> lines, boolean sort) {
        return sort ? lines.stream().sorted().collect(Collectors.toList()) : lines;
    }

    private static List<String> withoutIds(List<String> lines) {
        return lines.stream().map(l -> l.replaceAll("<id>\\d+</id>", "<id/>")).collect(Collectors.toList());
    }

}
