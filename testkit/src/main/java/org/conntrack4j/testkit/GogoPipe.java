package org.conntrack4j.testkit;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Process;

/**
 * Shell commands in a real Gogo runtime, to check that what a command prints is its own output: a pipe hands it to
 * the next command instead of it going to the console around the pipe. Offers {@code t:keep WORD}, a grep of its
 * own (the lines of its input that contain WORD, each as {@code kept: LINE}). Needs the Gogo runtime on the test's
 * class path (org.apache.felix.gogo.runtime, as the command bundles have it). Close it when done.
 */
public final class GogoPipe implements AutoCloseable {
    private final ThreadIOImpl threadIo = new ThreadIOImpl();
    private final CommandProcessorImpl processor = new CommandProcessorImpl(threadIo);
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    /** The {@code t:keep} command. */
    public static final class Keep {
        public void keep(String word) throws IOException {
            Process p = Process.Utils.current();
            BufferedReader r = new BufferedReader(new InputStreamReader(p.in(), StandardCharsets.UTF_8));
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                if (l.contains(word)) {
                    p.out().println("kept: " + l);
                }
            }
        }
    }

    public GogoPipe() {
        threadIo.start();
        processor.addCommand("t", new Keep(), "keep");
    }

    /** The command processor, for a command that runs others ({@code bench} runs {@code replay}). */
    public CommandProcessorImpl processor() {
        return processor;
    }

    /** Adds the methods {@code functions} of {@code target} as {@code scope:function}. */
    public GogoPipe add(String scope, Object target, String... functions) {
        for (String f : functions) {
            processor.addCommand(scope, target, f);
        }
        return this;
    }

    /** Runs a command line in a new session; the lines that reached the console (the end of the pipe). */
    public List<String> run(String line) throws Exception {
        try (CommandSession s = processor.createSession(InputStream.nullInputStream(), new PrintStream(console, true,
            StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            s.execute(line);
        }
        List<String> l = console.toString(StandardCharsets.UTF_8).lines().toList();
        console.reset();
        return l;
    }

    @Override
    public void close() {
        processor.stop();
        threadIo.stop();
    }
}
