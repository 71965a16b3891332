package org.conntrack4j.log;

import static org.conntrack4j.log.Fakes.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;

/**
 * The Log Service's entries in the file and on standard error: one line each, the earlier ones first, then as they
 * come; without a LoggerAdmin to say the levels, WARN and above; nothing on the console of the interactive shell.
 */
class LogOutputTest {
    @TempDir
    Path dir;

    private final List<LogListener> listeners = new ArrayList<>();
    // the reader lists the newest entry first
    private final List<LogEntry> history = List.of(
        entry(LogLevel.INFO, "org.apache.felix.log", "Events.Service.org.apache.felix.log", "registered", null),
        entry(LogLevel.WARN, "org.conntrack4j.rules", "org.conntrack4j.rules.live.LiveRuleset", "nft: second", null),
        entry(LogLevel.ERROR, null, null, "first", null));

    private LogOutput output(ByteArrayOutputStream console) {
        LogOutput o = new LogOutput();
        o.console = console == null ? null : new PrintStream(console, true, StandardCharsets.UTF_8);
        o.file = RotatingFile.open(dir, "conntrack4j", 1 << 20, 2);
        return o;
    }

    private void feed(LogOutput o) {
        o.bindReader(Fakes.reader(history, listeners));
        // not active yet: the history waits for activation, as Declarative Services binds before it activates
        assertEquals(List.of(), listeners);
    }

    @Test
    void entriesAtWarnOrAboveBecomeLinesOldestFirstOnTheConsoleAndInTheFile() throws IOException {
        assertTrue(Files.notExists(dir.resolve("conntrack4j.log")), "nothing before the first entry");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        LogOutput o = output(console);
        feed(o);
        RotatingFile f = o.file;
        o.console = new PrintStream(console, true, StandardCharsets.UTF_8);
        startWith(o, f);
        listeners.get(0).logged(entry(LogLevel.WARN, "org.conntrack4j.core", "org.conntrack4j.core",
            "hook function of x failed; packet dropped", new IllegalStateException("boom")));
        listeners.get(0).logged(entry(LogLevel.DEBUG, "org.conntrack4j.rules", "org.conntrack4j.rules.log",
            "x: IN=lan", null));
        o.deactivate();
        assertEquals(List.of(), listeners);

        List<String> lines = console.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals("conntrack4j: ERROR framework: first", lines.get(0));
        assertEquals("conntrack4j: WARN org.conntrack4j.rules org.conntrack4j.rules.live.LiveRuleset: nft: second",
            lines.get(1));
        assertEquals("conntrack4j: WARN org.conntrack4j.core: hook function of x failed; packet dropped",
            lines.get(2));
        assertEquals("java.lang.IllegalStateException: boom", lines.get(3));
        assertTrue(lines.get(4).trim().startsWith("at "), lines.get(4));
        assertTrue(lines.stream().noneMatch(l -> l.contains("registered") || l.contains("IN=lan")),
            "below WARN, the default level without a LoggerAdmin: " + lines);

        List<String> file = Files.readAllLines(dir.resolve("conntrack4j.log"));
        assertTrue(file.get(0).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S+ ERROR framework: first"),
            file.get(0));
        assertTrue(file.get(2).endsWith(" WARN org.conntrack4j.core: hook function of x failed; packet dropped"));
        assertEquals("java.lang.IllegalStateException: boom", file.get(3));
    }

    /** The interactive shell: its console is the commands'; the file has everything. */
    @Test
    void theInteractiveShellsConsoleStaysQuiet() throws IOException {
        LogOutput o = output(null);
        feed(o);
        startWith(o, o.file);
        listeners.get(0).logged(entry(LogLevel.ERROR, "org.conntrack4j.core", "org.conntrack4j.core", "late", null));
        o.deactivate();
        List<String> file = Files.readAllLines(dir.resolve("conntrack4j.log"));
        assertEquals(3, file.size(), file.toString());
        assertTrue(file.get(2).endsWith(" ERROR org.conntrack4j.core: late"), file.get(2));
    }

    /** What {@code activate} does once the console and the file are chosen. */
    private static void startWith(LogOutput o, RotatingFile f) {
        o.file = f;
        o.start();
    }

    @Test
    void noDataFolderAndNoConfiguredFileIsNoFile() {
        assertEquals(null, LogOutput.openFile(Map.of(), null, null));
        assertEquals(null, LogOutput.openFile(Map.of(LogOutput.FILE, "off"), "/nonexistent", null));
    }

    @Test
    void theDataFoldersLogIsTheDefault() throws IOException {
        RotatingFile f = LogOutput.openFile(Map.of(), dir.toString(), null);
        try {
            assertEquals(null, f.path(), "nothing opened before the first write");
            assertTrue(Files.notExists(dir.resolve("log")));
            f.write("x\n");
            assertEquals(dir.resolve("log/conntrack4j.log"), f.path());
        } finally {
            f.close();
        }
    }
}
