package org.conntrack4j.rules.eval;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The oracle cases' rulesets (testdata/oracle/cases/NAME/ruleset.nft). */
final class OracleCases {
    private OracleCases() {
    }

    static Path casesDir() {
        String prop = System.getProperty("conntrack4j.testdata");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop, "oracle", "cases");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("testdata").resolve("oracle").resolve("cases");
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return fail("testdata/oracle/cases not found above " + Path.of("").toAbsolutePath());
    }

    static List<String> names() {
        try (Stream<Path> s = Files.list(casesDir())) {
            return s.filter(p -> Files.isRegularFile(p.resolve("ruleset.nft"))).map(p -> p.getFileName().toString())
                .sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String ruleset(String name) {
        try {
            return Files.readString(casesDir().resolve(name).resolve("ruleset.nft"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
