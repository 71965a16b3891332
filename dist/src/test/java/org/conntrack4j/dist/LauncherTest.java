package org.conntrack4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unpacked archive run as an operator would: outside the source tree, from another folder, through symlinks,
 * with Java alone on the machine (no Maven, an empty home folder).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LauncherTest {
    @TempDir
    static Path tmp;
    static Path home;
    static Path elsewhere;
    static Map<String, String> env;

    @BeforeAll
    static void unpack() throws IOException {
        home = Dist.unpack(Files.createDirectory(tmp.resolve("opt")));
        elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        env = Dist.plainEnv(Files.createDirectory(tmp.resolve("user-home")));
    }

    private static List<String> launcher(String... args) {
        List<String> c = new ArrayList<>(List.of(home.resolve("bin/conntrack4j").toString()));
        c.addAll(List.of(args));
        return c;
    }

    /** --version through a chain of symlinks (one relative, one absolute) from another folder. */
    @Test
    void versionNamesTheProjectVersionAndEveryBundle() throws IOException {
        Path links = Files.createDirectories(tmp.resolve("links/bin"));
        Path absolute = Files.createSymbolicLink(links.resolve("ct4j-abs"), home.resolve("bin/conntrack4j"));
        Path onPath = Files.createDirectories(tmp.resolve("usr/local/bin"));
        Files.createSymbolicLink(onPath.resolve("conntrack4j"), onPath.relativize(absolute));
        Map<String, String> withLink = new TreeMap<>(env);
        withLink.put("PATH", onPath + ":" + env.get("PATH"));

        // env looks the name up on the PATH given to it, as a login shell would
        Dist.Result r = Dist.run(List.of("/usr/bin/env", "conntrack4j", "--version"), elsewhere, withLink, null, 60);
        r.assertStatus(0);
        List<String> lines = r.out().lines().toList();
        assertEquals("conntrack4j " + Dist.VERSION, lines.get(0));
        List<Dist.Embedded> jars = Dist.embedded(home.resolve("lib/conntrack4j.jar"));
        for (Dist.Embedded j : jars) {
            // the bnd launcher is on the run path; the framework is the system bundle
            Pattern p = Pattern.compile("^\\s+" + Pattern.quote(j.symbolicName()) + "\\s+" + Pattern.quote(j.version())
                + "(\\s.*)?$");
            assertTrue(lines.stream().anyMatch(l -> p.matcher(l).matches()),
                j.symbolicName() + " " + j.version() + " missing from:\n" + r.out());
        }
        long bundleLines = lines.stream().filter(l -> l.startsWith("  ")).count();
        assertEquals(jars.size(), bundleLines, "one line per jar in lib/conntrack4j.jar:\n" + r.out());
        assertFalse(r.out().contains("org.conntrack4j.dist"), "the version report is no runtime bundle");
        if (!Dist.VERSION.endsWith("-SNAPSHOT")) {
            assertFalse(r.out().contains("SNAPSHOT"), "a release build shows no SNAPSHOT anywhere:\n" + r.out());
        }
        assertEquals("", r.err());
    }

    /**
     * A replay of the bundled kernel case agrees with the kernel, and under strace: the program changes nothing
     * outside data/ and the output folder, and reads nothing of the source tree or of a Maven repository.
     */
    @Test
    void replayOfTheBundledCaseWritesOnlyDataAndItsOutput() throws IOException {
        Path out = tmp.resolve("replay-out");
        Path log = tmp.resolve("strace.log");
        Map<String, Long> before = snapshot(home);
        List<String> cmd = new ArrayList<>(FileTrace.command(log));
        cmd.addAll(launcher("replay", home.resolve("examples/udp").toString(), "--out", out.toString(), "--check"));

        Dist.Result r = Dist.run(cmd, elsewhere, env, null, 180);
        r.assertStatus(0);
        Matcher m = Pattern.compile("(?m)^(verdicts|events|table|egress)\\s+(\\d+)/(\\d+)$").matcher(r.out());
        int scores = 0;
        while (m.find()) {
            assertEquals(m.group(3), m.group(2), m.group() + " in:\n" + r.out());
            assertTrue(Integer.parseInt(m.group(3)) > 0, m.group());
            scores++;
        }
        assertEquals(4, scores, "agreement lines in:\n" + r.out());
        for (String f : List.of("ctstate.tsv", "events.txt", "table.txt", "egress.pcapng")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }

        FileTrace t = FileTrace.parse(log);
        Path data = home.resolve("data");
        List<String> outside = t.changed.stream()
            .filter(p -> !(p.startsWith(data + "/") || p.equals(out.toString()) || p.startsWith(out + "/")
                || p.equals("/dev/null") || p.startsWith("/proc/self/") || p.matches("/proc/\\d+/.*")))
            .distinct().toList();
        assertEquals(List.of(), outside, "changed outside data/ and the output folder");
        assertTrue(t.changed.stream().anyMatch(p -> p.startsWith(data + "/tmp/")), "the trace saw the framework storage");
        String m2 = System.getProperty("user.home") + "/.m2/";
        List<String> foreign = Stream.concat(t.read.stream(), t.changed.stream())
            .filter(p -> p.startsWith(Dist.SOURCE_ROOT + "/") || p.startsWith(m2)).distinct().toList();
        assertEquals(List.of(), foreign, "opened files of the source tree or of Maven");

        assertEquals(before, snapshot(home), "files of the distribution outside data/ changed");
        assertEquals(List.of(), leftInData(), "data/tmp after the run");
    }

    /**
     * The interactive shell sees the configuration of etc/ (the example ruleset loaded through
     * org.conntrack4j.rules.cfg) and installs a bundle dropped into deploy/; --version lists it.
     */
    @Test
    void shellAppliesEtcAndDeploysFromDeploy() throws Exception {
        Path probe = home.resolve("deploy/probe.jar");
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        mf.getMainAttributes().putValue("Bundle-SymbolicName", "org.conntrack4j.disttest.probe");
        mf.getMainAttributes().putValue("Bundle-Version", "1.2.3");
        try (OutputStream o = Files.newOutputStream(probe); JarOutputStream j = new JarOutputStream(o, mf)) {
            // a manifest is all a bundle needs
        }
        try {
            Process p = start(launcher("shell"));
            Dist.Drain out = new Dist.Drain(p.getInputStream());
            Dist.Drain err = new Dist.Drain(p.getErrorStream());
            try (OutputStream in = p.getOutputStream()) {
                // FileInstall applies etc/ and scans deploy/ in its own threads: ask until both show, 60 s at most
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!(out.now().contains("table ip nat") && out.now().contains("org.conntrack4j.disttest.probe (1.2.3)"))) {
                    if (System.nanoTime() > deadline || !p.isAlive()) {
                        fail("shell never showed the ruleset of etc/ and the bundle of deploy/:\n" + out.now()
                            + "\n--- stderr:\n" + err.now());
                    }
                    in.write("nft:list\nlb -s disttest\n".getBytes(StandardCharsets.UTF_8));
                    in.flush();
                    Thread.sleep(500);
                }
            }
            // end of input ends the shell and the framework
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "shell did not end at end of input");
            assertEquals(0, p.exitValue());
            String text = out.text();
            assertTrue(text.contains("oifname \"wan\" masquerade"), text);
            assertTrue(text.contains("ct helper ftp-standard"), text);
            assertEquals("", err.text(), "nothing on stderr (etc/ loads without a warning)");

            Dist.Result v = Dist.run(launcher("--version"), elsewhere, env, null, 60);
            v.assertStatus(0);
            assertTrue(v.out().matches("(?s).*\\n\\s+org\\.conntrack4j\\.disttest\\.probe\\s+1\\.2\\.3\\s+\\(deploy/probe\\.jar\\)\\n.*"),
                v.out());
        } finally {
            Files.delete(probe);
        }
        assertEquals(List.of(), leftInData());
    }

    /** The service mode: runs without a console until SIGTERM, then stops the framework and cleans up. */
    @Test
    void serverRunsUntilTerminatedAndCleansUp() throws Exception {
        Process p = start(launcher("server"));
        Dist.Drain out = new Dist.Drain(p.getInputStream());
        Dist.Drain err = new Dist.Drain(p.getErrorStream());
        p.getOutputStream().close();
        assertFalse(p.waitFor(5, TimeUnit.SECONDS), "server ended by itself:\n" + out.now() + err.now());
        try (Stream<Path> storage = Files.list(home.resolve("data/tmp/" + p.pid()))) {
            assertTrue(storage.findAny().isPresent(), "framework storage in data/tmp/PID");
        }
        p.destroy();   // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "server ignored SIGTERM");
        assertEquals(143, p.exitValue(), "128 + SIGTERM, as share/systemd/conntrack4j.service expects");
        assertEquals("", out.text());
        assertEquals("", err.text());
        assertEquals(List.of(), leftInData());
    }

    /**
     * In the interactive shell, exit and logout end it as Karaf's do (exit with the status asked for; no line after
     * them runs), and a command's output goes down a pipe: grep keeps only the UDP tracker's row.
     */
    @Test
    void exitAndLogoutEndTheShellAndCommandsPrintIntoPipes() {
        String replay = "replay " + home.resolve("examples/udp") + " --out " + tmp.resolve("piped") + " | grep agreement\n";
        Dist.Result r = Dist.run(launcher(), elsewhere, env, "ct:trackers | grep udp\n" + replay + "exit 3\nct:trackers\n",
            120);
        r.assertStatus(3);
        assertTrue(r.out().contains(" udp "), r.out());
        assertTrue(r.out().contains("agreement with the kernel"), "replay's output did not reach grep:\n" + r.out());
        assertFalse(r.out().contains("verdicts 21/21"), "grep let replay's other lines through:\n" + r.out());
        assertFalse(r.out().contains(" tcp ") || r.out().contains(" icmp "), "grep let other rows through:\n" + r.out());
        assertFalse(r.out().contains("Cannot coerce") || r.err().contains("Cannot coerce"), r.out() + r.err());
        r = Dist.run(launcher(), elsewhere, env, "logout\nct:trackers\n", 120);
        r.assertStatus(0);
        assertFalse(r.out().contains(" udp "), "a command after logout ran:\n" + r.out());
    }

    /**
     * On a terminal (a pseudo-terminal that script(1) holds): Ctrl-C ends the running command and not the shell,
     * Ctrl-C at the prompt gives a fresh prompt, Tab completes a command's name, and the history keeps the lines
     * typed.
     */
    @Test
    void ctrlCInterruptsTheCommandOnlyAndTabCompletes() throws Exception {
        Path history = home.resolve("data/history");
        Files.deleteIfExists(history);
        Process p = start(List.of("script", "-qfec", "stty cols 120 rows 40; exec " + home.resolve("bin/conntrack4j"),
            "/dev/null"));
        Dist.Drain out = new Dist.Drain(p.getInputStream());
        try (OutputStream in = p.getOutputStream()) {
            awaitText(p, out, "g! ", 1);
            type(in, "ct:events\r");
            Thread.sleep(1500);   // the command runs, waiting for events
            type(in, "\u0003");
            awaitText(p, out, "g! ", 2);
            type(in, "\u0003");   // at the prompt: a fresh line, nothing else
            awaitText(p, out, "g! ", 3);
            type(in, "ct:cou\t\r");
            awaitText(p, out, "\n0\n", 1);
            type(in, "exit 7\r");
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the shell did not end at exit:\n" + out.now());
        } finally {
            p.destroyForcibly();
        }
        assertEquals(7, p.exitValue(), out.text());
        String text = plain(out.text());
        assertTrue(text.contains("ct:count"), "Tab did not complete ct:cou:\n" + text);
        assertTrue(text.lines().anyMatch(l -> l.strip().equals("0")), "ct:count did not run:\n" + text);
        assertTrue(Files.readString(history).contains("ct:events"), "history: " + Files.readString(history));
    }

    /** Waits (30 s at most) until the text occurs at least {@code times} times in the output. */
    private static void awaitText(Process p, Dist.Drain out, String text, int times) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (plain(out.now()).split(Pattern.quote(text), -1).length - 1 < times) {
            if (System.nanoTime() > deadline || !p.isAlive()) {
                fail("no " + times + " x \"" + text + "\" in:\n" + out.now());
            }
            Thread.sleep(100);
        }
    }

    /** Terminal output without its escape sequences (colours, modes) and carriage returns. */
    private static String plain(String terminal) {
        return terminal.replaceAll("\u001B\\[[?0-9;]*[A-Za-z=>]|\u001B[=>]|\r", "");
    }

    private static void type(OutputStream in, String keys) throws IOException {
        in.write(keys.getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    @Test
    void helpNamesTheLauncherCommandsToo() {
        Dist.Result r = Dist.run(launcher("--help"), elsewhere, env, null, 60);
        r.assertStatus(0);
        for (String c : List.of("conntrack4j replay", "conntrack4j shell", "conntrack4j server", "conntrack4j --version")) {
            assertTrue(r.out().contains(c), c + " missing from:\n" + r.out());
        }
    }

    @Test
    void refusesJavaOlderThan17() throws IOException {
        Path fake = Files.createDirectories(tmp.resolve("jdk11/bin"));
        Path java = fake.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho 'openjdk version \"11.0.22\" 2024-01-16' >&2\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> old = new TreeMap<>(env);
        old.put("JAVA_HOME", fake.getParent().toString());
        Dist.Result r = Dist.run(launcher("--version"), elsewhere, old, null, 30);
        r.assertStatus(1);
        assertTrue(r.err().contains("needs Java 17 or later") && r.err().contains("11.0.22"), r.err());
    }

    /** bench runs on the throughput collector (the launcher's choice), unless JAVA_OPTS names another. */
    @Test
    void benchRunsOnParallelGcUnlessJavaOptsNamesACollector() {
        List<String> tiny = launcher("bench", "--workload", "A", "--threads", "1", "--batch", "1", "--runs", "1",
            "--packets", "1000", "--warmup", "0");
        Dist.Result r = Dist.run(tiny, elsewhere, env, null, 120);
        r.assertStatus(0);
        assertTrue(r.out().contains("collector: PS MarkSweep, PS Scavenge"), r.out());
        Map<String, String> serial = new TreeMap<>(env);
        serial.put("JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC");
        r = Dist.run(tiny, elsewhere, serial, null, 120);
        r.assertStatus(0);
        assertTrue(r.out().contains("collector: Copy, MarkSweepCompact"), r.out());
    }

    /** A read-only distribution: CONNTRACK4J_DATA moves data/ elsewhere. */
    @Test
    void dataFolderCanLiveElsewhere() throws IOException {
        Path data = tmp.resolve("var-lib");
        Map<String, String> moved = new TreeMap<>(env);
        moved.put("CONNTRACK4J_DATA", data.toString());
        Dist.Result r = Dist.run(launcher("lb"), elsewhere, moved, null, 120);
        r.assertStatus(0);
        assertTrue(Files.isDirectory(data.resolve("tmp")), "data/tmp made in CONNTRACK4J_DATA");
    }

    /** ct:*, nft:* and router:* go to a running router's control socket: none runs here, so they say so. */
    @Test
    void controlCommandsSayWhenNoRouterRuns() {
        for (List<String> cmd : List.of(launcher("ct:list"), launcher("--instance", "x", "nft:list"))) {
            Dist.Result r = Dist.run(cmd, elsewhere, env, null, 30);
            r.assertStatus(1);
            assertTrue(r.err().contains("conntrack4j: no router") && r.err().contains("is running"), r.err());
            assertEquals("", r.out());
        }
    }

    private static Process start(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(elsewhere.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb.start();
    }

    /**
     * What is left under data/: at most empty folders of instances that ended (removed at the next start), and the
     * shell's command history.
     */
    private static List<String> leftInData() throws IOException {
        try (Stream<Path> s = Files.walk(home.resolve("data"))) {
            return s.filter(Files::isRegularFile).filter(f -> !f.equals(home.resolve("data/history")))
                .map(Path::toString).toList();
        }
    }

    /** Every file of the distribution outside data/, with its size and modification time. */
    private static Map<String, Long> snapshot(Path root) throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(p -> !p.startsWith(root.resolve("data"))).toList()) {
                m.put(root.relativize(p).toString(), Files.isRegularFile(p)
                    ? Files.size(p) * 31 + Files.getLastModifiedTime(p).toMillis() : -1L);
            }
        }
        return m;
    }
}
