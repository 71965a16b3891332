package org.conntrack4j.rules.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.Map;
import org.conntrack4j.rules.nft.TestData;

/** The oracle cases' rulesets (testdata/oracle/cases/NAME/ruleset.nft). */
final class OracleCases {
    private OracleCases() {
    }

    static Path casesDir() {
        return TestData.casesDir();
    }

    /** The cases whose rulesets the subset supports ({@link TestData#caseDirs}). */
    static List<String> names() {
        return TestData.caseDirs().stream().filter(p -> Files.isRegularFile(p.resolve("ruleset.nft")))
            .map(p -> p.getFileName().toString()).collect(Collectors.toList());
    }

    /** The helper of the case's case.json as {type, protocol number}, or null when it has none. */
    static Object[] helper(String name) {
        Object h = TestData.caseJson(casesDir().resolve(name)).get("helper");
        if (!(h instanceof Map)) {
            return null;
        }
        Map<?, ?> m = (Map<?, ?>) h;
        Object proto = m.get("protocol");
        return new Object[] {m.get("type"), "udp".equals(proto) ? 17 : 6};
    }

    static String ruleset(String name) {
        try {
            return Files.readString(casesDir().resolve(name).resolve("ruleset.nft"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
