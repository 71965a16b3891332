package org.conntrack4j.rules.eval;

import static org.conntrack4j.rules.eval.Lab.udp;
import static org.conntrack4j.rules.eval.Lab.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.rules.nft.Chain;
import org.conntrack4j.rules.nft.CounterStatement;
import org.conntrack4j.rules.nft.NftJson;
import org.conntrack4j.rules.nft.NftParser;
import org.conntrack4j.rules.nft.Rule;
import org.conntrack4j.rules.nft.RuleElement;
import org.conntrack4j.rules.nft.Ruleset;
import org.conntrack4j.rules.nft.Table;
import org.junit.jupiter.api.Test;

/** jump, goto, return, policies and counters, as nft_do_chain runs them. */
class ChainFlowTest {
    /** The packet counts of the listing's counters, in text order. */
    private static List<Long> counts(InstalledRuleset rs) throws Exception {
        Ruleset live = NftParser.parse("listing", rs.listing());
        List<Long> out = new ArrayList<>();
        for (Table t : live.tables()) {
            for (Chain c : t.chains()) {
                for (Rule r : c.rules()) {
                    for (RuleElement e : r.elements()) {
                        if (e instanceof CounterStatement cs) {
                            out.add(cs.packets());
                        }
                    }
                }
            }
        }
        return out;
    }

    private static final String FLOW = "table ip t {\n"
        + "\tchain base {\n"
        + "\t\ttype filter hook prerouting priority filter; policy accept;\n"
        + "\t\tcounter jump sub\n"           // c0
        + "\t\tcounter goto tail\n"          // c1
        + "\t\tcounter\n"                    // c2: never, goto does not come back
        + "\t}\n"
        + "\tchain sub {\n"
        + "\t\tcounter\n"                    // c3
        + "\t\tip saddr 10.0.0.1 return\n"
        + "\t\tcounter\n"                    // c4
        + "\t}\n"
        + "\tchain tail {\n"
        + "\t\tcounter\n"                    // c5
        + "\t}\n"
        + "}\n";

    @Test
    void jumpComesBackGotoDoesNotReturnLeavesEarly() throws Exception {
        try (Lab lab = new Lab()) {
            InstalledRuleset rs = lab.install(FLOW);
            assertEquals(Verdict.ACCEPT, lab.pre(v4("198.51.100.7", "203.0.113.10", 17, udp(1, 2, 0)), lab.lan));
            assertEquals(List.of(1L, 1L, 0L, 1L, 1L, 1L), counts(rs));
            lab.pre(v4("10.0.0.1", "203.0.113.10", 17, udp(1, 2, 0)), lab.lan);
            assertEquals(List.of(2L, 2L, 0L, 2L, 1L, 2L), counts(rs));
        }
    }

    @Test
    void theEndOfAChainReachedByGotoGivesThePolicy() throws Exception {
        try (Lab lab = new Lab()) {
            lab.install(FLOW.replace("policy accept", "policy drop"));
            assertEquals(Verdict.DROP, lab.pre(v4("198.51.100.7", "203.0.113.10", 17, udp(1, 2, 0)), lab.lan));
        }
    }

    @Test
    void gotoFromAJumpedChainReturnsToTheJumper() throws Exception {
        String text = "table ip t {\n\tchain base {\n\t\ttype filter hook prerouting priority 0; policy drop;\n"
            + "\t\tjump a\n\t\tcounter accept\n\t}\n"
            + "\tchain a {\n\t\tgoto b\n\t\tcounter\n\t}\n"
            + "\tchain b {\n\t\tcounter\n\t}\n}\n";
        try (Lab lab = new Lab()) {
            InstalledRuleset rs = lab.install(text);
            assertEquals(Verdict.ACCEPT, lab.pre(v4("198.51.100.7", "203.0.113.10", 17, udp(1, 2, 0)), lab.lan));
            assertEquals(List.of(1L, 0L, 1L), counts(rs));
        }
    }

