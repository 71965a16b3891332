package org.conntrack4j.log;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.conntrack4j.command.Output;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.admin.LoggerAdmin;
import org.osgi.service.log.admin.LoggerContext;

/**
 * The log in the shell, as Karaf's commands go: {@code log:display [N]} (the recent entries that passed their levels,
 * oldest first, as the log file has them), {@code log:set LEVEL [BUNDLE|LOGGER]} and {@code log:get [BUNDLE]} (the
 * levels of the Log Service's logger contexts, at runtime: a change lasts until the configuration
 * {@code org.osgi.service.log.admin} of that context changes, or the instance ends).
 *
 * <p>{@code log:set LEVEL} sets the level of every logger without one of its own (the root context's {@code ROOT});
 * {@code log:set LEVEL BUNDLE} that of a bundle's loggers (its context's {@code ROOT}); {@code log:set LEVEL LOGGER}, a
 * name that is no bundle's, that logger and those below it in every bundle (the root context's entry for it).
 * {@code DEFAULT} takes a level away again. Levels: {@code AUDIT ERROR WARN INFO DEBUG TRACE}.
 *
 * <p>As the {@code ct:*} commands, they return nothing (the interactive shell prints no result after them) and answer
 * bad arguments with an {@link IllegalArgumentException} whose message names the problem (exit status 1 on the
 * command line).
 */
@GogoCommand(scope = "log", function = {"display", "set", "get"})
@Component(service = LogCommands.class)
public final class LogCommands {
    static final String USAGE_SET = "usage: log:set AUDIT|ERROR|WARN|INFO|DEBUG|TRACE|DEFAULT [BUNDLE|LOGGER]";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile LogReaderService reader;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile LoggerAdmin admin;

    private BundleContext context;

    @Activate
    void activate(BundleContext ctx) {
        context = ctx;
    }


    @Descriptor("the recent log entries that passed their levels, oldest first (log:display [N]: the last N)")
    public void display(CommandSession session, @Descriptor("[N]") String... args) {
        int n = Integer.MAX_VALUE;
        if (args.length > 1 || args.length == 1 && !args[0].matches("[0-9]{1,9}")) {
            throw new IllegalArgumentException("log:display: usage: log:display [N]");
        }
        if (args.length == 1) {
            n = Integer.parseInt(args[0]);
        }
        PrintStream out = Output.of(session);
        display(reader, admin, n).forEach(out::print);
    }

    /** The last {@code n} entries of {@code r} that pass their levels, oldest first, as the file's lines. */
    static List<String> display(LogReaderService r, LoggerAdmin a, int n) {
        List<String> lines = new ArrayList<>();
        if (r == null) {
            return lines;
        }
        for (Enumeration<LogEntry> e = r.getLog(); e.hasMoreElements() && lines.size() < n;) {
            LogEntry entry = e.nextElement();
            if (Entries.wanted(a, entry)) {
                lines.add(Entries.line(entry));
            }
        }
        Collections.reverse(lines);
        return lines;
    }

    @Descriptor("set a log level: log:set LEVEL [BUNDLE|LOGGER] (DEFAULT takes it away)")
    public void set(@Descriptor("LEVEL [BUNDLE|LOGGER]") String... args) {
        String error = set(admin(), bundleNames(), args);
        if (error != null) {
            throw new IllegalArgumentException("log:set: " + error);
        }
    }

    private LoggerAdmin admin() {
        LoggerAdmin a = admin;
        if (a == null) {
            throw new IllegalStateException("no Log Service runs");
        }
        return a;
    }

    /** Applies {@code log:set ARGS}; returns a one-line error, or null. */
    static String set(LoggerAdmin a, List<String> bundles, String... args) {
        if (args.length < 1 || args.length > 2) {
            return USAGE_SET;
        }
        String level = args[0].toUpperCase(java.util.Locale.ROOT);
        if (!level.equals("DEFAULT")) {
            try {
                LogLevel.valueOf(level);
            } catch (IllegalArgumentException e) {
                return "unknown level " + args[0] + "; " + USAGE_SET;
            }
        }
        String context = null;
        String logger = "ROOT";
        if (args.length == 2) {
            if (bundles.contains(args[1])) {
                context = args[1];
            } else {
                logger = args[1];
            }
        }
        LoggerContext c = a.getLoggerContext(context);
        Map<String, LogLevel> levels = new HashMap<>(c.getLogLevels());
        if (level.equals("DEFAULT")) {
            levels.remove(logger);
        } else {
            levels.put(logger, LogLevel.valueOf(level));
        }
        c.setLogLevels(levels);
        return null;
    }

    @Descriptor("the log levels set: log:get (every context), log:get BUNDLE (its loggers' and the effective one)")
    public void get(CommandSession session, @Descriptor("[BUNDLE]") String... args) {
        LoggerAdmin a = admin();
        if (args.length > 1) {
            throw new IllegalArgumentException("log:get: usage: log:get [BUNDLE]");
        }
        PrintStream out = Output.of(session);
        get(a, args.length == 1 ? List.of(args[0]) : bundleNames(), args.length == 0).forEach(out::println);
    }

    /** {@code CONTEXT LOGGER = LEVEL} lines: the root context's (if {@code root}), then each bundle's that has levels. */
    static List<String> get(LoggerAdmin a, List<String> bundles, boolean root) {
        List<String> lines = new ArrayList<>();
        if (root) {
            new TreeMap<>(a.getLoggerContext(null).getLogLevels())
                .forEach((k, v) -> lines.add("(root) " + k + " = " + v));
        }
        for (String b : bundles) {
            LoggerContext c = a.getLoggerContext(b);
            new TreeMap<>(c.getLogLevels()).forEach((k, v) -> lines.add(b + " " + k + " = " + v));
            if (!root) {
                lines.add(b + " (effective) = " + c.getEffectiveLogLevel("ROOT"));
            }
        }
        return lines;
    }

    private List<String> bundleNames() {
        List<String> names = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName() != null) {
                names.add(b.getSymbolicName());
            }
        }
        Collections.sort(names);
        return names;
    }
}
