package org.conntrack4j.log;

import static org.conntrack4j.log.Fakes.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.admin.LoggerAdmin;

/** log:set and log:get on the logger contexts, log:display on the reader's history. */
class LogCommandsTest {
    private static final List<String> BUNDLES = List.of("org.conntrack4j.core", "org.conntrack4j.rules");

    private final LoggerAdmin admin = Fakes.admin();

    @Test
    void aBundlesLevelIsItsContextsRootAndDefaultTakesItAway() {
        assertNull(LogCommands.set(admin, BUNDLES, "debug", "org.conntrack4j.rules"));
        assertEquals(LogLevel.DEBUG, admin.getLoggerContext("org.conntrack4j.rules").getEffectiveLogLevel("x.y"));
        assertEquals(LogLevel.WARN, admin.getLoggerContext("org.conntrack4j.core").getEffectiveLogLevel("x.y"));
        assertEquals(List.of("org.conntrack4j.rules ROOT = DEBUG", "org.conntrack4j.rules (effective) = DEBUG"),
            LogCommands.get(admin, List.of("org.conntrack4j.rules"), false));
        assertNull(LogCommands.set(admin, BUNDLES, "DEFAULT", "org.conntrack4j.rules"));
        assertEquals(LogLevel.WARN, admin.getLoggerContext("org.conntrack4j.rules").getEffectiveLogLevel("x.y"));
    }

    @Test
    void aNameThatIsNoBundleIsALoggerOfTheRootContextAndNoNameIsRoot() {
        assertNull(LogCommands.set(admin, BUNDLES, "DEBUG", "org.conntrack4j.rules.log"));
        assertEquals(LogLevel.DEBUG,
            admin.getLoggerContext("org.conntrack4j.rules").getEffectiveLogLevel("org.conntrack4j.rules.log"));
        assertEquals(LogLevel.WARN,
            admin.getLoggerContext("org.conntrack4j.rules").getEffectiveLogLevel("org.conntrack4j.rules.live"));
        assertNull(LogCommands.set(admin, BUNDLES, "ERROR"));
        assertEquals(List.of("(root) ROOT = ERROR", "(root) org.conntrack4j.rules.log = DEBUG"),
            LogCommands.get(admin, BUNDLES, true));
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        assertEquals("unknown level LOUD; " + LogCommands.USAGE_SET, LogCommands.set(admin, BUNDLES, "LOUD"));
        assertEquals(LogCommands.USAGE_SET, LogCommands.set(admin, BUNDLES));
    }

    @Test
    void displayShowsTheLastEntriesThatPassTheirLevelsOldestFirst() {
        LogReaderService reader = Fakes.reader(List.of(
            entry(LogLevel.ERROR, "org.conntrack4j.core", "org.conntrack4j.core", "third", null),
            entry(LogLevel.DEBUG, "org.conntrack4j.core", "org.conntrack4j.core", "hidden", null),
            entry(LogLevel.WARN, "org.conntrack4j.core", "org.conntrack4j.core", "second", null),
            entry(LogLevel.WARN, "org.conntrack4j.core", "org.conntrack4j.core", "first", null)), new ArrayList<>());
        List<String> all = LogCommands.display(reader, admin, Integer.MAX_VALUE);
        assertEquals(3, all.size(), all.toString());
        assertTrue(all.get(0).endsWith(" WARN org.conntrack4j.core: first\n"), all.get(0));
        assertTrue(all.get(2).endsWith(" ERROR org.conntrack4j.core: third\n"), all.get(2));
        List<String> two = LogCommands.display(reader, admin, 2);
        assertEquals(all.subList(1, 3), two);
    }
}
