package org.conntrack4j.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The commands in a real Gogo runtime: what they print is their standard output, so a pipe hands it to the next
 * command ({@code ct:trackers | grep udp}) instead of it going to the console around the pipe.
 */
class CtPipeTest {
    private final ThreadIOImpl threadIo = new ThreadIOImpl();
    private final CommandProcessorImpl processor = new CommandProcessorImpl(threadIo);
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final Plugins plugins = new Plugins();
    private final Rig rig;

    /** A grep of the test's own: the lines of its input that contain the word. */
    public static final class Keep {
        public void keep(String word) throws IOException {
            Process p = Process.Utils.current();
            InputStream in = p.in();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                if (l.contains(word)) {
                    p.out().println("kept: " + l);
                }
            }
        }
    }

    CtPipeTest() {
        threadIo.start();
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        rig = new Rig(plugins, "default", org.conntrack4j.testkit.EventLog.AS_PRINTED);
        CtCommands ct = new CtCommands();
        ct.net = rig.net();
        ct.factory = plugins.factory();
        processor.addCommand("ct", ct, "trackers");
        processor.addCommand("ct", ct, "sysctl");
        processor.addCommand("t", new Keep(), "keep");
    }

    @AfterEach
    void close() {
        processor.stop();
        threadIo.stop();
        rig.close();
    }

    private List<String> run(String line) throws Exception {
        try (CommandSession s = processor.createSession(InputStream.nullInputStream(), new PrintStream(console, true,
            StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            s.execute(line);
        }
        List<String> l = console.toString(StandardCharsets.UTF_8).lines().toList();
        console.reset();
        return l;
    }

    @Test
    void aPipeFiltersWhatACommandPrints() throws Exception {
        List<String> all = run("ct:trackers");
        assertTrue(all.size() > 2 && all.stream().anyMatch(l -> l.contains("udp")), all.toString());
        List<String> udp = run("ct:trackers | t:keep udp");
        assertEquals(all.stream().filter(l -> l.contains("udp")).map(l -> "kept: " + l).toList(), udp);
        assertEquals(List.of("kept: net.ipv4.ipfrag_time = 30"), run("ct:sysctl | t:keep ipfrag_time"));
    }
}
