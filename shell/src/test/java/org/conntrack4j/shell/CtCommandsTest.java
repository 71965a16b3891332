package org.conntrack4j.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.CommandSession;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code ct:*} commands on an engine of the kit, with a session whose console is recorded: what they print in
 * conntrack-tools' formats (conntrack's own summary lines go to standard error, as conntrack writes them) and what
 * they change.
 */
class CtCommandsTest {
    private final Plugins plugins = new Plugins();
    private final Rig rig;
    private final CtCommands ct = new CtCommands();
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final Map<String, Object> variables = new HashMap<>();
    private final CommandSession session;
    private PrintStream savedErr;

    CtCommandsTest() {
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        rig = new Rig(plugins, "default", org.conntrack4j.testkit.EventLog.AS_PRINTED);
        ct.net = rig.net();
        ct.factory = plugins.factory();
        session = session(new PrintStream(console, true, StandardCharsets.UTF_8), variables);
    }

    /** A session with only what the commands use: the console, and variables. */
    static CommandSession session(PrintStream out, Map<String, Object> variables) {
        return (CommandSession) Proxy.newProxyInstance(CommandSession.class.getClassLoader(),
            new Class<?>[] {CommandSession.class}, (proxy, m, a) -> switch (m.getName()) {
                case "getConsole" -> out;
                case "put" -> variables.put((String) a[0], a[1]);
                case "get" -> variables.get((String) a[0]);
                default -> null;
            });
    }

    @BeforeEach
    void captureStderr() {
        savedErr = System.err;
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(savedErr);
        rig.close();
    }

    private List<String> printed() {
        List<String> l = console.toString(StandardCharsets.UTF_8).lines().toList();
        console.reset();
        return l;
    }

    private String err() {
        String s = stderr.toString(StandardCharsets.UTF_8);
        stderr.reset();
        return s;
    }

    private void traffic() {
        rig.forward(Packets.udp("198.51.100.10", 40000, "203.0.113.10", 53, new byte[4]));
        rig.forward(Packets.udp("198.51.100.11", 40001, "203.0.113.10", 123, new byte[4]));
    }

    @Test
    void listPrintsConntrackLinesAndTheCountOnStandardError() {
        traffic();
        ct.list(session, "-p", "udp", "--dport", "53");
        List<String> lines = printed();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("udp +17 30 src=198\\.51\\.100\\.10 dst=203\\.0\\.113\\.10 sport=40000 dport=53 "
            + "\\[UNREPLIED\\] src=203\\.0\\.113\\.10 dst=198\\.51\\.100\\.10 sport=53 dport=40000 mark=0 use=1"),
            lines.get(0));
        assertEquals("conntrack v1.4.7 (conntrack4j): 1 flow entries have been shown.\n", err());

        ct.list(session, "-o", "extended,id");
        lines = printed();
        assertEquals(2, lines.size());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("ipv4     2 udp      17 ") && l.matches(".* id=\\d+")),
            lines.toString());
    }

    @Test
    void deleteNeedsAFilterAndFlushEmptiesTheTable() {
        traffic();
        assertEquals("ct:delete needs a filter (use ct:flush to delete everything)",
            assertThrows(IllegalArgumentException.class, () -> ct.delete()).getMessage());
        assertEquals(0, ct.delete("--dport", "123"));
        assertEquals("conntrack v1.4.7 (conntrack4j): 1 flow entries have been deleted.\n", err());
        assertEquals(1, rig.net().table().count());
        assertEquals(0, ct.flush());
        assertEquals(0, rig.net().table().count());
        assertEquals("conntrack v1.4.7 (conntrack4j): connection tracking table has been emptied.\n", err());
        assertEquals(0, ct.flush("expect"));
        assertEquals("conntrack v1.4.7 (conntrack4j): expectation table has been emptied.\n", err());
    }

    @Test
    void statsCountsEntriesAndInvalidReasons() {
        traffic();
        rig.forward(Packets.ip("198.51.100.10", "203.0.113.10", IpProto.UDP, new byte[4]));
        ct.stats(session);
        List<String> lines = printed();
        assertTrue(lines.get(0).startsWith("cpu=0   \t") && lines.get(0).contains("invalid=1"), lines.get(0));
        assertTrue(lines.get(1).matches("expect_new=0 expect_create=0 expect_delete=0 entries=2 expectations=0"),
            lines.get(1));
        assertEquals("invalid reason=\"short packet\" count=1", lines.get(2));
    }

    @Test
    void sysctlShowsAndSetsSettingsByEitherName() {
        ct.sysctl(session, "nf_conntrack_udp_timeout");
        assertEquals(List.of("net.netfilter.nf_conntrack_udp_timeout = 30"), printed());
        ct.sysctl(session, "net.netfilter.nf_conntrack_udp_timeout", "45");
        assertEquals(List.of("net.netfilter.nf_conntrack_udp_timeout = 45"), printed());
        assertEquals(45, rig.net().settings().get("nf_conntrack_udp_timeout"));
        ct.sysctl(session);
        assertTrue(printed().contains("net.netfilter.nf_conntrack_udp_timeout = 45"));
        assertEquals("unknown setting nf_conntrack_bogus (no registered plug-in declares it)",
            assertThrows(IllegalArgumentException.class, () -> ct.sysctl(session, "nf_conntrack_bogus")).getMessage());
        assertEquals("nf_conntrack_udp_timeout: not a number: soon", assertThrows(IllegalArgumentException.class,
            () -> ct.sysctl(session, "nf_conntrack_udp_timeout", "soon")).getMessage());
    }

    @Test
    void trackersListsWhatServesWhichProtocol() {
        ct.trackers(session);
        List<String> lines = printed();
        assertEquals("proto  tracker   families   state    bundle", lines.get(0).trim());
        assertTrue(lines.stream().anyMatch(l -> l.matches("17 +udp +ipv4,ipv6 +active +org\\.conntrack4j\\.proto\\.udp")),
            lines.toString());
    }

    @Test
    void hooksShowTheChainsOfAFamily() {
        ct.hooks(session, "ipv6");
        List<String> lines = printed();
        assertTrue(lines.stream().anyMatch(l -> l.contains("conntrack_in (core)")), lines.toString());
    }

    @Test
    void eventsStopsAfterTheCountOrTheTime() throws InterruptedException {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            traffic();
        });
        t.start();
        ct.events(session, "-n", "2", "-t", "20");
        t.join();
        List<String> lines = printed();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0)
            .matches("\\[\\d+\\.\\d+ *\\]\\t +\\[NEW\\] ipv4 +2 udp +17 30 src=198\\.51\\.100\\.10 .* id=\\d+"),
            lines.get(0));
        ct.events(session, "-t", "0");
        assertEquals(List.of(), printed());
        assertEquals("unknown option -x",
            assertThrows(IllegalArgumentException.class, () -> ct.events(session, "-x")).getMessage());
    }

    @Test
    void expectListsNoneWhenThereAreNone() {
        ct.expect(session);
        assertEquals(List.of(), printed());
        assertEquals("conntrack v1.4.7 (conntrack4j): 0 expectations have been shown.\n", err());
    }

    @Test
    void aCommandLineTakesItsArgumentsThroughVariables() {
        String line = Main.commandLine(session, new String[] {"ct:list", "-s", "1.2.3.4; stop"});
        assertEquals("ct:list $conntrack4j_arg1 $conntrack4j_arg2", line);
        assertEquals("-s", variables.get("conntrack4j_arg1"));
        assertEquals("1.2.3.4; stop", variables.get("conntrack4j_arg2"), "taken literally, never parsed by Gogo");
    }
}
