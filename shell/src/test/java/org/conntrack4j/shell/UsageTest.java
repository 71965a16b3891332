package org.conntrack4j.shell;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class UsageTest {
    /** The repository's root: the shell module's parent (tests run in the module's folder). */
    private static final Path ROOT = Paths.get("").toAbsolutePath().getParent();

    @Test
    void theHelpPointsOnlyAtDocumentsTheRepositoryHas() {
        Matcher m = Pattern.compile("[A-Za-z0-9_./-]+\\.md").matcher(Usage.TEXT);
        int named = 0;
        while (m.find()) {
            named++;
            assertTrue(Files.isRegularFile(ROOT.resolve(m.group())), m.group() + " is named by --help but not in " + ROOT);
        }
        assertTrue(named > 0, "the help points at the README for the details");
    }
}
