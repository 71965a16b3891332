package org.conntrack4j.dist;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

/**
 * What the archive tests share: where the build left the archive (system properties set by dist/pom.xml),
 * unpacking it into a folder outside the source tree, running programs with a time limit, and reading the
 * bundles inside lib/conntrack4j.jar.
 */
final class Dist {
    static final String VERSION = property("dist.version");
    static final Path ARCHIVE = Path.of(property("dist.archive"));
    static final Path SOURCE_ROOT = Path.of(property("dist.sourceRoot")).toAbsolutePath().normalize();
    /** The folder the archive unpacks to. */
    static final String TOP = "conntrack4j-" + VERSION;

    private Dist() {
    }

    private static String property(String name) {
        String v = System.getProperty(name);
        assertNotNull(v, "system property " + name + " (set by dist/pom.xml's surefire configuration)");
        return v;
    }

    /** Unpacks the archive with tar into {@code dir} (which must lie outside the source tree); returns its top. */
    static Path unpack(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        assertFalse(abs.startsWith(SOURCE_ROOT), abs + " lies inside the source tree " + SOURCE_ROOT);
        assertTrue(Files.isRegularFile(ARCHIVE), ARCHIVE + " missing: the package phase makes it");
        Result r = run(List.of("tar", "-xzf", ARCHIVE.toString(), "-C", abs.toString()), abs, Map.of(), null, 60);
        r.assertStatus(0);
        return abs.resolve(TOP);
    }

    /** A finished program: exit status and both outputs. */
    record Result(List<String> command, int status, String out, String err) {
        void assertStatus(int expected) {
            if (status != expected) {
                fail(String.join(" ", command) + ": exit status " + status + ", expected " + expected
                    + "\n--- stdout:\n" + out + "\n--- stderr:\n" + err);
            }
        }
    }

    /**
     * Runs {@code command} in {@code dir} with exactly the environment {@code env} (nothing inherited), feeding
     * it {@code stdin} (or nothing), and kills it after {@code timeoutSeconds}.
     */
    static Result run(List<String> command, Path dir, Map<String, String> env, String stdin, int timeoutSeconds) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            Drain out = new Drain(p.getInputStream());
            Drain err = new Drain(p.getErrorStream());
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                fail(String.join(" ", command) + ": still running after " + timeoutSeconds + " s\n--- stdout:\n"
                    + out.text() + "\n--- stderr:\n" + err.text());
            }
            return new Result(command, p.exitValue(), out.text(), err.text());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The environment of a machine with Java alone: no Maven, no project variables, a home of its own. */
    static Map<String, String> plainEnv(Path home) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", home.toString());
        env.put("LANG", "C.UTF-8");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return env;
    }

    /** Reads a stream to its end on a thread of its own, so that a full pipe never blocks the program. */
    static final class Drain {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final Thread thread;

        Drain(InputStream in) {
            thread = new Thread(() -> {
                byte[] b = new byte[8192];
                try (in) {
                    for (int n; (n = in.read(b)) > 0; ) {
                        synchronized (buf) {
                            buf.write(b, 0, n);
                        }
                    }
                } catch (IOException e) {
                    // the program is gone: what was read stays
                }
            }, "drain");
            thread.setDaemon(true);
            thread.start();
        }

        /** What was read so far. */
        String now() {
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }

        /** Everything, once the stream has ended (or after 10 s). */
        String text() throws InterruptedException {
            thread.join(10_000);
            return now();
        }
    }

    /** One jar inside lib/conntrack4j.jar: its entry name (jar/NAME.jar) and manifest. */
    record Embedded(String entry, Manifest manifest) {
        String fileName() {
            return entry.substring(entry.lastIndexOf('/') + 1);
        }

        String symbolicName() {
            String bsn = manifest.getMainAttributes().getValue("Bundle-SymbolicName");
            return bsn == null ? null : bsn.split(";")[0].trim();
        }

        String version() {
            return manifest.getMainAttributes().getValue("Bundle-Version");
        }

        boolean thirdParty() {
            return !symbolicName().startsWith("org.conntrack4j.");
        }
    }

    /** Every jar under jar/ in the executable jar, whatever launcher.properties says. */
    static List<Embedded> embedded(Path runtimeJar) throws IOException {
        List<Embedded> list = new ArrayList<>();
        try (JarFile jf = new JarFile(runtimeJar.toFile())) {
            for (ZipEntry e : jf.stream().toList()) {
                if (e.getName().startsWith("jar/") && e.getName().endsWith(".jar")) {
                    try (JarInputStream in = new JarInputStream(jf.getInputStream(e))) {
                        list.add(new Embedded(e.getName(), in.getManifest()));
                    }
                }
            }
        }
        return list;
    }

    /** An entry of a jar inside lib/conntrack4j.jar, or null. */
    static byte[] embeddedEntry(Path runtimeJar, String jarEntry, String name) throws IOException {
        try (JarFile jf = new JarFile(runtimeJar.toFile());
             JarInputStream in = new JarInputStream(jf.getInputStream(jf.getEntry(jarEntry)))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals(name)) {
                    return in.readAllBytes();
                }
            }
        }
        return null;
    }
}
