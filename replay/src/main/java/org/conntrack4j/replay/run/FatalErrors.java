package org.conntrack4j.replay.run;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The first fatal error of a run, from whatever thread: the replay's own loop, or any thread of the process whose
 * exception nobody caught (the live engine's expiry thread, an event thread) while this is installed as the default
 * uncaught exception handler. The replay looks at it between frames and stops with exit status
 * {@link ReplayException#FATAL}, its outputs flushed. Recording allocates nothing, since the error may be an
 * {@link OutOfMemoryError}.
 */
public final class FatalErrors implements Thread.UncaughtExceptionHandler, AutoCloseable {
    private final AtomicReference<Throwable> first = new AtomicReference<>();
    private final AtomicReference<Thread> thread = new AtomicReference<>();
    private final Thread.UncaughtExceptionHandler previous;
    private final boolean installed;

    private FatalErrors(boolean install) {
        this.installed = install;
        this.previous = install ? Thread.getDefaultUncaughtExceptionHandler() : null;
        if (install) {
            Thread.setDefaultUncaughtExceptionHandler(this);
        }
    }

    /** Watches every thread of the process until {@link #close()}, which puts the previous handler back. */
    public static FatalErrors install() {
        return new FatalErrors(true);
    }

    /** Records only what the replay reports itself (for tests and embedding: the process's handler is left alone). */
    public static FatalErrors local() {
        return new FatalErrors(false);
    }

    @Override
    public void uncaughtException(Thread t, Throwable e) {
        if (first.compareAndSet(null, e)) {
            thread.set(t);
        }
    }

    /** The first error recorded, or null. */
    public Throwable error() {
        return first.get();
    }

    /** One line naming the first error and the thread it came from (the replay's own thread not named), or null. */
    public String describe() {
        Throwable e = first.get();
        if (e == null) {
            return null;
        }
        Thread t = thread.get();
        return describe(e) + (t != null ? " in thread \"" + t.getName() + "\"" : "");
    }

    /**
     * {@code out of memory (Java heap space)}, or {@code internal error: java.lang.IllegalStateException: what (at
     * Class.method:line)}: the problem in one line.
     */
    public static String describe(Throwable e) {
        if (e instanceof OutOfMemoryError) {
            return "out of memory" + (e.getMessage() != null ? " (" + e.getMessage() + ")" : "");
        }
        if (e instanceof StackOverflowError) {
            return "stack overflow";
        }
        StackTraceElement[] at = e.getStackTrace();
        String where = at.length > 0 ? " (at " + at[0].getClassName().substring(at[0].getClassName().lastIndexOf('.') + 1)
            + "." + at[0].getMethodName() + ":" + at[0].getLineNumber() + ")" : "";
        String what = e.getMessage() != null ? e.getClass().getName() + ": " + e.getMessage().replace('\n', ' ')
            : e.getClass().getName();
        return "internal error: " + what + where;
    }

    @Override
    public void close() {
        if (installed && Thread.getDefaultUncaughtExceptionHandler() == this) {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }
}
