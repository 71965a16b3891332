package org.conntrack4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.difftest.Shipped;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.rules.RulesetInstallException;
import org.conntrack4j.rules.eval.NftRulesets;
import org.conntrack4j.rules.nft.Ruleset;
import org.conntrack4j.rules.nft.RulesetParseException;
import org.conntrack4j.testkit.Rig;

/**
 * The nftables rules: the text is parsed (grammar, then nft's evaluation checks); a ruleset that parses is
 * installed into an engine with every shipped plug-in, listed, and removed again. A refused text must say where
 * ({@code fuzz.nft:LINE:COLUMN}); an install may be refused with its one-line reason. Removing an installed
 * ruleset must leave the engine's hooks as they were. Anything else thrown is a finding.
 */
public class RulesFuzz {
    private static final NftRulesets RULESETS = new NftRulesets();
    private static final Rig RIG = new Rig(Shipped.full());
    private static final List<String> HOOKS4 = RIG.net().packets().describeHooks(Family.IPV4);
    private static final List<String> HOOKS6 = RIG.net().packets().describeHooks(Family.IPV6);

    public static void fuzzerTestOneInput(byte[] data) throws Exception {
        String text = new String(data, StandardCharsets.UTF_8);
        Ruleset parsed;
        try {
            parsed = RULESETS.parse("fuzz.nft", text);
        } catch (RulesetParseException e) {
            if (!e.getMessage().startsWith("fuzz.nft:")) {
                throw new IllegalStateException("a refused ruleset must name the file, line and column: "
                    + e.getMessage(), e);
            }
            return;
        }
        Conntrack net = RIG.net();
        InstalledRuleset installed;
        try {
            installed = RULESETS.install(net, parsed);
        } catch (RulesetInstallException e) {
            unchanged(net, "a refused install");
            return;
        }
        installed.listing();
        installed.natListing();
        installed.close();
        unchanged(net, "a removed ruleset");
    }

    @FuzzTest
    void rules(byte[] data) throws Exception {
        fuzzerTestOneInput(data);
    }

    private static void unchanged(Conntrack net, String what) {
        if (!net.packets().describeHooks(Family.IPV4).equals(HOOKS4)
            || !net.packets().describeHooks(Family.IPV6).equals(HOOKS6)) {
            throw new IllegalStateException(what + " left hooks behind: " + net.packets().describeHooks(Family.IPV4));
        }
    }
}
