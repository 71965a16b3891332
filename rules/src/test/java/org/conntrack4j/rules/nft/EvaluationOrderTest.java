package org.conntrack4j.rules.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.conntrack4j.rules.nft.Syntax.ChainNode;
import org.conntrack4j.rules.nft.Syntax.MatchNode;
import org.conntrack4j.rules.nft.Syntax.RuleNode;
import org.conntrack4j.rules.nft.Syntax.TableNode;
import org.conntrack4j.rules.nft.Syntax.Words;
import org.junit.jupiter.api.Test;

/**
 * The parser reads in two steps, as nft does: the grammar, then the evaluation. When a text has several errors, the
 * one reported is the first nft 1.0.6 reports ({@code nft -c -f}, each case below checked on Linux 6.18): syntax
 * errors before anything the evaluation finds, the evaluation in the order written, and what the kernel refuses at
 * commit (unknown chains and helpers, jump loops, NAT hooks) last.
 */
class EvaluationOrderTest {

    private static final String BASE = "table ip t {\nchain c {\ntype filter hook input priority 0;\n";

    private static void assertFirstError(String text, int line, int column, String fragment) {
        ErrorPositionTest.assertError(text, line, column, fragment);
    }

    @Test
    void syntaxErrorsComeBeforeEvaluationErrors() {
        // nft: 9:8 syntax error, then 4:1 conflicting protocols
        assertFirstError(BASE + "ip6 saddr ::1 accept\n}\n}\ntable ip u {\nchain c {\naccept %\n}\n}\n", 9, 8,
                "unexpected character '%'");
        assertFirstError(BASE + "tcp dport 70000 accept\n}\n}\ntable ip u {\nchain c {\naccept\n", 10, 1,
                "'}' missing for chain \"c\"");
    }

    @Test
    void evaluationFollowsTheOrderWritten() {
        // the protocol conflict is found before the value of the second match is resolved
        assertFirstError(BASE + "udp sport 1 tcp dport 70000\n}\n}\n", 4, 13, "conflicting protocols specified: udp"
                + " vs. tcp");
        assertFirstError(BASE + "udp sport 70000 tcp dport 1\n}\n}\n", 4, 11, "port 70000 out of range");
        assertFirstError(BASE + "ct mark set 0x100000000 tcp dport 1 udp dport 2\n}\n}\n", 4, 13,
                "ct mark 0x100000000 out of range");
        assertFirstError(BASE + "log level info group 1 tcp dport 70000\n}\n}\n", 4, 1,
                "log level and group are mutually exclusive");
        // tables and chains in order, too
        assertFirstError(BASE + "ip6 saddr ::1\n}\n}\ntable ip u {\nchain c {\ntcp dport 70000\n}\n}\n", 4, 1,
                "conflicting protocols specified: ip vs. ip6");
    }

    @Test
    void aStatementAfterATerminalOneIsFoundWhereItStands() {
        // what comes before the terminal statement is evaluated first ...
        assertFirstError(BASE + "tcp dport 70000 accept counter\n}\n}\n", 4, 11, "port 70000 out of range");
        // ... and what comes after it is not evaluated at all
        assertFirstError(BASE + "accept tcp dport 70000\n}\n}\n", 4, 8,
                "statement after terminal statement \"accept\" has no effect (found \"tcp\")");
        // a set after it, even over several lines, belongs to the same rule
        assertFirstError("table inet t {\nchain c {\ntype filter hook input priority 0;\naccept tcp dport {\n1,\n"
                + "2 }\n}\n}\n", 4, 8, "statement after terminal statement \"accept\"");
        assertFirstError(BASE + "jump d counter\n}\nchain d {\n}\n}\n", 4, 8,
                "statement after terminal statement \"jump d\"");
    }

    @Test
    void whatTheKernelRefusesAtCommitComesLast() {
        // nft -c reports "Service out of range" for each of these: references are checked by the kernel
        String second = "table ip u {\nchain c {\ntcp dport 70000\n}\n}\n";
        assertFirstError(BASE + "jump nowhere\n}\n}\n" + second, 9, 11, "port 70000 out of range");
        assertFirstError("table ip t {\nchain c {\nct helper set \"nope\"\n}\n}\n" + second, 8, 11,
                "port 70000 out of range");
        assertFirstError("table ip t {\nchain a {\njump b\n}\nchain b {\njump a\n}\n}\n" + second, 11, 11,
                "port 70000 out of range");
        assertFirstError("table ip t {\nchain c {\ntype filter hook postrouting priority 0;\nmasquerade\n}\n}\n"
                + second, 9, 11, "port 70000 out of range");
        assertFirstError("table ip t {\nchain c {\njump nowhere\ntcp dport 70000\n}\n}\n", 4, 11,
                "port 70000 out of range");
        // with nothing else wrong they are still found, in table order
        assertFirstError(BASE + "jump nowhere\n}\n}\ntable ip u {\nchain c {\ngoto elsewhere\n}\n}\n", 4, 6,
                "unknown chain \"nowhere\" in table ip t");
    }

    @Test
    void theGrammarLeavesMeaningToTheEvaluation() throws Exception {
        // parses, though every line is refused by the evaluation
        String text = "table ip t {\nchain c {\ntype route hook ingress priority urgent;\ntcp dport 70000\n"
                + "ip6 saddr 10.0.0.1 udp dport 1\nsnat ip6 to 2001:db8::1:99999\njump nowhere\n}\n}\n"
                + "table ip t {\n}\n";
        List<TableNode> tree = new Grammar("g.nft", text).parseFile();
        assertEquals(2, tree.size());
        ChainNode chain = (ChainNode) tree.get(0).items().get(0);
        assertEquals(5, chain.items().size());
        RuleNode rule = (RuleNode) chain.items().get(1);
        MatchNode port = (MatchNode) rule.elements().get(0);
        assertEquals(Selector.TCP_DPORT, port.selector());
        assertEquals("70000", ((Words) port.value()).phrase().text());
        assertEquals(4, port.valueToken().line());
        assertEquals(11, port.valueToken().column());
        assertNull(rule.afterTerminal());
        RulesetParseException e = ErrorPositionTest.error(text);
        assertEquals("test.nft:3:6: chain type \"route\" is not supported (supported: filter, nat)", e.getMessage());
    }

    @Test
    void evaluationPositionsPointIntoTheValue() {
        // positions inside a value survive the step from grammar to evaluation
        assertFirstError(BASE + "tcp dport { 22, 1000 - 70000 }\n}\n}\n", 4, 24, "port 70000 out of range");
        assertFirstError(BASE + "ip saddr { 10.0.0.0 /8, 10.1.0.0/ 40 }\n}\n}\n", 4, 35, "prefix length 40");
        assertFirstError("table ip6 t {\nchain c {\ntype nat hook prerouting priority 0;\n"
                + "meta l4proto tcp dnat to [2001:db8::1]:99999\n}\n}\n", 4, 40, "port 99999 out of range");
        assertFirstError(BASE + "iif 0 accept\n}\n}\n", 4, 5, "interface index 0 out of range");
        assertFirstError(BASE + "ct helper set \"\"\n}\n}\n", 4, 15, "empty ct helper name");
        assertFirstError("table ip t {\nct helper h { type \"0123456789abcdef\" protocol tcp; }\n}\n", 2, 20,
                "invalid helper type");
        assertTrue(ErrorPositionTest.error(BASE + "ip6 saddr { [::1], ::2 }\n}\n}\n").getMessage()
                .contains("4:1: conflicting protocols specified: ip vs. ip6"));
    }
}
