package org.conntrack4j.replay.pcap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where the kernel oracle cases are for tests: {@code testdata/oracle/cases} of the project, found by walking up
 * from the working directory (the module folder under Maven), or the folder named by the system property
 * {@code conntrack4j.oracle.cases}.
 */
public final class OracleCases {
    private OracleCases() {
    }

    public static Path root() {
        String configured = System.getProperty("conntrack4j.oracle.cases");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("testdata/oracle/cases");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no testdata/oracle/cases above " + Path.of("").toAbsolutePath());
    }

    /** Every case folder, by name. */
    public static List<Path> all() {
        try (Stream<Path> dirs = Files.list(root())) {
            return dirs.filter(Files::isDirectory).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path dir(String name) {
        return root().resolve(name);
    }

    /** The data rows of a TSV file (non-blank lines after the header), split on tabs. */
    public static List<String[]> rows(Path tsv) throws IOException {
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        return lines.stream().skip(1).filter(l -> !l.isBlank()).map(l -> l.split("\t", -1))
                .collect(Collectors.toList());
    }
}
