package org.conntrack4j.nat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.conntrack4j.replay.compare.CaseComparison;
import org.conntrack4j.replay.compare.ComparisonResult;
import org.conntrack4j.replay.run.CaseSpec;
import org.conntrack4j.replay.run.Replay;
import org.conntrack4j.replay.run.ReplayException;
import org.conntrack4j.rules.eval.NftRulesets;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The recorded NAT cases replayed through the project's replay (router, trackers, NAT) and scored by the port of
 * compare.py: verdicts, events, table and egress bytes must all agree with the kernel (the port the kernel
 * picked at random for a clashing flow is matched by consistent renaming).
 */
class KernelNatCaseTest {
    @TempDir
    Path out;

    @ParameterizedTest
    @ValueSource(strings = {"dnat_portforward", "snat_port_clash"})
    void replayAgreesWithTheKernelCompletely(String name) throws Exception {
        Path dir = TestData.oracleCases().resolve(name);
        NatLab lab = new NatLab();
        Replay.run(CaseSpec.load(dir), out, lab.engines(), NatLab::installForReplay, null);
        ComparisonResult r = CaseComparison.compare(dir, out);
        assertTrue(r.ok(), name + ":\n" + r.render());
    }

    /** The same through the project's rules evaluator instead of the test's stand-in. */
    @ParameterizedTest
    @ValueSource(strings = {"dnat_portforward", "snat_port_clash"})
    void replayWithTheRulesEvaluatorAgreesWithTheKernelCompletely(String name) throws Exception {
        Path dir = TestData.oracleCases().resolve(name);
        NatLab lab = new NatLab();
        NftRulesets rulesets = new NftRulesets();
        Replay.run(CaseSpec.load(dir), out, lab.engines(), (net, text, source) -> {
            try {
                return rulesets.install(net, source, text);
            } catch (Exception e) {
                throw new ReplayException(e.getMessage(), ReplayException.RULESET, e);
            }
        }, null);
        ComparisonResult r = CaseComparison.compare(dir, out);
        assertTrue(r.ok(), name + ":\n" + r.render());
    }
}
