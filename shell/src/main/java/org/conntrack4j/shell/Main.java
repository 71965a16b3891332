package org.conntrack4j.shell;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The distribution's entry: called by the bnd launcher on the main thread once every bundle has started;
 * its result is the process exit status. Without arguments it runs the interactive shell ({@link Gosh}); with
 * arguments it runs them as one shell command ({@code replay CASE --out DIR}, {@code bench},
 * {@code ct:list}) and exits with the command's number result (0 for other results).
 *
 * <p>The session uses the process's own standard streams: Gogo replaces {@code System.in/out} with
 * per-thread streams of its own.
 *
 * <p>A fatal error (out of memory, or an error nobody expected) ends a command with one line naming it and exit
 * status {@link #FATAL}, whether the command's own thread threw it or another thread of the process did not catch it
 * while the command ran (recorded by a default uncaught exception handler: no stack trace, nothing allocated).
 */
@Component(service = Callable.class, property = "main.thread=true")
public final class Main implements Callable<Integer> {
    /** Exit status for a command line that is not understood. */
    static final int USAGE = 2;
    /** Exit status for a fatal error: out of memory or internal error. */
    static final int FATAL = 5;

    @Reference(service = Object.class, target = "(launcher.ready=true)")
    Map<String, Object> launcher;

    @Reference
    CommandProcessor processor;

    @Reference
    Gosh gosh;

    @Override
    public Integer call() {
        Object a = launcher.get("launcher.arguments");
        String[] args = a instanceof String[] ? (String[]) a : new String[0];
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
        if (args.length == 0) {
            try {
                String data = System.getProperty("conntrack4j.data");   // set by bin/conntrack4j
                return gosh.interactive(data == null ? null : Path.of(data, "history"));
            } catch (Exception | Error e) {
                err.println("conntrack4j: shell: " + (e instanceof Error ? fatal(e) : e.toString()));
                return e instanceof Error ? FATAL : 1;
            }
        }
        try (CommandSession s = processor.createSession(new FileInputStream(FileDescriptor.in), out, err)) {
            if (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
                out.print(Usage.TEXT);
                return 0;
            }
            if (!args[0].matches("[A-Za-z][A-Za-z0-9_.:-]*")) {
                err.println("conntrack4j: not a command name: " + args[0]);
                err.print(Usage.TEXT);
                return USAGE;
            }
            AtomicReference<Throwable> elsewhere = new AtomicReference<>();
            AtomicReference<Thread> where = new AtomicReference<>();
            Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
            Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
                if (elsewhere.compareAndSet(null, e)) {
                    where.set(t);
                }
            });
            Object r;
            try {
                r = s.execute(commandLine(s, args));
            } finally {
                Thread.setDefaultUncaughtExceptionHandler(previous);
            }
            if (elsewhere.get() != null) {
                err.println("conntrack4j: fatal: " + fatal(elsewhere.get()) + " in thread \"" + where.get().getName()
                    + "\"");
                return FATAL;
            }
            if (r instanceof Number) {
                return ((Number) r).intValue();
            }
            if (r != null) {
                CharSequence text = s.format(r, Converter.INSPECT);
                out.println(text);
            }
            return 0;
        } catch (Error e) {
            err.println("conntrack4j: fatal: " + fatal(e));
            return FATAL;
        } catch (Exception e) {
            Throwable cause = e;
            while (cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            if (cause instanceof Error) {
                err.println("conntrack4j: fatal: " + fatal(cause));
                return FATAL;
            }
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            if (e.getClass().getSimpleName().equals("CommandNotFoundException")) {
                err.println("conntrack4j: unknown command \"" + args[0] + "\"");
                err.print(Usage.TEXT);
                return USAGE;
            }
            err.println("conntrack4j: " + msg);
            return 1;
        }
    }

    /** The problem in a few words: out of memory, or the error's class and message. */
    static String fatal(Throwable e) {
        if (e instanceof OutOfMemoryError) {
            return "out of memory" + (e.getMessage() != null ? " (" + e.getMessage() + ")" : "");
        }
        return "internal error: " + e.getClass().getName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
    }

    /**
     * The arguments as one Gogo command line. Each argument after the command name is passed through a
     * session variable, so that Gogo takes it literally whatever characters it holds.
     */
    static String commandLine(CommandSession s, String[] args) {
        StringBuilder sb = new StringBuilder(args[0]);
        for (int i = 1; i < args.length; i++) {
            String var = "conntrack4j_arg" + i;
            s.put(var, args[i]);
            sb.append(" $").append(var);
        }
        return sb.toString();
    }
}
