package org.conntrack4j.rules.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.ref.WeakReference;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.felix.service.command.CommandSession;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.rules.RulesetInstallException;
import org.conntrack4j.rules.eval.NftRulesets;
import org.conntrack4j.rules.nft.NftJson;
import org.conntrack4j.rules.nft.Ruleset;
import org.conntrack4j.rules.nft.RulesetParseException;
import org.conntrack4j.testkit.EventLog;
import org.conntrack4j.testkit.LogRecorder;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The live ruleset component and the nft commands, driven without a framework. */
class LiveRulesetTest {
    private static final String FILTER = "table ip filter {\n\tchain forward {\n\t\ttype filter hook forward priority "
        + "filter; policy accept;\n\t\tudp dport 53 counter packets 0 bytes 0\n\t}\n}\n";
    private static final String OTHER = "table ip other {\n\tchain input {\n\t\ttype filter hook input priority "
        + "filter; policy accept;\n\t}\n}\n";
    private static final String NAT = "table ip nat {\n\tchain post {\n\t\ttype nat hook postrouting priority srcnat; "
        + "policy accept;\n\t\tmasquerade\n\t}\n}\n";

    private Rig rig;
    private Conntrack net;
    private LiveRuleset live;
    private final LogRecorder log = new LogRecorder(LiveRuleset.class.getName());

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() {
        rig = new Rig(new Plugins(), "default", EventLog.AS_PRINTED);
        net = rig.net();
        live = new LiveRuleset();
        live.net = net;
        live.rulesets = new NftRulesets();
        live.log = log;
    }

    @AfterEach
    void tearDown() {
        live.deactivate();
        rig.close();
    }

    private long rulesetHooks() {
        return net.packets().describeHooks(Family.IPV4).stream().filter(h -> h.contains(" nft ")).count();
    }

    @Test
    void theConfiguredRulesetIsInstalledReplacedAndRemoved() throws Exception {
        live.activate(Map.of(LiveRuleset.TEXT, FILTER));
        InstalledRuleset first = live.current();
        assertNotNull(first);
        assertEquals(FILTER, first.listing());

        Path file = dir.resolve("rules.nft");
        Files.writeString(file, OTHER);
        live.modified(Map.of(LiveRuleset.FILE, file.toString()));
        InstalledRuleset second = live.current();
        assertNotSame(first, second);
        assertTrue(first.isClosed());
        assertEquals(OTHER, second.listing());
        assertEquals(1, rulesetHooks());

        live.modified(Map.of());
        assertNull(live.current());
        assertTrue(second.isClosed());
        assertEquals(0, rulesetHooks());
    }

    @Test
    void aBadConfigurationIsLoggedWithItsPositionAndTheRulesetInForceStays() throws Exception {
        live.activate(Map.of(LiveRuleset.TEXT, FILTER));
        InstalledRuleset first = live.current();
        live.modified(Map.of(LiveRuleset.TEXT, "table ip t {\n\tchain c {\n\t\tqueue\n\t}\n}\n"));
        assertSame(first, live.current());
        assertTrue(log.lines().stream().anyMatch(w -> w.startsWith("WARN nft: org.conntrack4j.rules ruleset.text:3:3: ")),
            log.lines().toString());
        live.modified(Map.of(LiveRuleset.FILE, dir.resolve("missing.nft").toString()));
        assertSame(first, live.current());
        assertTrue(log.lines().stream().anyMatch(w -> w.contains("cannot read ruleset.file")), log.lines().toString());
    }

    @Test
    void aRulesetWaitingForNatIsInstalledWhenNatArrives() throws Exception {
        live.activate(Map.of(LiveRuleset.TEXT, NAT));
        assertNull(live.current());
        assertTrue(log.lines().stream().anyMatch(w -> w.contains("needs NAT, which bundle org.conntrack4j.nat provides")),
            log.lines().toString());
        live.retryPending();
        assertNull(live.current());
        Registration r = net.services().provideExtension(Nat.class, (Nat) Proxy.newProxyInstance(
            Nat.class.getClassLoader(),
            new Class<?>[] {Nat.class}, (p, m, a) -> m.getName().equals("registerChain") ? (Registration) () -> { }
                : null));
        live.retryPending();
        assertNotNull(live.current());
        live.flush();
        assertNull(live.current());
        r.close();
    }

    /** A NAT that only counts the chains registered with it. */
    private static Nat countingNat(int[] chains) {
        return (Nat) Proxy.newProxyInstance(Nat.class.getClassLoader(), new Class<?>[] {Nat.class}, (p, m, a) -> {
            if (m.getName().equals("registerChain")) {
                chains[0]++;
                return (Registration) () -> chains[0]--;
            }
            return null;
        });
    }

    @Test
    void aNewNatGetsTheNatChainsOfTheRulesetInForce() {
        int[] first = {0};
        Registration r1 = net.services().provideExtension(Nat.class, countingNat(first));
        live.activate(Map.of(LiveRuleset.TEXT, NAT + FILTER));
        InstalledRuleset before = live.current();
        assertNotNull(before);
        assertEquals(1, first[0]);
        live.retryPending();
        assertSame(before, live.current(), "same NAT: nothing to do");

        r1.close(); // the NAT bundle is updated: its old instance leaves, a new one arrives
        int[] second = {0};
        Registration r2 = net.services().provideExtension(Nat.class, countingNat(second));
        live.retryPending();
        assertNotSame(before, live.current());
        assertTrue(before.isClosed());
        assertEquals(1, second[0]);
        assertEquals(1, rulesetHooks(), "the filter chain is there once");
        r2.close();
    }

