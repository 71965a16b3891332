package org.conntrack4j.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.admin.LoggerAdmin;

/** What every output of the log shares: which entries pass the levels, and how an entry reads. */
final class Entries {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
        .withZone(ZoneId.systemDefault());

    private Entries() {
    }

    /**
     * Does the entry's level pass the effective level of its logger in its bundle's logger context ({@code admin}:
     * WARN unless configured)? The Log Service also records the framework's events (loggers {@code Events.*}) at
     * INFO whatever the levels: they pass only when asked for. Without a LoggerAdmin, WARN and above.
     */
    static boolean wanted(LoggerAdmin admin, LogEntry e) {
        String bundle = e.getBundle() == null ? null : e.getBundle().getSymbolicName();
        LogLevel level = admin == null ? LogLevel.WARN : admin.getLoggerContext(bundle)
            .getEffectiveLogLevel(e.getLoggerName() == null ? "ROOT" : e.getLoggerName());
        return level.implies(e.getLogLevel());
    }

    /** {@code LEVEL bundle [logger]: message}, the logger left out where it is the bundle's name. */
    static String text(LogEntry e) {
        String bundle = e.getBundle() == null ? "framework" : e.getBundle().getSymbolicName();
        StringBuilder sb = new StringBuilder().append(e.getLogLevel()).append(' ').append(bundle);
        if (e.getLoggerName() != null && !e.getLoggerName().equals(bundle)) {
            sb.append(' ').append(e.getLoggerName());
        }
        return sb.append(": ").append(e.getMessage()).toString();
    }

    /** The file's form: the time (local, with its offset), the text, the exception's stack trace below. */
    static String line(LogEntry e) {
        StringBuilder sb = new StringBuilder(TIME.format(Instant.ofEpochMilli(e.getTime()))).append(' ')
            .append(text(e)).append('\n');
        if (e.getException() != null) {
            StringWriter w = new StringWriter();
            e.getException().printStackTrace(new PrintWriter(w));
            sb.append(w);
        }
        return sb.toString();
    }
}
