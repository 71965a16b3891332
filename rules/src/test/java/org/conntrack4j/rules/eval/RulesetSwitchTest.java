package org.conntrack4j.rules.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.rules.InstalledRuleset;
import org.junit.jupiter.api.Test;

/** Rulesets behind one switch: only the one whose token is live acts, the others pass every packet untouched. */
class RulesetSwitchTest {
    private static final String DROP_FORWARD = "table inet t {\n\tchain f {\n\t\ttype filter hook forward priority 0; "
        + "policy drop;\n\t}\n}\n";
    private static final String ACCEPT_FORWARD = "table inet u {\n\tchain f {\n\t\ttype filter hook forward priority 0; "
        + "policy accept;\n\t\ttcp dport 53 drop\n\t}\n}\n";

    @Test
    void onlyTheLiveRulesetActs() throws Exception {
        try (Lab lab = new Lab()) {
            RulesetSwitch gate = new RulesetSwitch();
            Object a = new Object();
            Object b = new Object();
            NftRulesets rs = new NftRulesets();
            InstalledRuleset dropAll = rs.install(lab.net, rs.parse("a.nft", DROP_FORWARD), gate, a);
            InstalledRuleset drop53 = rs.install(lab.net, rs.parse("b.nft", ACCEPT_FORWARD), gate, b);
            assertEquals(Verdict.ACCEPT, lab.forward(Lab.v4("198.51.100.10", "203.0.113.10", 6, Lab.tcp(1000, 80, Lab.SYN)), lab.lan,
                lab.wan), "none live: both pass everything");
            gate.live = a;
            assertEquals(Verdict.DROP, lab.forward(Lab.v4("198.51.100.10", "203.0.113.10", 6, Lab.tcp(1001, 80, Lab.SYN)), lab.lan,
                lab.wan));
            assertEquals(Verdict.DROP, lab.forward(Lab.v4("198.51.100.10", "203.0.113.10", 6, Lab.tcp(1002, 53, Lab.SYN)), lab.lan,
                lab.wan));
            gate.live = b;
            assertEquals(Verdict.ACCEPT, lab.forward(Lab.v4("198.51.100.10", "203.0.113.10", 6, Lab.tcp(1003, 80, Lab.SYN)), lab.lan,
                lab.wan), "the other one in force: its policy accept");
            assertEquals(Verdict.DROP, lab.forward(Lab.v4("198.51.100.10", "203.0.113.10", 6, Lab.tcp(1004, 53, Lab.SYN)), lab.lan,
                lab.wan));
            dropAll.close();
            drop53.close();
        }
    }
}
