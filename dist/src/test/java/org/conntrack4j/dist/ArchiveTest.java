package org.conntrack4j.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive as it is listed and unpacked: its layout, the bundled kernel case, and its license files. */
class ArchiveTest {
    @TempDir
    static Path tmp;
    static Path home;
    /** Archive entry (without the top folder) to its mode string as tar lists it. */
    static final Map<String, String> ENTRIES = new TreeMap<>();

    @BeforeAll
    static void unpack() {
        Dist.Result list = Dist.run(List.of("tar", "-tvzf", Dist.ARCHIVE.toString()), tmp, Map.of(), null, 60);
        list.assertStatus(0);
        for (String line : list.out().split("\n")) {
            String[] f = line.trim().split("\\s+");
            String name = f[f.length - 1];
            assertTrue(name.startsWith(Dist.TOP + "/"), "entry outside " + Dist.TOP + "/: " + name);
            String rel = name.substring(Dist.TOP.length() + 1);
            if (!rel.isEmpty()) {
                ENTRIES.put(rel.endsWith("/") ? rel.substring(0, rel.length() - 1) : rel, f[0]);
            }
        }
        home = Dist.unpack(tmp);
    }

    @Test
    void topLevelHoldsTheDistributionAndNothingElse() {
        Set<String> top = ENTRIES.keySet().stream().map(e -> e.split("/")[0]).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(List.of("LICENSE", "NOTICE", "README.md", "bin", "data", "deploy", "etc", "examples",
            "lib", "licenses", "share")), top);
    }

    @Test
    void launcherIsExecutableAndTheRuntimeFoldersAreEmpty() {
        assertEquals("-rwxr-xr-x", ENTRIES.get("bin/conntrack4j"));
        assertEquals(List.of("bin/conntrack4j"), under("bin"));
        for (String empty : List.of("deploy", "data")) {
            assertEquals("drwxr-xr-x", ENTRIES.get(empty), empty);
            assertEquals(List.of(), under(empty), empty + " must ship empty");
        }
    }

    @Test
    void libHoldsTheRuntimeAndTheVersionReport() {
        assertEquals(List.of("lib/conntrack4j-ctl.jar", "lib/conntrack4j-version.jar", "lib/conntrack4j.jar"), under("lib"));
    }

    @Test
    void etcHoldsConfigurationLoggingAndTheExampleRuleset() {
        assertEquals(List.of("etc/logging.properties", "etc/org.apache.felix.fileinstall-deploy.cfg",
            "etc/org.conntrack4j.core.cfg", "etc/org.conntrack4j.log.cfg", "etc/org.conntrack4j.metrics.cfg",
            "etc/org.conntrack4j.rules.cfg", "etc/org.osgi.service.log.admin.cfg", "etc/ruleset.nft"), under("etc"));
    }

    @Test
    void shareHoldsTheServiceUnitAndTheContainerRecipe() {
        assertEquals(List.of("share/docker/Dockerfile", "share/systemd/conntrack4j.service"), under("share"));
    }

    @Test
    void bundledCaseIsTheKernelCaseUnchanged() throws IOException {
        Path source = Dist.SOURCE_ROOT.resolve("testdata/oracle/cases/udp");
        List<String> files;
        try (Stream<Path> s = Files.list(source)) {
            files = s.map(p -> "examples/udp/" + p.getFileName()).sorted().toList();
        }
        assertEquals(files, under("examples"));
        for (String f : files) {
            Path shipped = home.resolve(f);
            assertArrayEquals(Files.readAllBytes(source.resolve(shipped.getFileName())), Files.readAllBytes(shipped), f);
        }
        for (String needed : List.of("case.json", "ruleset.nft", "ingress.pcapng")) {
            assertTrue(files.contains("examples/udp/" + needed), needed);
        }
    }

    /** Every third-party jar shipped is named in LICENSE, its own license and notice files are in licenses/. */
    @Test
    void everyThirdPartyJarHasItsLicenseFiles() throws IOException {
        String license = Files.readString(home.resolve("LICENSE"));
        Path runtime = home.resolve("lib/conntrack4j.jar");
        Set<String> expectedDirs = new TreeSet<>();
        List<Dist.Embedded> jars = Dist.embedded(runtime);
        assertTrue(jars.size() > 20, "bundles in lib/conntrack4j.jar: " + jars.size());
        for (Dist.Embedded j : jars) {
            if (!j.thirdParty()) {
                continue;
            }
            assertTrue(license.contains(j.fileName()), "LICENSE does not name " + j.fileName());
            assertTrue(license.contains(j.symbolicName()), "LICENSE does not name " + j.symbolicName());
            String dir = j.fileName().substring(0, j.fileName().length() - ".jar".length());
            byte[] own = Dist.embeddedEntry(runtime, j.entry(), "META-INF/LICENSE");
            if (own == null) {
                // the jar ships none: LICENSE must say under which license text it is distributed, the project's
                // Apache-2.0 text or the component's own in licenses/FILE/LICENSE.txt
                assertTrue(license.contains("ships no"), j.fileName() + " has no license file; LICENSE must say "
                    + "which text applies");
                Path text = home.resolve("licenses/" + dir + "/LICENSE.txt");
                if (Files.isRegularFile(text)) {
                    assertTrue(license.contains("licenses/" + dir + "/LICENSE.txt"), "LICENSE does not point at " + text);
                    expectedDirs.add(dir);
                } else {
                    assertTrue(Files.isRegularFile(home.resolve("licenses/Apache-2.0.txt")), "licenses/Apache-2.0.txt");
                }
                continue;
            }
            expectedDirs.add(dir);
            assertArrayEquals(own, Files.readAllBytes(home.resolve("licenses/" + dir + "/LICENSE")), dir + "/LICENSE");
            byte[] notice = Dist.embeddedEntry(runtime, j.entry(), "META-INF/NOTICE");
            if (notice != null) {
                assertArrayEquals(notice, Files.readAllBytes(home.resolve("licenses/" + dir + "/NOTICE")), dir + "/NOTICE");
            }
        }
        Set<String> dirs;
        try (Stream<Path> s = Files.list(home.resolve("licenses"))) {
            dirs = s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(expectedDirs, dirs, "licenses/ must hold exactly the shipped third-party jars");
        assertTrue(license.contains("org.conntrack4j."), "LICENSE must speak of the project's own bundles");
    }

    /** NOTICE carries every notice a shipped jar carries (Apache-2.0, section 4(d)). */
    @Test
    void noticeGathersEveryShippedNotice() throws IOException {
        String notice = normalize(Files.readString(home.resolve("NOTICE")));
        Path runtime = home.resolve("lib/conntrack4j.jar");
        List<String> missing = new ArrayList<>();
        for (Dist.Embedded j : Dist.embedded(runtime)) {
            byte[] own = Dist.embeddedEntry(runtime, j.entry(), "META-INF/NOTICE");
            if (own != null && !notice.contains(normalize(new String(own, java.nio.charset.StandardCharsets.UTF_8)))) {
                missing.add(j.fileName());
            }
        }
        assertEquals(List.of(), missing, "NOTICE lacks the notice of");
    }

    @Test
    void everyJarIsABundleWithAVersion() throws IOException {
        for (Dist.Embedded j : Dist.embedded(home.resolve("lib/conntrack4j.jar"))) {
            assertNotNull(j.symbolicName(), j.entry());
            assertNotNull(j.version(), j.entry());
            assertFalse(j.symbolicName().equals("org.conntrack4j.dist"), "the version report is no runtime bundle");
        }
    }

    private static String normalize(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }

    /** The files under a top-level folder, sorted. */
    private static List<String> under(String dir) {
        return ENTRIES.entrySet().stream()
            .filter(e -> e.getKey().startsWith(dir + "/") && !e.getValue().startsWith("d"))
            .map(Map.Entry::getKey).sorted().toList();
    }
}
