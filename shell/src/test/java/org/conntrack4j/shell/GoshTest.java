package org.conntrack4j.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.jline.builtins.Completers.CompletionData;
import org.junit.jupiter.api.Test;

class GoshTest {
    @Test
    void optionsComeFromTheOptionLinesOfAUsage() {
        List<CompletionData> list = Gosh.options(CtUsage.of("list"));
        CompletionData output = list.get(0);
        assertEquals(List.of("-o", "--output"), output.options);
        assertEquals("extended, id, labels, xml, timestamp, ktimestamp", output.description);
        assertTrue(list.stream().anyMatch(d -> d.options.equals(List.of("--sport", "--orig-port-src"))));
        assertTrue(list.stream().anyMatch(d -> d.options.equals(List.of("-s", "--src", "--orig-src"))));
        // lines with several option groups: every option, no description taken from the next group
        CompletionData compact = Gosh.options(CtUsage.of("create")).stream()
            .filter(d -> d.options.contains("--status")).findFirst().orElseThrow();
        assertEquals(List.of("-u", "--status", "-m", "--mark", "-w", "--zone", "--orig-zone", "--reply-zone"),
            compact.options);
        assertNull(compact.description);
        // a usage without options offers none
        assertEquals(List.of(), Gosh.options(CtUsage.of("count")));
    }

    @Test
    void completionsCommandFillsTheSessionsTable() throws Exception {
        ThreadIOImpl io = new ThreadIOImpl();
        io.start();
        CommandProcessorImpl processor = new CommandProcessorImpl(io);
        try {
            processor.addCommand("shell", new ShellCommands(), "completions");
            PrintStream sink = new PrintStream(new ByteArrayOutputStream());
            try (CommandSession s = processor.createSession(InputStream.nullInputStream(), sink, sink)) {
                s.execute("shell:completions");
                @SuppressWarnings("unchecked")
                Map<String, List<CompletionData>> all = (Map<String, List<CompletionData>>) s.get(Shell.VAR_COMPLETIONS);
                assertTrue(all.get("ct:list").stream().anyMatch(d -> d.options.contains("--output")), all.toString());
                assertTrue(all.get("ct:events").stream().anyMatch(d -> d.options.contains("--event-mask")));
                assertTrue(!all.containsKey("ct:count"), "no options, no entry");
            }
        } finally {
            processor.stop();
            io.stop();
        }
    }
}
