package org.conntrack4j.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.stream.Stream;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.admin.LoggerAdmin;
import org.osgi.test.common.annotation.InjectService;

/**
 * The log bundle in the shipped runtime: java.util.logging goes into the Log Service as the logger of the bundle whose
 * name it starts with; a configured file gets the entries that pass their levels; {@code log:set} and
 * {@code log:display} work from the shell; the bundle leaving gives java.util.logging its console back and lets go of
 * the file.
 */
class LogBundleTest {
    @InjectService
    LogReaderService reader;

    @InjectService
    LoggerAdmin loggerAdmin;

    @InjectService
    CommandProcessor shell;

    @InjectService
    ConfigurationAdmin configAdmin;

    private final BundleContext own = FrameworkUtil.getBundle(LogBundleTest.class).getBundleContext();

    private String run(String command) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream p = new PrintStream(out, true, StandardCharsets.UTF_8);
        try (CommandSession s = shell.createSession(new ByteArrayInputStream(new byte[0]), p, p)) {
            assertNull(s.execute(command), command + ": " + out.toString(StandardCharsets.UTF_8));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Can this JVM lock the file, that is, does the log bundle hold it no more? */
    private static boolean free(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            return ch.tryLock() != null;
        } catch (OverlappingFileLockException e) {
            return false;
        } catch (java.io.IOException e) {
            return true; // no file
        }
    }

    private static boolean consoleHandler() {
        for (Handler h : java.util.logging.Logger.getLogger("").getHandlers()) {
            if (h instanceof ConsoleHandler) {
                return true;
            }
        }
        return false;
    }

    @Test
    void julTheFileAndTheCommands() throws Exception {
        List<LogEntry> seen = Collections.synchronizedList(new ArrayList<>());
        LogListener listener = seen::add;
        reader.addLogListener(listener);
        Path dir = Files.createTempDirectory("itest-log");
        Configuration cfg = configAdmin.getConfiguration("org.conntrack4j.log", "?");
        try {
            assertFalse(consoleHandler(), "java.util.logging's console handler is away while the bundle runs");
            java.util.logging.Logger.getLogger("org.conntrack4j.sync.itest").warning("itest-jul");
            ItSupport.until("the JUL record as a Log Service entry", () -> {
                synchronized (seen) {
                    return seen.stream().anyMatch(e -> e.getMessage().equals("itest-jul")
                        && e.getLogLevel() == LogLevel.WARN && "org.conntrack4j.sync.itest".equals(e.getLoggerName())
                        && "org.conntrack4j.sync".equals(e.getBundle().getSymbolicName()));
                }
            });

            Hashtable<String, Object> p = new Hashtable<>();
            p.put("file", dir.resolve("itest.log").toString());
            cfg.update(p);
            // the component starts over with the file, writing what the Log Service kept first
            ItSupport.until("the log file with the earlier entry", () -> {
                try {
                    return Files.exists(dir.resolve("itest.log"))
                        && Files.readString(dir.resolve("itest.log")).contains(" WARN org.conntrack4j.sync "
                            + "org.conntrack4j.sync.itest: itest-jul\n");
                } catch (java.io.IOException e) {
                    return false;
                }
            });

            run("log:set DEBUG org.conntrack4j.rules");
            assertEquals(LogLevel.DEBUG,
                loggerAdmin.getLoggerContext("org.conntrack4j.rules").getEffectiveLogLevel("org.conntrack4j.rules.x"));
            assertTrue(run("log:get org.conntrack4j.rules").contains("org.conntrack4j.rules ROOT = DEBUG"));
            run("log:set DEFAULT org.conntrack4j.rules");
            assertEquals(LogLevel.WARN,
                loggerAdmin.getLoggerContext("org.conntrack4j.rules").getEffectiveLogLevel("org.conntrack4j.rules.x"));
            String shown = run("log:display 5");
            assertTrue(shown.contains(" WARN org.conntrack4j.sync org.conntrack4j.sync.itest: itest-jul\n"), shown);

            Bundle b = ItSupport.bundle(own, "org.conntrack4j.log");
            b.stop();
            try {
                assertTrue(consoleHandler(), "java.util.logging's console handler is back");
                assertTrue(free(dir.resolve("itest.log")), "the file is let go");
            } finally {
                b.start();
            }
        } finally {
            reader.removeLogListener(listener);
            cfg.delete();
            ItSupport.until("the file let go", () -> free(dir.resolve("itest.log")));
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
