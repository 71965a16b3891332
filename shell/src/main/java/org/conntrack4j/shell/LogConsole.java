package org.conntrack4j.shell;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.admin.LoggerAdmin;

/**
 * Writes the Log Service's entries to the process's standard error, one line each ({@code conntrack4j: LEVEL
 * bundle logger: message}, an exception's stack trace after it), so that an operator sees them where the service
 * manager collects them; standard output stays the commands'. An entry is written when its level passes the
 * effective level of its logger in its bundle's logger context ({@link LoggerAdmin}: WARN unless configured;
 * README "Logging"), those logged before this started too: the Log Service also records the framework's events
 * (loggers {@code Events.*}) at INFO whatever the levels, and they stay quiet unless asked for. Without a
 * LoggerAdmin, WARN and above.
 */
@Component(immediate = true)
public final class LogConsole implements LogListener {
    private final PrintStream err;

    public LogConsole() {
        // the process's own stderr: Gogo replaces System.err with per-session streams
        this(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
    }

    LogConsole(PrintStream err) {
        this.err = err;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile LoggerAdmin admin;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "unbindReader")
    void bindReader(LogReaderService reader) {
        // what was logged before this component came, oldest first (the reader lists the newest first)
        List<LogEntry> earlier = new ArrayList<>();
        for (Enumeration<LogEntry> e = reader.getLog(); e.hasMoreElements();) {
            earlier.add(e.nextElement());
        }
        Collections.reverse(earlier);
        earlier.forEach(this::logged);
        reader.addLogListener(this);
    }

    void unbindReader(LogReaderService reader) {
        reader.removeLogListener(this);
    }

    /** Does the entry's level pass its logger's effective level? */
    private boolean wanted(LogEntry e, String bundle) {
        LoggerAdmin a = admin;
        LogLevel level = a == null ? LogLevel.WARN
            : a.getLoggerContext(bundle).getEffectiveLogLevel(e.getLoggerName() == null ? "ROOT" : e.getLoggerName());
        return level.implies(e.getLogLevel());
    }

    @Override
    public void logged(LogEntry e) {
        String bundle = e.getBundle() == null ? null : e.getBundle().getSymbolicName();
        if (!wanted(e, bundle)) {
            return;
        }
        if (bundle == null) {
            bundle = "framework";
        }
        StringBuilder sb = new StringBuilder("conntrack4j: ").append(e.getLogLevel()).append(' ').append(bundle);
        if (e.getLoggerName() != null && !e.getLoggerName().equals(bundle)) {
            sb.append(' ').append(e.getLoggerName());
        }
        sb.append(": ").append(e.getMessage());
        synchronized (err) {
            err.println(sb);
            if (e.getException() != null) {
                e.getException().printStackTrace(err);
            }
        }
    }
}
