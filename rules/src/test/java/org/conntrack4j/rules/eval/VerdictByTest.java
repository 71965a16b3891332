package org.conntrack4j.rules.eval;

import static org.conntrack4j.rules.eval.Lab.tcp;
import static org.conntrack4j.rules.eval.Lab.udp;
import static org.conntrack4j.rules.eval.Lab.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.junit.jupiter.api.Test;

/** Who dropped a packet ({@code Packet.verdictBy}): the rule with nft's handle and text, the policy, a jump's target. */
class VerdictByTest {
    /**
     * {@code nft -a list ruleset} of this ruleset loaded by nft 1.0.6 on Linux 6.18 numbered the chains 1 and 2, the
     * set 3, the rules 5, 6, 8, 9, 10 and 11 (each two-element anonymous set takes the number before its rule's).
     */
    private static final String RULES = "table ip filter {\n"
        + "\tset seen { type ipv4_addr; flags dynamic; }\n"
        + "\tchain fw {\n"
        + "\t\ttype filter hook prerouting priority 0; policy drop;\n"
        + "\t\ttcp dport { 21, 2121 } counter\n"
        + "\t\tip saddr 192.0.2.9 drop\n"
        + "\t\tip saddr { 192.0.2.1, 192.0.2.2 } tcp dport 22 accept\n"
        + "\t\ttcp dport 23 jump sub\n"
        + "\t}\n"
        + "\tchain sub {\n"
        + "\t\tudp dport 9 accept\n"
        + "\t\ttcp dport 23 drop\n"
        + "\t}\n"
        + "}\n";

    @Test
    void aDropNamesItsRuleWithTheHandleNftShows() throws Exception {
        try (Lab lab = new Lab()) {
            lab.install(RULES);
            Packet p = v4("192.0.2.9", "203.0.113.10", 6, tcp(1000, 80, Lab.SYN));
            assertEquals(Verdict.DROP, lab.pre(p, lab.lan));
            assertEquals("table ip filter chain fw rule 2 (handle 6): ip saddr 192.0.2.9 drop", String.valueOf(p.verdictBy));
        }
    }

    @Test
    void aDropInAJumpedChainNamesTheInnerRule() throws Exception {
        try (Lab lab = new Lab()) {
            lab.install(RULES);
            Packet p = v4("198.51.100.7", "203.0.113.10", 6, tcp(1000, 23, Lab.SYN));
            assertEquals(Verdict.DROP, lab.pre(p, lab.lan));
            assertEquals("table ip filter chain sub rule 2 (handle 11): tcp dport 23 drop", String.valueOf(p.verdictBy));
        }
    }

    @Test
    void thePolicyAndAnAcceptAreNamedAsTheyAre() throws Exception {
        try (Lab lab = new Lab()) {
            lab.install(RULES);
            Packet dropped = v4("198.51.100.7", "203.0.113.10", 17, udp(1, 2, 0));
            assertEquals(Verdict.DROP, lab.pre(dropped, lab.lan));
            assertEquals("table ip filter chain fw policy drop", String.valueOf(dropped.verdictBy));
            Packet accepted = v4("192.0.2.1", "203.0.113.10", 6, tcp(1000, 22, Lab.SYN));
            assertEquals(Verdict.ACCEPT, lab.pre(accepted, lab.lan));
            assertNull(accepted.verdictBy);
        }
    }
}
