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
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vendor SDK end to end: examples/vendor-tracker and examples/vendor-helper, standalone Maven projects, build
 * (and run their own tests) offline against what the build installed in the local repository (conntrack4j-api,
 * conntrack4j-testkit, and proto.udp for the helper's tests), and their bundles dropped into deploy/ of a running
 * distribution show in ct:trackers; deleted, they are gone.
 */
@Timeout(value = 400, unit = TimeUnit.SECONDS)
class VendorExampleTest {
    /** ct:trackers' rows for the examples' tracker and helper, served by their bundles. */
    private static final Pattern TOY_ROW = Pattern.compile(
        "(?m)^253\\s+toy\\s+ipv4,ipv6\\s+active\\s+com\\.example\\.conntrack\\.toyproto 1\\.0\\.0$");
    private static final Pattern TOYCTL_ROW = Pattern.compile(
        "(?m)^helper toyctl\\s+proto 17\\s+ipv4,ipv6\\s+active\\s+com\\.example\\.conntrack\\.toyctl 1\\.0\\.0$");

    @TempDir
    Path tmp;

    @Test
    void theExamplesBuildFromTheInstalledArtifactsAndHotDeploy() throws Exception {
        Path tracker = buildExample("vendor-tracker", "toyproto-tracker-1.0.0.jar", 5);
        Path helper = buildExample("vendor-helper", "toyctl-helper-1.0.0.jar", 14);

        Path home = Dist.unpack(Files.createDirectory(tmp.resolve("opt")));
        Map<String, String> env = Dist.plainEnv(Files.createDirectory(tmp.resolve("user-home")));
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/conntrack4j").toString(), "shell")
            .directory(tmp.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);   // Java alone, as an operator's machine
        Process p = pb.start();
        Dist.Drain out = new Dist.Drain(p.getInputStream());
        Path deployedTracker = home.resolve("deploy/toyproto-tracker.jar");
        Path deployedHelper = home.resolve("deploy/toyctl-helper.jar");
        try (OutputStream in = p.getOutputStream()) {
            Files.copy(tracker, deployedTracker, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(helper, deployedHelper, StandardCopyOption.REPLACE_EXISTING);
            // FileInstall scans deploy/ on its own thread (every second): ask until both show
            askUntil(p, in, out, 0, "ct:trackers\n", text -> TOY_ROW.matcher(text).find()
                && TOYCTL_ROW.matcher(text).find(), "the deployed tracker and helper");

            int mark = out.now().length();
            Files.delete(deployedTracker);
            Files.delete(deployedHelper);
            // gone from the framework first (lb finds neither), then a full ct:trackers table after that
            askUntil(p, in, out, mark, "lb -s com.example.conntrack\nct:trackers\n", text -> {
                int gone = text.indexOf("No matching bundles found.");
                return gone >= 0 && text.indexOf("extension gre-keymap", gone) > 0;
            }, "the removal of both");
            String after = out.now().substring(mark);
            String table = after.substring(after.indexOf("No matching bundles found."));
            table = table.substring(0, table.indexOf("extension gre-keymap"));
            assertTrue(table.contains("47     gre"), table);
            assertFalse(table.contains("toy"), "the tracker and the helper are gone from ct:trackers:\n" + table);
        } finally {
            Files.deleteIfExists(deployedTracker);
            Files.deleteIfExists(deployedHelper);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                fail("the shell did not end at end of input:\n" + out.now());
            }
        }
        assertEquals(0, p.exitValue(), out.text());
    }

    /**
     * Builds an example as a vendor would, offline: everything must come from the local repository. Returns its
     * bundle, after checking that its {@code tests} tests ran and passed.
     */
    private static Path buildExample(String name, String jarName, int tests) throws IOException {
        Path example = Dist.SOURCE_ROOT.resolve("examples").resolve(name);
        Path target = example.resolve("target");
        if (Files.exists(target)) {
            // no `clean`: its plugin is nothing the project's own build needs, so offline it may be missing
            try (Stream<Path> s = Files.walk(target)) {
                for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
        Map<String, String> env = new HashMap<>(System.getenv());
        Dist.Result r = Dist.run(List.of(Dist.SOURCE_ROOT.resolve("mvnw").toString(), "-B", "-o", "-f",
            example.resolve("pom.xml").toString(), "verify"), Dist.SOURCE_ROOT, env, null, 300);
        r.assertStatus(0);
        assertTrue(r.out().contains("Tests run: " + tests + ", Failures: 0, Errors: 0, Skipped: 0"), r.out());
        Path jar = target.resolve(jarName);
        assertTrue(Files.isRegularFile(jar), jar + " after:\n" + r.out());
        return jar;
    }

    /** Writes {@code command} every half second until the output since {@code mark} passes {@code done}. */
    private static void askUntil(Process p, OutputStream in, Dist.Drain out, int mark, String command,
                                 Predicate<String> done, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!done.test(out.now().substring(mark))) {
            if (System.nanoTime() > deadline || !p.isAlive()) {
                fail("the shell never showed " + what + ":\n" + out.now());
            }
            in.write(command.getBytes(StandardCharsets.UTF_8));
            in.flush();
            Thread.sleep(500);
        }
    }
}