    @Test
    void aVerdictInAJumpedChainEndsTheBaseChain() throws Exception {
        String text = "table ip t {\n\tchain base {\n\t\ttype filter hook prerouting priority 0; policy accept;\n"
            + "\t\tjump a\n\t\tcounter\n\t}\n"
            + "\tchain a {\n\t\tudp dport 53 drop\n\t\tudp dport 54 accept\n\t}\n}\n";
        try (Lab lab = new Lab()) {
            InstalledRuleset rs = lab.install(text);
            assertEquals(Verdict.DROP, lab.pre(v4("198.51.100.7", "203.0.113.10", 17, udp(1, 53, 0)), lab.lan));
            assertEquals(Verdict.ACCEPT, lab.pre(v4("198.51.100.7", "203.0.113.10", 17, udp(1, 54, 0)), lab.lan));
            assertEquals(List.of(0L), counts(rs), "accept in the jumped chain ends the base chain too");
            assertEquals(Verdict.ACCEPT, lab.pre(v4("198.51.100.7", "203.0.113.10", 17, udp(1, 55, 0)), lab.lan));
            assertEquals(List.of(1L), counts(rs));
        }
    }

    @Test
    void returnInABaseChainGivesThePolicy() throws Exception {
        String text = "table ip t {\n\tchain base {\n\t\ttype filter hook prerouting priority 0; policy drop;\n"
            + "\t\tudp dport 53 return\n\t\taccept\n\t}\n}\n";
        try (Lab lab = new Lab()) {
            lab.install(text);
            assertEquals(Verdict.DROP, lab.pre(v4("198.51.100.7", "203.0.113.10", 17, udp(1, 53, 0)), lab.lan));
            assertEquals(Verdict.ACCEPT, lab.pre(v4("198.51.100.7", "203.0.113.10", 17, udp(1, 54, 0)), lab.lan));
        }
    }

    @Test
    void aFailingMatchSkipsOnlyTheRestOfItsRule() throws Exception {
        // statements before the failing match have run; the next rule is evaluated
        String text = "table ip t {\n\tchain base {\n\t\ttype filter hook prerouting priority 0; policy accept;\n"
            + "\t\tcounter udp dport 53 counter drop\n\t\tcounter\n\t}\n}\n";
        try (Lab lab = new Lab()) {
            InstalledRuleset rs = lab.install(text);
            lab.pre(v4("198.51.100.7", "203.0.113.10", 17, udp(1, 54, 0)), lab.lan);
            assertEquals(List.of(1L, 0L, 1L), counts(rs));
        }
    }

    @Test
    void countersCountPacketsAndNetworkLayerBytesOnTopOfTheWrittenValues() throws Exception {
        String text = "table ip t {\n"
            + "\tchain c {\n"
            + "\t\ttype filter hook prerouting priority filter; policy accept;\n"
            + "\t\tudp dport 53 counter packets 5 bytes 100\n"
            + "\t}\n"
            + "}\n";
        try (Lab lab = new Lab()) {
            InstalledRuleset rs = lab.install(text);
            lab.pre(v4("198.51.100.7", "203.0.113.10", 17, udp(1, 53, 4)), lab.lan);
            lab.pre(v4("198.51.100.7", "203.0.113.10", 17, udp(1, 53, 12)), lab.lan);
            lab.pre(v4("198.51.100.7", "203.0.113.10", 17, udp(1, 54, 12)), lab.lan);
            assertEquals(text.replace("packets 5 bytes 100", "packets 7 bytes 172"), rs.listing());
            assertEquals(text, rs.ruleset().toString(), "the installed AST keeps the written values");
            assertTrue(NftJson.of(rs.liveRuleset()).contains("{\"counter\": {\"packets\": 7, \"bytes\": 172}}"),
                "nft:list -j shows the live values");
        }
    }
}
