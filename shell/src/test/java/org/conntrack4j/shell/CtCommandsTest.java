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

    /** {@link #traffic} in 200 ms, from another thread, for a command that waits for events. */
    private Thread trafficSoon() {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            traffic();
        });
        t.start();
        return t;
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
            assertThrows(IllegalArgumentException.class, () -> ct.delete(session)).getMessage());
        ct.delete(session, "--dport", "123");
        // as conntrack -D: each deleted entry as -L printed it, then the count
        assertEquals(List.of("udp      17 30 src=198.51.100.11 dst=203.0.113.10 sport=40001 dport=123 [UNREPLIED] "
            + "src=203.0.113.10 dst=198.51.100.11 sport=123 dport=40001 mark=0 use=1"), printed());
        assertEquals("conntrack v1.4.7 (conntrack4j): 1 flow entries have been deleted.\n", err());
        assertEquals("conntrack v1.4.7 (conntrack4j): 0 flow entries have been deleted.", assertThrows(
            IllegalStateException.class, () -> ct.delete(session, "--dport", "123")).getMessage(), "exit status 1");
        assertEquals(1, rig.net().table().count());
        assertEquals(0, ct.flush(session));
        assertEquals(0, rig.net().table().count());
        assertEquals("conntrack v1.4.7 (conntrack4j): connection tracking table has been emptied.\n", err());
        assertEquals(0, ct.flush(session, "expect"));
        assertEquals("conntrack v1.4.7 (conntrack4j): expectation table has been emptied.\n", err());
    }

    @Test
    void statsCountsEntriesAndInvalidReasons() {
        traffic();
        rig.forward(Packets.ip("198.51.100.10", "203.0.113.10", IpProto.UDP, new byte[4]));
        // conntrack -S and -S expect print, per CPU (here the one engine), e.g. "cpu=0   \tfound=0 invalid=0 insert=0
        // insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0 clash_resolve=0 chaintoolong=0 " and
        // "cpu=0   \texpect_new=0 expect_create=0 expect_delete=0 ", every counter followed by a blank
        ct.stats(session);
        List<String> lines = printed();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("cpu=0   \tfound=\\d+ invalid=1 insert=\\d+ insert_failed=\\d+ drop=\\d+ "
            + "early_drop=\\d+ error=\\d+ search_restart=\\d+ clash_resolve=\\d+ chaintoolong=\\d+ "), lines.get(0));
        ct.stats(session, "expect");
        assertEquals(List.of("cpu=0   \texpect_new=0 expect_create=0 expect_delete=0 "), printed());
        ct.stats(session, "invalid");
        assertEquals(List.of("entries=2 expectations=0 events_lost=0", "invalid reason=\"short packet\" count=1"), printed());
        assertThrows(IllegalArgumentException.class, () -> ct.stats(session, "bogus"));
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
        // the IPv4 reassembly limits are Linux's net.ipv4 sysctls, not netfilter's
        ct.sysctl(session, "net.ipv4.ipfrag_time", "20");
        assertEquals(List.of("net.ipv4.ipfrag_time = 20"), printed());
        ct.sysctl(session);
        List<String> all = printed();
        assertTrue(all.contains("net.ipv4.ipfrag_time = 20") && all.stream().noneMatch(l -> l.contains("netfilter.ipfrag")),
            all.toString());
        assertEquals("unknown setting nf_conntrack_udp_timout (did you mean nf_conntrack_udp_timeout?)",
            assertThrows(IllegalArgumentException.class, () -> ct.sysctl(session, "nf_conntrack_udp_timout")).getMessage());
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
        Thread t = trafficSoon();
        ct.events(session, "-o", "timestamp,extended,id", "-n", "2", "-t", "20");
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

    @Test
    void getPrintsTheEntryWithTheLookupsReference() {
        traffic();
        // conntrack -G printed an entry that -L shows with use=1 as use=2: ctnetlink answers with the lookup's
        // reference held
        ct.get(session, "-p", "udp", "-s", "198.51.100.10", "-d", "203.0.113.10", "--sport", "40000", "--dport", "53");
        assertEquals(List.of("udp      17 30 src=198.51.100.10 dst=203.0.113.10 sport=40000 dport=53 [UNREPLIED] "
            + "src=203.0.113.10 dst=198.51.100.10 sport=53 dport=40000 mark=0 use=2"), printed());
        assertEquals("conntrack v1.4.7 (conntrack4j): 1 flow entries have been shown.\n", err());
        assertEquals("conntrack v1.4.7 (conntrack4j): Operation failed: such conntrack doesn't exist",
            assertThrows(IllegalStateException.class, () -> ct.get(session, "-p", "udp", "-s", "198.51.100.10", "-d",
                "203.0.113.10", "--sport", "1", "--dport", "53")).getMessage());
        // conntrack's words for a tuple that is not whole
        assertEquals("you have to specify `--sport' and `--dport'", assertThrows(IllegalArgumentException.class,
            () -> ct.get(session, "-p", "udp", "-s", "198.51.100.10", "-d", "203.0.113.10", "--dport", "53"))
            .getMessage());
        assertEquals("you have to specify `--src' and `--dst'", assertThrows(IllegalArgumentException.class,
            () -> ct.get(session, "-p", "udp", "-d", "203.0.113.10", "--dport", "53", "--sport", "1")).getMessage());
        assertEquals("You need to supply the `--protonum' option for this command", assertThrows(
            IllegalArgumentException.class, () -> ct.get(session, "-s", "198.51.100.10", "-d", "203.0.113.10"))
            .getMessage());
        // looked up in zone 0 unless --zone says otherwise
        assertThrows(IllegalStateException.class, () -> ct.get(session, "-p", "udp", "-s", "198.51.100.10", "-d",
            "203.0.113.10", "--sport", "40000", "--dport", "53", "--zone", "7"));
    }

    @Test
    void countPrintsTheNumberAndTakesNoOption() {
        traffic();
        ct.count(session);
        assertEquals(List.of("2"), printed());
        assertEquals("Illegal option `-p' with this command", assertThrows(IllegalArgumentException.class,
            () -> ct.count(session, "-p", "udp")).getMessage());
    }

    @Test
    void deleteWithXmlPrintsTheFlowsWithoutTheDocument() {
        traffic();
        ct.delete(session, "-s", "198.51.100.11", "-o", "xml");
        List<String> lines = printed();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("<flow><meta direction=\"original\">") && lines.get(0).endsWith("</flow>")
            && lines.get(0).contains("<dport>123</dport>"), lines.get(0));
    }

    @Test
    void listInXmlIsTheDocumentAroundTheFlowsOrNothing() {
        ct.list(session, "-o", "xml");
        assertEquals(List.of(), printed(), "conntrack prints no document for an empty table");
        traffic();
        ct.list(session, "-o", "xml", "--dport", "53");
        List<String> lines = printed();
        assertEquals("<?xml version=\"1.0\" encoding=\"utf-8\"?>", lines.get(0));
        assertEquals("<conntrack>", lines.get(1));
        assertTrue(lines.get(2).startsWith("<flow><meta direction=\"original\">"), lines.get(2));
        assertEquals("</conntrack>", lines.get(3));
        assertEquals(4, lines.size());
    }

    @Test
    void listInJsonIsOneVersionedObjectPerConnection() {
        ct.list(session, "-o", "json");
        assertEquals(List.of(), printed());
        traffic();
        ct.list(session, "-o", "json", "--dport", "53");
        List<String> lines = printed();
        assertEquals(1, lines.size(), lines.toString());
        int id = rig.net().table().list(c -> c.dstPort(0) == 53).get(0).id();
        assertEquals("{\"version\":1,\"id\":" + Integer.toUnsignedString(id) + ",\"family\":\"ipv4\",\"protocol\":\"udp\","
            + "\"protonum\":17,\"timeout\":30,\"status\":[\"CONFIRMED\"],\"mark\":0,\"zone\":0,\"use\":1,"
            + "\"original\":{\"src\":\"198.51.100.10\",\"dst\":\"203.0.113.10\",\"sport\":40000,\"dport\":53},"
            + "\"reply\":{\"src\":\"203.0.113.10\",\"dst\":\"198.51.100.10\",\"sport\":53,\"dport\":40000}}", lines.get(0));
        assertTrue(err().contains("1 flow entries have been shown."));
        assertThrows(IllegalArgumentException.class, () -> ct.list(session, "-o", "json,xml"));
        assertThrows(IllegalArgumentException.class, () -> ct.delete(session, "-p", "udp", "-o", "json"));
    }

    @Test
    void eventsTakeConntracksOptionsAndEventMask() throws InterruptedException {
        Thread later = trafficSoon();
        // conntrack -E -e NEW -o xml: the document opens with the first event and closes at the end
        ct.events(session, "-e", "NEW", "-o", "xml", "-n", "1", "-t", "20");
        later.join();
        List<String> lines = printed();
        assertEquals(4, lines.size(), lines.toString());
        assertEquals("<conntrack>", lines.get(1));
        assertTrue(lines.get(2).startsWith("<flow type=\"new\"><meta direction=\"original\"><layer3 protonum=\"2\" "
            + "protoname=\"ipv4\"><src>198.51.100.10</src>"), lines.get(2));
        assertTrue(lines.get(2).endsWith("<meta direction=\"independent\"><timeout>30</timeout><id>"
            + Integer.toUnsignedString(rig.net().table().list(c -> c.dstPort(0) == 53).get(0).id())
            + "</id><unreplied/></meta></flow>"), lines.get(2));
        assertEquals("</conntrack>", lines.get(3));
        assertEquals("conntrack v1.4.7 (conntrack4j): 1 flow events have been shown.\n", err());
        assertEquals("bad event BOGUS", assertThrows(IllegalArgumentException.class,
            () -> ct.events(session, "-e", "BOGUS")).getMessage());
        assertEquals("unknown output option bogus", assertThrows(IllegalArgumentException.class,
            () -> ct.events(session, "-o", "bogus")).getMessage());
        assertEquals(CtFilter.ALL_EVENTS, CtFilter.eventTypes("new,UPD,destroy"));
    }

    @Test
    void eventsInJsonAreTheConnectionsObjectWithEventAndTime() throws InterruptedException {
        Thread later = trafficSoon();
        ct.events(session, "-e", "NEW", "-o", "json", "-n", "1", "-t", "20");
        later.join();
        List<String> lines = printed();
        assertEquals(1, lines.size(), lines.toString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
            "\\{\"version\":1,\"event\":\"new\",\"time\":(\\d+)\\.\\d{6},\"id\":\\d+,\"family\":\"ipv4\","
            + "\"protocol\":\"udp\",.*\"original\":\\{\"src\":\"198\\.51\\.100\\.10\",.*\\}\\}").matcher(lines.get(0));
        assertTrue(m.matches(), lines.get(0));
        // the rig's clock stands still at its start
        assertEquals(org.conntrack4j.testkit.Rig.START_NANOS / 1_000_000_000L, Long.parseLong(m.group(1)));
        assertThrows(IllegalArgumentException.class, () -> ct.events(session, "-o", "json,extended"));
        assertThrows(IllegalArgumentException.class, () -> ct.events(session, "expect", "-o", "json"));
    }

    @Test
    void helpPrintsUsageWithEveryOptionInsteadOfAskingForAValue() throws Exception {
        ct.list(session, "--help");
        String usage = String.join("\n", printed());
        assertTrue(usage.startsWith("usage: ct:list"), usage);
        // every option ct:list's parser takes (CtFilter.parse)
        for (String o : List.of("-o", "--output", "-s", "--src", "--orig-src", "-d", "--dst", "--orig-dst", "-r",
            "--reply-src", "-q", "--reply-dst", "-p", "--proto", "--sport", "--orig-port-src", "--dport",
            "--orig-port-dst", "-m", "--mark", "-u", "--status", "--zone", "--orig-zone", "--reply-zone", "-l", "--label",
            "--icmp-type", "--icmp-code", "--icmp-id", "--state", "-f", "--family", "extended", "id", "labels", "xml",
            "ktimestamp")) {
            assertTrue(usage.matches("(?s).*[ ,]" + java.util.regex.Pattern.quote(o) + "([ ,\\]\\n].*|$)"),
                o + " missing:\n" + usage);
        }
        for (String c : List.of("get", "count", "expect", "stats", "delete", "flush", "trackers", "sysctl", "hooks")) {
            java.lang.reflect.Method m = CtCommands.class.getMethod(c, CommandSession.class, String[].class);
            m.invoke(ct, session, new String[] {"--help"});
            assertTrue(printed().get(0).startsWith("usage: ct:" + c), c);
        }
        ct.events(session, "-h");
        assertTrue(printed().get(0).startsWith("usage: ct:events"));
        assertEquals("", err(), "usage goes to the output");
    }
}
