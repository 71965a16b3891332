package org.conntrack4j.replay.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.felix.service.command.CommandSession;
import org.conntrack4j.rules.eval.NftRulesets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replay command's usage errors: exit status 2 and one line naming the problem, before any packet. */
class ReplayCommandTest {
    @TempDir
    Path tmp;

    private final ReplayCommand command = new ReplayCommand();
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private PrintStream savedErr;
    private final CommandSession session = (CommandSession) Proxy.newProxyInstance(
        CommandSession.class.getClassLoader(), new Class<?>[] {CommandSession.class},
        (proxy, m, a) -> m.getName().equals("getConsole") ? new PrintStream(console, true, StandardCharsets.UTF_8) : null);

    ReplayCommandTest() {
        command.factory = new Plugins().factory();
        command.rulesets = new NftRulesets();
    }

    @BeforeEach
    void captureStderr() {
        savedErr = System.err;
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(savedErr);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    private String udpCase() {
        return TestData.oracleCases().resolve("udp").toString();
    }

    @Test
    void aMistypedSysctlIsAUsageErrorNamingTheClosestOne() {
        int status = command.replay(session, udpCase(), "--sysctl", "net.netfilter.nf_conntrack_maxx=5", "--out",
            tmp.resolve("out").toString());
        assertEquals(2, status, err());
        assertEquals("replay: --sysctl net.netfilter.nf_conntrack_maxx: unknown sysctl (did you mean nf_conntrack_max?)\n",
            err());
        assertFalse(Files.exists(tmp.resolve("out/ctstate.tsv")), "nothing replayed");
    }

    @Test
    void aKnownSysctlRuns() {
        int status = command.replay(session, udpCase(), "--sysctl", "net.ipv4.ipfrag_time=20", "--quiet", "--out",
            tmp.resolve("out").toString());
        assertEquals(0, status, err());
        assertTrue(Files.exists(tmp.resolve("out/ctstate.tsv")));
    }

    @Test
    void anUnknownOptionIsAUsageErrorNamingTheClosestOne() {
        assertEquals(2, command.replay(session, udpCase(), "--qiet", "--out", tmp.resolve("out").toString()));
        assertTrue(err().startsWith("replay: unknown option --qiet (did you mean --quiet?)\nusage: replay"), err());
    }

    @Test
    void aBadMacAddressIsAUsageError() {
        assertEquals(2, command.replay(session, "--pcap", "in.pcapng", "--iface",
            "lan,02:00:00:00:01,02:00:00:00:01:02,198.51.100.1/24", "--out", tmp.resolve("out").toString()));
        assertTrue(err().startsWith("replay: --iface lan,02:00:00:00:01,"), err());
    }

    @Test
    void anOutputFolderThatCannotBeWrittenIsOneLine() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertEquals(3, command.replay(session, udpCase(), "--out", "/proc/conntrack4j-nope"));
        assertEquals("replay: --out /proc/conntrack4j-nope: cannot write there: no such file or directory\n", err());
        stderr.reset();
        assertEquals(3, command.replay(session, udpCase(), "--out", file.resolve("out").toString()));
        assertTrue(err().matches("replay: --out .*/file/out: cannot write there: [^\n]*\n"), err());
        assertFalse(err().contains("java."), err());
    }
}
