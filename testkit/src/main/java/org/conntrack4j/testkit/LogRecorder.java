package org.conntrack4j.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerConsumer;

/**
 * An OSGi Log Service {@link Logger} that records what is logged at or above its level, for tests of code that logs:
 * give it where a component's logger goes ({@link Plugins#logTo} for the engines' messages, a component's logger
 * field), then look at {@link #entries()}. Messages are formatted as the Log Service formats them: each {@code {}}
 * takes the next argument; a last argument that is a Throwable and not taken is the entry's exception.
 */
public final class LogRecorder implements Logger {
    /** One recorded entry. */
    public record Entry(LogLevel level, String message, Throwable exception) {
        @Override
        public String toString() {
            return level + " " + message + (exception == null ? "" : " (" + exception + ")");
        }
    }

    private final String name;
    private final LogLevel threshold;
    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    /** A logger named {@code name} recording every level from {@code threshold} up (DEBUG, TRACE: everything). */
    public LogRecorder(String name, LogLevel threshold) {
        this.name = name;
        this.threshold = threshold;
    }

    /** Records WARN, ERROR and AUDIT: the Log Service's default level. */
    public LogRecorder(String name) {
        this(name, LogLevel.WARN);
    }

    /** The entries, in order (live; may be cleared). */
    public List<Entry> entries() {
        return entries;
    }

    /** The entries as {@code LEVEL message} lines. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add(e.level() + " " + e.message());
        }
        return out;
    }

    private void log(LogLevel level, String format, Object... args) {
        if (!threshold.implies(level)) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        int used = 0;
        int i = 0;
        while (i < format.length()) {
            int at = format.indexOf("{}", i);
            if (at < 0 || used >= args.length) {
                sb.append(format, i, format.length());
                break;
            }
            sb.append(format, i, at).append(args[used++]);
            i = at + 2;
        }
        Throwable t = used < args.length && args[args.length - 1] instanceof Throwable x ? x : null;
        entries.add(new Entry(level, sb.toString(), t));
    }

    @Override
    public String getName() {
        return name;
    }

    // ---- the Logger interface: every level and form goes to log() ---------------------------------------------------

    @Override
    public boolean isTraceEnabled() {
        return threshold.implies(LogLevel.TRACE);
    }

    @Override
    public void trace(String message) {
        log(LogLevel.TRACE, message);
    }

    @Override
    public void trace(String format, Object arg) {
        log(LogLevel.TRACE, format, arg);
    }

    @Override
    public void trace(String format, Object arg1, Object arg2) {
        log(LogLevel.TRACE, format, arg1, arg2);
    }

    @Override
    public void trace(String format, Object... arguments) {
        log(LogLevel.TRACE, format, arguments);
    }

    @Override
    public <E extends Exception> void trace(LoggerConsumer<E> consumer) throws E {
        if (isTraceEnabled()) {
            consumer.accept(this);
        }
    }

    @Override
    public boolean isDebugEnabled() {
        return threshold.implies(LogLevel.DEBUG);
    }

    @Override
    public void debug(String message) {
        log(LogLevel.DEBUG, message);
    }

    @Override
    public void debug(String format, Object arg) {
        log(LogLevel.DEBUG, format, arg);
    }

    @Override
    public void debug(String format, Object arg1, Object arg2) {
        log(LogLevel.DEBUG, format, arg1, arg2);
    }

    @Override
    public void debug(String format, Object... arguments) {
        log(LogLevel.DEBUG, format, arguments);
    }

    @Override
    public <E extends Exception> void debug(LoggerConsumer<E> consumer) throws E {
        if (isDebugEnabled()) {
            consumer.accept(this);
        }
    }

    @Override
    public boolean isInfoEnabled() {
        return threshold.implies(LogLevel.INFO);
    }

    @Override
    public void info(String message) {
        log(LogLevel.INFO, message);
    }

    @Override
    public void info(String format, Object arg) {
        log(LogLevel.INFO, format, arg);
    }

    @Override
    public void info(String format, Object arg1, Object arg2) {
        log(LogLevel.INFO, format, arg1, arg2);
    }

    @Override
    public void info(String format, Object... arguments) {
        log(LogLevel.INFO, format, arguments);
    }

    @Override
    public <E extends Exception> void info(LoggerConsumer<E> consumer) throws E {
        if (isInfoEnabled()) {
            consumer.accept(this);
        }
    }

    @Override
    public boolean isWarnEnabled() {
        return threshold.implies(LogLevel.WARN);
    }

    @Override
    public void warn(String message) {
        log(LogLevel.WARN, message);
    }

    @Override
    public void warn(String format, Object arg) {
        log(LogLevel.WARN, format, arg);
    }

    @Override
    public void warn(String format, Object arg1, Object arg2) {
        log(LogLevel.WARN, format, arg1, arg2);
    }

    @Override
    public void warn(String format, Object... arguments) {
        log(LogLevel.WARN, format, arguments);
    }

    @Override
    public <E extends Exception> void warn(LoggerConsumer<E> consumer) throws E {
        if (isWarnEnabled()) {
            consumer.accept(this);
        }
    }

    @Override
    public boolean isErrorEnabled() {
        return threshold.implies(LogLevel.ERROR);
    }

    @Override
    public void error(String message) {
        log(LogLevel.ERROR, message);
    }

    @Override
    public void error(String format, Object arg) {
        log(LogLevel.ERROR, format, arg);
    }

    @Override
    public void error(String format, Object arg1, Object arg2) {
        log(LogLevel.ERROR, format, arg1, arg2);
    }

    @Override
    public void error(String format, Object... arguments) {
        log(LogLevel.ERROR, format, arguments);
    }

    @Override
    public <E extends Exception> void error(LoggerConsumer<E> consumer) throws E {
        if (isErrorEnabled()) {
            consumer.accept(this);
        }
    }

    @Override
    public void audit(String message) {
        log(LogLevel.AUDIT, message);
    }

    @Override
    public void audit(String format, Object arg) {
        log(LogLevel.AUDIT, format, arg);
    }

    @Override
    public void audit(String format, Object arg1, Object arg2) {
        log(LogLevel.AUDIT, format, arg1, arg2);
    }

    @Override
    public void audit(String format, Object... arguments) {
        log(LogLevel.AUDIT, format, arguments);
    }
}
