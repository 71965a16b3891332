package org.conntrack4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where the kernel evidence is: the repository's {@code testdata/} folder (reference cases in {@code oracle/cases},
 * the project's recordings in {@code recorded}, per-subject probes in {@code probes/SUBJECT}). Found from the system
 * property {@value #PROPERTY} when set (a vendor's own copy), else by walking up from the working directory (a
 * module folder under Maven).
 */
public final class TestData {
    /** System property naming the testdata folder. */
    public static final String PROPERTY = "conntrack4j.testdata";

    private TestData() {
    }

    /** The testdata folder; IllegalStateException when there is none. */
    public static Path root() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            Path p = Path.of(prop);
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException(PROPERTY + " names no folder: " + p);
            }
            return p;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("testdata");
            if (Files.isDirectory(p.resolve("oracle"))) {
                return p;
            }
        }
        throw new IllegalStateException("testdata/ not found above " + Path.of("").toAbsolutePath()
            + " (or set -D" + PROPERTY + "=DIR)");
    }

    /** A folder under testdata ({@code oracle/cases}, {@code probes/tcp}); IllegalStateException if missing. */
    public static Path folder(String relative) {
        Path p = root().resolve(relative);
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("testdata/" + relative + " is missing");
        }
        return p;
    }

    /** The reference kernel cases' folder, {@code testdata/oracle/cases}. */
    public static Path oracleCases() {
        return folder("oracle/cases");
    }

    /** The probes of one subject, {@code testdata/probes/SUBJECT}. */
    public static Path probes(String subject) {
        return folder("probes/" + subject);
    }

    /** The sub-folders of {@code dir} that pass {@code keep}, sorted by name. */
    public static List<Path> cases(Path dir, Predicate<Path> keep) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).filter(keep).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The names of the sub-folders of {@code dir} that pass {@code keep}, sorted. */
    public static List<String> caseNames(Path dir, Predicate<Path> keep) {
        return cases(dir, keep).stream().map(p -> p.getFileName().toString()).collect(Collectors.toList());
    }
}
