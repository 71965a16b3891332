package org.conntrack4j.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * The Log Service's entries on standard error: one line each, the earlier ones first, then as they come; without a
 * LoggerAdmin to say the levels, WARN and above.
 */
class LogConsoleTest {
    private static Bundle bundle(String name) {
        return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
            (p, m, a) -> m.getName().equals("getSymbolicName") ? name : null);
    }

    private static LogEntry entry(LogLevel level, String bundle, String logger, String message, Throwable t) {
        Bundle b = bundle == null ? null : bundle(bundle);
        return (LogEntry) Proxy.newProxyInstance(LogEntry.class.getClassLoader(), new Class<?>[] {LogEntry.class},
            (p, m, a) -> switch (m.getName()) {
                case "getLogLevel" -> level;
                case "getBundle" -> b;
                case "getLoggerName" -> logger;
                case "getMessage" -> message;
                case "getException" -> t;
                default -> null;
            });
    }

    @Test
    void entriesAtWarnOrAboveBecomeLinesOnStandardErrorOldestFirst() {
        List<LogListener> listeners = new ArrayList<>();
        // the reader lists the newest entry first
        List<LogEntry> history = List.of(
            entry(LogLevel.INFO, "org.apache.felix.log", "Events.Service.org.apache.felix.log", "registered", null),
            entry(LogLevel.WARN, "org.conntrack4j.rules", "org.conntrack4j.rules.live.LiveRuleset", "nft: second", null),
            entry(LogLevel.ERROR, null, null, "first", null));
        LogReaderService reader = (LogReaderService) Proxy.newProxyInstance(LogReaderService.class.getClassLoader(),
            new Class<?>[] {LogReaderService.class}, (p, m, a) -> switch (m.getName()) {
                case "getLog" -> Collections.enumeration(history);
                case "addLogListener" -> listeners.add((LogListener) a[0]);
                case "removeLogListener" -> listeners.remove(a[0]);
                default -> null;
            });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LogConsole console = new LogConsole(new PrintStream(out, true, StandardCharsets.UTF_8));
        console.bindReader(reader);
        assertEquals(List.of(console), listeners);
        listeners.get(0).logged(entry(LogLevel.WARN, "org.conntrack4j.core", "org.conntrack4j.core",
            "hook function of x failed; packet dropped", new IllegalStateException("boom")));
        listeners.get(0).logged(entry(LogLevel.DEBUG, "org.conntrack4j.rules", "org.conntrack4j.rules.log",
            "x: IN=lan", null));
        console.unbindReader(reader);
        assertEquals(List.of(), listeners);

        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals("conntrack4j: ERROR framework: first", lines.get(0));
        assertEquals("conntrack4j: WARN org.conntrack4j.rules org.conntrack4j.rules.live.LiveRuleset: nft: second",
            lines.get(1));
        assertEquals("conntrack4j: WARN org.conntrack4j.core: hook function of x failed; packet dropped",
            lines.get(2));
        assertEquals("java.lang.IllegalStateException: boom", lines.get(3));
        assertTrue(lines.get(4).trim().startsWith("at "), lines.get(4));
        assertTrue(lines.stream().noneMatch(l -> l.contains("registered") || l.contains("IN=lan")),
            "below WARN, the default level without a LoggerAdmin: " + lines);
    }
}
