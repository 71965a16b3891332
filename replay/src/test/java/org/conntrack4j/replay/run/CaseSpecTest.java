package org.conntrack4j.replay.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaseSpecTest {
    @TempDir
    Path dir;

    private Path folder(String extra) throws IOException {
        Files.writeString(dir.resolve("case.json"), "{\"scenario\": \"t\", " + extra + "\"topology\": {\"router_interfaces\": "
            + "{\"lan\": {\"mac\": \"02:00:00:00:01:01\", \"ipv4\": \"198.51.100.1/24\", \"peer_mac\": \"02:00:00:00:01:02\"}}}}");
        Files.write(dir.resolve("ingress.pcapng"), new byte[0]);
        Files.writeString(dir.resolve("ruleset.nft"), "");
        return dir;
    }

    @Test
    void aCaseFolderWithoutItsRulesetIsRefused() throws Exception {
        Files.delete(folder("").resolve("ruleset.nft"));
        ReplayException e = assertThrows(ReplayException.class, () -> CaseSpec.load(dir));
        assertEquals(ReplayException.INPUT, e.exitStatus());
        assertTrue(e.getMessage().contains("ruleset.nft: missing"), e.getMessage());
        // the ruleset may also come inline, as case.json's nft_ruleset
        Files.delete(folder("\"nft_ruleset\": \"table ip t {}\", ").resolve("ruleset.nft"));
        assertEquals("table ip t {}", CaseSpec.load(dir).ruleset());
    }

    @Test
    void aCaseWithoutTickPhaseLeavesItToTheReplay() throws Exception {
        assertEquals(-1, CaseSpec.load(folder("")).tickPhaseNanos());
    }

    @Test
    void aReferenceCaseOfACalibratedBootGetsThatBootsTickPhase() throws Exception {
        assertEquals(1_060_000, CaseSpec.load(folder("\"kernel\": \"6.18.44-fc-v1272\", ")).tickPhaseNanos());
        // the first boot's cases, and unknown kernels, leave it to the replay's default
        assertEquals(-1, CaseSpec.load(folder("\"kernel\": \"6.18.44-fc-v657\", ")).tickPhaseNanos());
        // the recorder's own measurement wins
        assertEquals(0, CaseSpec.load(folder("\"kernel\": \"6.18.44-fc-v1272\", \"tick_phase_us\": 0, "))
            .tickPhaseNanos());
    }

    @Test
    void theRecordersTickPhaseIsReadInMicroseconds() throws Exception {
        assertEquals(2_663_500, CaseSpec.load(folder("\"tick_phase_us\": 2663.5, ")).tickPhaseNanos());
        assertEquals(0, CaseSpec.load(folder("\"tick_phase_us\": 0, ")).tickPhaseNanos());
    }

    @Test
    void rulesetChangesAreReadInTimeOrder() throws Exception {
        CaseSpec c = CaseSpec.load(folder("\"ruleset_changes\": [{\"at_s\": 2.5, \"ruleset\": \"table ip b {}\"}, "
            + "{\"at_s\": 1.25, \"ruleset\": \"table ip a {}\"}], "));
        assertEquals(List.of(new CaseSpec.RulesetChange(1_250_000_000L, "table ip a {}"),
            new CaseSpec.RulesetChange(2_500_000_000L, "table ip b {}")), c.rulesetChanges());
        assertEquals(c.rulesetChanges(), c.withAdoptRandomPorts(false).rulesetChanges(), "kept by the copies");
        assertEquals(List.of(), CaseSpec.load(folder("")).rulesetChanges());
    }

    @Test
    void aRulesetChangeWithoutItsTimeOrTextIsAnInputError() throws Exception {
        for (String bad : new String[] {"[{\"ruleset\": \"table ip a {}\"}]", "[{\"at_s\": -1, \"ruleset\": \"x\"}]",
            "[{\"at_s\": 1}]", "{}"}) {
            ReplayException e = assertThrows(ReplayException.class,
                () -> CaseSpec.load(folder("\"ruleset_changes\": " + bad + ", ")), bad);
            assertEquals(ReplayException.INPUT, e.exitStatus());
            assertTrue(e.getMessage().contains("ruleset_changes"), e.getMessage());
        }
    }

    @Test
    void aTickPhaseOutsideOneTickIsAnInputError() throws Exception {
        for (String bad : new String[] {"4000", "-1", "\"2663\""}) {
            ReplayException e = assertThrows(ReplayException.class,
                () -> CaseSpec.load(folder("\"tick_phase_us\": " + bad + ", ")), bad);
            assertEquals(ReplayException.INPUT, e.exitStatus());
            assertTrue(e.getMessage().contains("tick_phase_us"), e.getMessage());
        }
    }
}
