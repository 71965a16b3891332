package org.conntrack4j.shell;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.felix.gogo.jline.Builtin;
import org.apache.felix.gogo.jline.Converters;
import org.apache.felix.gogo.jline.Posix;
import org.apache.felix.gogo.jline.Procedural;
import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.jline.builtins.Completers.CompletionData;
import org.jline.reader.LineReader;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The interactive shell: Gogo's JLine shell (line editing, history, completion of command names and of the options
 * a command's {@code --help} lists, Ctrl-C interrupting the running command and not the process) and the standard
 * commands that come with it ({@code grep}, {@code cat}, {@code each}, {@code jobs}...), registered here and removed
 * when the bundle stops. Its classes are copied into this bundle: the gogo.jline bundle's activator would open a
 * console of its own as it starts, which a one-command run (replay, bench, router) must not have.
 *
 * <p>{@code exit}/{@code logout} end the shell after the command with a status ({@link Ending}); end of input
 * (Ctrl-D) ends it with 0. The history lives in {@code data/history} of the instance.
 */
@Component(service = Gosh.class)
public final class Gosh {
    /** The profile the shell reads at start: {@code etc/conntrack4j.gosh} of the home if present, else ours. */
    static final String PROFILE = "conntrack4j.gosh";
    private static final String[] BUILTIN = {"format", "getopt", "new", "set", "tac", "type", "jobs", "fg", "bg",
        "keymap", "setopt", "unsetopt", "complete", "history", "widget", "__files", "__directories",
        "__usage_completion"};
    private static final String[] PROCEDURAL = {"each", "if", "not", "throw", "try", "until", "while", "break",
        "continue"};
    private static final String[] POSIX = {"cat", "echo", "grep", "sort", "sleep", "cd", "pwd", "ls", "less", "head",
        "tail", "clear", "wc", "date"};
    /** Shell's own help is left out: gogo.command's help lists every command with its descriptions. */
    private static final String[] SHELL = {"gosh", "sh", "source"};

    /** The session variable through which exit finds the interactive shell to end (Shell's own is a constant). */
    static final String ENDING = ".conntrack4j.ending";

    @Reference
    CommandProcessor processor;

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private Ending ending;
    private Shell shell;

    /**
     * The shell's context: where its home is, and the way out. An {@code exit} command finds it in its session
     * ({@link #ENDING}) and ends the interactive loop through it.
     */
    static final class Ending implements Shell.Context {
        private final BundleContext bundle;
        private volatile Shell shell;
        private volatile int status;

        Ending(BundleContext bundle) {
            this.bundle = bundle;
        }

        @Override
        public String getProperty(String name) {
            // the profile is looked for under gosh.home: the distribution's home, never the working directory
            if (name.equals("gosh.home")) {
                String home = bundle.getProperty("conntrack4j.home");
                return home != null ? home : System.getProperty("java.io.tmpdir");
            }
            return bundle.getProperty(name);
        }

        @Override
        public void exit() {
            end(0);
        }

        /** Ends the interactive shell after the command running now, with this exit status. */
        void end(int exitStatus) {
            status = exitStatus;
            shell.stop();
        }
    }

    @Activate
    void activate(BundleContext bundle) {
        ending = new Ending(bundle);
        shell = new Shell(ending, processor, PROFILE);
        ending.shell = shell;
        registrations.add(bundle.registerService(Converter.class,
            new Converters(bundle.getBundle(0).getBundleContext()), null));
        register(bundle, Builtin.class, new Builtin(), BUILTIN);
        register(bundle, Procedural.class, new Procedural(), PROCEDURAL);
        register(bundle, Posix.class, new Posix(processor), POSIX);
        register(bundle, Shell.class, shell, SHELL);
    }

    private <T> void register(BundleContext bundle, Class<T> type, T commands, String[] functions) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(CommandProcessor.COMMAND_SCOPE, "gogo");
        p.put(CommandProcessor.COMMAND_FUNCTION, functions);
        registrations.add(bundle.registerService(type, commands, p));
    }

    @Deactivate
    void deactivate() {
        shell.stop();
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException gone) {
                // the framework is taking the bundle down already
            }
        }
        registrations.clear();
    }

    /**
     * Runs the interactive shell on this thread's terminal until {@code exit}, {@code logout} or end of input;
     * returns the exit status. Without a terminal (input from a pipe) JLine reads lines as they come.
     *
     * @param history the history file, or null for none
     */
    int interactive(Path history) throws Exception {
        try (Terminal terminal = terminal();
             CommandSession session = processor.createSession(terminal.input(), terminal.output(),
                 terminal.output())) {
            session.put(Shell.VAR_TERMINAL, terminal);
            session.put(ENDING, ending);
            if (history != null) {
                session.put(LineReader.HISTORY_FILE, history);
            }
            shell.gosh(session, new String[] {"--login", "--noshutdown", "--nohistory"});
            return ending.status;
        }
    }

    /** The process's terminal (a dumb one when standard input is a pipe). */
    private static Terminal terminal() throws IOException {
        // JLine finds its terminal providers (exec, JNI) through the context class loader: make it JLine's own
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(Terminal.class.getClassLoader());
        try {
            return TerminalBuilder.builder()
                    .name("conntrack4j")
                    .system(true)
                    .nativeSignals(true)
                    // Ctrl-C, Ctrl-Z reach the shell, which hands them to the running command (none: ignored)
                    .signalHandler(Terminal.SignalHandler.SIG_IGN)
                    .dumb(true)   // a pipe or a dumb terminal: no warning, just no line editing
                    .build();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    /**
     * Fills the session's option completions from each of our commands' usage text, so that Tab after
     * {@code ct:list -} offers {@code --output}, {@code --src}... (the profile calls this through
     * {@code shell:completions}).
     */
    static void completeOptions(CommandSession session, Map<String, String> usages) {
        @SuppressWarnings("unchecked")
        Map<String, List<CompletionData>> all = (Map<String, List<CompletionData>>) session.get(Shell.VAR_COMPLETIONS);
        if (all == null) {
            all = new HashMap<>();
            session.put(Shell.VAR_COMPLETIONS, all);
        }
        for (Map.Entry<String, String> u : usages.entrySet()) {
            List<CompletionData> options = options(u.getValue());
            if (!options.isEmpty()) {
                all.put(u.getKey(), options);
            }
        }
    }

    private static final Pattern OPTION = Pattern.compile("(?<![\\w-])--?[A-Za-z][\\w-]*");
    /** Three spaces or more part an option's names from its description, or one option group from the next. */
    private static final Pattern DESCRIPTION = Pattern.compile("\\S\\s{3,}(\\S.*)$");

    /** The options a usage text names on its option lines (lines that start with a dash), with their descriptions. */
    static List<CompletionData> options(String usage) {
        List<CompletionData> out = new ArrayList<>();
        for (String line : usage.split("\n")) {
            if (!line.stripLeading().startsWith("-")) {
                continue;
            }
            Matcher d = DESCRIPTION.matcher(line);
            String description = d.find() && !d.group(1).startsWith("-") ? d.group(1) : null;
            String names = description != null ? line.substring(0, d.start(1)) : line;
            List<String> found = new ArrayList<>();
            Matcher m = OPTION.matcher(names);
            while (m.find()) {
                found.add(m.group());
            }
            if (!found.isEmpty()) {
                out.add(new CompletionData(found, description, null, null));
            }
        }
        return out;
    }

}