    /** A NAT whose chain registrations refer to it, as the NAT bundle's do. */
    private static Nat selfReferringNat() {
        Nat[] self = new Nat[1];
        self[0] = (Nat) Proxy.newProxyInstance(Nat.class.getClassLoader(), new Class<?>[] {Nat.class},
            (p, m, a) -> m.getName().equals("registerChain") ? (Registration) () -> Objects.requireNonNull(self[0])
                : null);
        return self[0];
    }

    /** Installs a ruleset with nat and filter chains, then lets its NAT leave; keeps that NAT only weakly. */
    private WeakReference<Nat> natThatLeft() {
        Nat nat = selfReferringNat();
        Registration r = net.services().provideExtension(Nat.class, nat);
        live.activate(Map.of(LiveRuleset.TEXT, NAT + FILTER));
        assertNotNull(live.current());
        r.close();
        live.extensionGone(null);
        return new WeakReference<>(nat);
    }

    @Test
    void whenNatLeavesTheFilterChainsStayAndNothingOfThatNatIsKept() throws Exception {
        WeakReference<Nat> gone = natThatLeft();
        InstalledRuleset rs = live.current();
        assertNotNull(rs);
        assertFalse(rs.isClosed());
        assertEquals(1, rulesetHooks(), "the filter chain stays in force");
        for (int i = 0; i < 200 && gone.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertNull(gone.get(), "the ruleset in force still refers to the NAT that left");

        int[] back = {0};
        Registration r = net.services().provideExtension(Nat.class, countingNat(back));
        live.retryPending();
        assertEquals(1, back[0], "NAT is back: the ruleset is installed into it");
        assertTrue(rs.isClosed());
        assertEquals(1, rulesetHooks());
        r.close();
    }

    @Test
    void deactivationRemovesTheRuleset() {
        live.activate(Map.of(LiveRuleset.TEXT, FILTER));
        InstalledRuleset rs = live.current();
        live.deactivate();
        assertTrue(rs.isClosed());
        assertEquals(0, rulesetHooks());
    }

    // ---- the commands -------------------------------------------------------------------------------------

    private static CommandSession session(ByteArrayOutputStream out) {
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        return (CommandSession) Proxy.newProxyInstance(CommandSession.class.getClassLoader(),
            new Class<?>[] {CommandSession.class}, (p, m, a) -> m.getName().equals("getConsole") ? ps : null);
    }

    @Test
    void nftCommandsLoadListNatAndFlush() throws Exception {
        live.activate(Map.of());
        NftCommands cmd = new NftCommands();
        cmd.live = live;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandSession s = session(out);

        Path file = dir.resolve("ruleset.nft");
        Files.writeString(file, FILTER);
        cmd.load(s, file.toString());
        cmd.list(s);
        assertEquals(FILTER, out.toString(StandardCharsets.UTF_8));
        out.reset();
        cmd.list(s, "-j");
        String json = NftJson.of(live.current().liveRuleset()) + "\n";
        assertEquals(json, out.toString(StandardCharsets.UTF_8));
        assertTrue(json.contains("{\"rule\": {\"family\": \"ip\", \"table\": \"filter\", \"chain\": \"forward\", "
            + "\"handle\": 2, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"udp\", "
            + "\"field\": \"dport\"}}, \"right\": 53}}, {\"counter\": {\"packets\": 0, \"bytes\": 0}}]}}"), json);
        out.reset();
        cmd.list(s, "--json");
        assertEquals(json, out.toString(StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> cmd.list(s, "-x"));
        out.reset();

        Path bad = dir.resolve("bad.nft");
        Files.writeString(bad, "table ip t {\n\tchain c {\n\t\ttcp dport 99999\n\t}\n}\n");
        RulesetParseException e = assertThrows(RulesetParseException.class, () -> cmd.load(s, bad.toString()));
        assertTrue(e.getMessage().startsWith(bad + ":3:13: "), e.getMessage());
        Files.writeString(bad, NAT);
        RulesetInstallException ie = assertThrows(RulesetInstallException.class, () -> cmd.load(s, bad.toString()));
        assertEquals(bad + ":4:3: chain post: \"masquerade\" needs NAT, which bundle org.conntrack4j.nat provides; it is "
            + "not installed", ie.getMessage());
        assertNotNull(live.current(), "a failed load keeps the ruleset in force");

        out.reset();
        cmd.nat(s);
        assertEquals("", out.toString(StandardCharsets.UTF_8), "no NAT rules, no bindings");

        cmd.flush(s);
        out.reset();
        cmd.list(s);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        cmd.list(s, "-j");
        assertEquals(NftJson.of(new Ruleset(List.of())) + "\n", out.toString(StandardCharsets.UTF_8),
            "no ruleset: metainfo alone, as nft -j prints for an empty ruleset");
        out.reset();
        assertEquals(0, rulesetHooks());

        // --help prints the usage (and does nothing else); a missing or extra argument is a usage error
        cmd.load(s, file.toString());
        out.reset();
        cmd.flush(s, "--help");
        assertNotNull(live.current(), "flush --help flushed");
        cmd.load(s, "-h");
        cmd.list(s, "--help");
        assertEquals("usage: nft:flush      remove the ruleset in force (nft flush ruleset)\n"
            + "usage: nft:load FILE      replace the ruleset in force with FILE's, atomically (nft -f FILE)\n"
            + "usage: nft:list [-j|--json]      the ruleset in force (nft list ruleset), with live counters; -j: as nft"
            + " -j list ruleset prints it\n",
            out.toString(StandardCharsets.UTF_8));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> cmd.load(s)).getMessage().startsWith("usage: "));
        assertThrows(IllegalArgumentException.class, () -> cmd.nat(s, "extra"));
    }
}
