package org.conntrack4j.rules.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Hostile and degenerate input: always a Ruleset or a RulesetParseException, never anything else. */
class HostileInputTest {

    private static final Duration QUICK = Duration.ofSeconds(20);

    private static RulesetParseException rejects(String text) {
        return assertThrows(RulesetParseException.class, () -> NftParser.parse("hostile", text));
    }

    /** Parses, and if accepted checks that printing and reading back gives the same AST. */
    private static void parseOrReject(String text) {
        try {
            Ruleset rs = NftParser.parse("fuzz", text);
            Ruleset again;
            try {
                again = NftParser.parse("fuzz-printed", rs.toString());
            } catch (RulesetParseException e) {
                throw new AssertionError("accepted input printed to unparsable text: " + e.getMessage() + "\ninput:\n"
                        + text + "\nprinted:\n" + rs, e);
            }
            assertEquals(rs, again, "round trip changed the AST for input:\n" + text);
        } catch (RulesetParseException e) {
            assertTrue(e.line() >= 1 && e.column() >= 1, "bad position in " + e.getMessage());
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            throw new AssertionError("unexpected " + e + " for input:\n" + text, e);
        }
    }

    @Test
    void emptyAndCommentOnlyInputsAreEmptyRulesets() throws Exception {
        assertEquals(0, NftParser.parse("e", "").tables().size());
        assertEquals(0, NftParser.parse("e", "\n\n# nothing here\n   \t\n;;\n").tables().size());
        assertEquals("", NftParser.parse("e", "").toString());
    }

    @Test
    void deeplyNestedSetsAreBoundedNotOverflowing() {
        String deep = "table ip t {\nchain c {\ntcp dport " + "{ ".repeat(200_000) + "1" + " }".repeat(200_000)
                + "\n}\n}\n";
        RulesetParseException e = assertTimeoutPreemptively(QUICK, () -> rejects(deep));
        assertTrue(e.getMessage().contains("nested deeper than 16"), e.getMessage());
        assertEquals(3, e.line());
    }

    @Test
    void nestingWithinTheLimitIsFlattened() throws Exception {
        String ok = "table ip t {\nchain c {\ntcp dport " + "{ ".repeat(16) + "1, 2" + " }".repeat(16) + " accept\n}\n}\n";
        Rule r = NftParser.parse("n", ok).tables().get(0).chains().get(0).rules().get(0);
        assertEquals("tcp dport { 1, 2 } accept", r.toString());
    }

    @Test
    void manyOpeningBracesAtTableLevel() {
        RulesetParseException e = rejects("table ip t " + "{".repeat(100_000));
        assertEquals(1, e.line());
        assertEquals(13, e.column());
    }

    @Test
    void hugeNumbersAreRangeErrors() {
        String digits = "9".repeat(3000);
        assertTrue(rejects("table ip t {\nchain c {\ntcp dport " + digits + " accept\n}\n}\n").getMessage()
                .contains("out of range"));
        assertTrue(rejects("table ip t {\nchain c {\nct mark 0x" + "f".repeat(3000) + "\n}\n}\n").getMessage()
                .contains("out of range"));
        assertTrue(rejects("table ip t {\nchain c {\ntype filter hook input priority -" + digits + ";\n}\n}\n")
                .getMessage().contains("out of range"));
        assertTrue(rejects("table ip t {\nchain c {\nip saddr 10.0.0.0/" + digits + "\n}\n}\n").getMessage()
                .contains("out of range"));
    }

    @Test
    void overlongTokensAndStrings() {
        assertTrue(rejects("table ip " + "a".repeat(100_000) + " {\n}\n").getMessage().contains("longer than"));
        assertTrue(rejects("table ip t {\nchain c {\naccept comment \"" + "x".repeat(100_000) + "\"\n}\n}\n")
                .getMessage().contains("longer than"));
        assertTrue(rejects("table ip " + "a".repeat(256) + " {\n}\n").getMessage().contains("longer than 255"));
    }

    @Test
    void unterminatedThingsAtEndOfInput() {
        assertEquals(3, rejects("table ip t {\nchain c {\niifname \"never closed").line());
        assertTrue(rejects("table ip t {\nchain c {\ntcp dport { 1, 2").getMessage().contains("end of input"));
        assertTrue(rejects("table ip t {\nchain c {\nlog prefix").getMessage().contains("end of input"));
        assertTrue(rejects("table").getMessage().contains("end of input"));
        assertTrue(rejects("table ip t {\nchain c {\naccept \\").getMessage().contains("stray"));
    }

    @Test
    void nulBytesAnywhere() {
        String base = "table ip t {\nchain c {\ntcp dport 22 accept\n}\n}\n";
        for (int i = 0; i < base.length(); i++) {
            String text = base.substring(0, i) + '\0' + base.substring(i);
            RulesetParseException e = rejects(text);
            // the first error is reported: the NUL itself, or an earlier token it cut short
            int nulLine = 1 + (int) base.substring(0, i).chars().filter(c -> c == '\n').count();
            int nulCol = i - base.substring(0, i).lastIndexOf('\n');
            boolean atOrBefore = e.line() < nulLine || (e.line() == nulLine && e.column() <= nulCol);
            assertTrue(atOrBefore, e.getMessage() + " is after the NUL at " + nulLine + ":" + nulCol);
            if (e.line() == nulLine && e.column() == nulCol) {
                assertTrue(e.getMessage().contains("NUL"), e.getMessage());
            }
        }
    }

    @Test
    void tooLargeInputIsRejectedUpFront() {
        String big = "#" + "x".repeat(NftParser.MAX_SOURCE_CHARS) + "\n";
        RulesetParseException e = rejects(big);
        assertEquals(1, e.line());
        assertEquals(1, e.column());
        assertTrue(e.getMessage().contains("too large"));
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return '#';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) '#');
                return len;
            }
        };
        assertTrue(assertThrows(RulesetParseException.class, () -> NftParser.parse("stream", endless)).getMessage()
                .contains("too large"));
    }

    @Test
    void invalidUtf8IsReportedWithItsPosition() {
        // in a string (or a comment) nft takes any byte; outside them it is junk at its position (SourceBytesTest)
        byte[] head = "table ip t {\nchain c {\ncounter ".getBytes(StandardCharsets.US_ASCII);
        byte[] data = new byte[head.length + 3];
        System.arraycopy(head, 0, data, 0, head.length);
        data[head.length] = (byte) 0xc3; // truncated two-byte sequence
        data[head.length + 1] = (byte) 0x28;
        data[head.length + 2] = '"';
        RulesetParseException e = assertThrows(RulesetParseException.class,
                () -> NftParser.parse("bytes", new ByteArrayInputStream(data)));
        assertEquals(3, e.line());
        assertEquals(9, e.column());
        assertTrue(e.getMessage().contains("invalid UTF-8 byte 0xC3"), e.getMessage());
    }

    @Test
    void utf8InStringsIsAccepted() throws Exception {
        byte[] data = "table ip t {\nchain c {\naccept comment \"caf\u00e9 \u2713\"\n}\n}\n"
                .getBytes(StandardCharsets.UTF_8);
        Ruleset rs = NftParser.parse("bytes", new ByteArrayInputStream(data));
        assertEquals("caf\u00e9 \u2713", rs.tables().get(0).chains().get(0).rules().get(0).comment().orElseThrow());
    }

    @Test
    void largeRulesetsParseQuickly() {
        StringBuilder sb = new StringBuilder("table inet big {\nchain c {\ntype filter hook forward priority 0;\n");
        for (int i = 0; i < 50_000; i++) {
            sb.append("ip saddr 10.").append(i >> 8 & 255).append('.').append(i & 255)
                    .append(".0/24 tcp dport { 22, 80, 1000-2000 } ct state new counter accept\n");
        }
        sb.append("}\n}\n");
        Ruleset rs = assertTimeoutPreemptively(QUICK, () -> NftParser.parse("big", sb.toString()));
        assertEquals(50_000, rs.tables().get(0).chains().get(0).rules().size());
    }

    @Test
    void longJumpChainsAndLoopsDoNotOverflowTheStack() {
        int n = 20_000;
        StringBuilder sb = new StringBuilder("table ip t {\n");
        for (int i = 0; i < n; i++) {
            sb.append("chain c").append(i).append(" {\njump c").append(i + 1 < n ? i + 1 : 0).append("\n}\n");
        }
        sb.append("}\n");
        RulesetParseException e = assertTimeoutPreemptively(QUICK, () -> rejects(sb.toString()));
        assertTrue(e.getMessage().contains("jump loop: c0 -> c1"), e.getMessage());
        assertTrue(e.getMessage().length() < 400, "loop path is abbreviated");

        StringBuilder chain = new StringBuilder("table ip t {\n");
        for (int i = 0; i < n; i++) {
            chain.append("chain c").append(i).append(" {\n").append(i + 1 < n ? "jump c" + (i + 1) : "accept")
                    .append("\n}\n");
        }
        chain.append("}\n");
        // no base chain reaches them, so the kernel's depth limit does not apply
        assertTimeoutPreemptively(QUICK, () -> NftParser.parse("chain", chain.toString()));
    }

    @Test
    void manyElementsInOneSetAndOneRule() {
        StringBuilder set = new StringBuilder("table ip t {\nchain c {\ntcp dport { ");
        for (int i = 0; i < NftParser.MAX_SET_ELEMENTS + 1; i++) {
            set.append(i % 65536).append(", ");
        }
        set.append("1 } accept\n}\n}\n");
        assertTrue(rejects(set.toString()).getMessage().contains("more than 65536 elements"));

        StringBuilder rule = new StringBuilder("table ip t {\nchain c {\n");
        for (int i = 0; i <= NftParser.MAX_RULE_ELEMENTS; i++) {
            rule.append("counter ");
        }
        rule.append("\n}\n}\n");
        assertTrue(rejects(rule.toString()).getMessage().contains("too many matches and statements"));
    }

    private static final String[] VOCABULARY = {
        "table", "inet", "ip", "ip6", "t", "chain", "c", "d", "{", "}", ";", "\n", "type", "filter", "nat", "hook",
        "prerouting", "input", "forward", "output", "postrouting", "priority", "0", "-150", "mangle", "srcnat",
        "dstnat", "+", "-", "policy", "accept", "drop", "jump", "goto", "return", "iifname", "oifname", "\"wan\"",
        "\"lan*\"", "meta", "l4proto", "nfproto", "ipv4", "tcp", "udp", "sport", "dport", "22", "80-90", "saddr",
        "daddr", "10.0.0.0/8", "2001:db8::1", "1.2.3.4-1.2.3.9", "ct", "state", "new,established", "direction",
        "reply", "status", "assured", "mark", "0x10", "set", "helper", "\"h\"", "h", "counter", "log", "prefix",
        "\"p\"", "group", "1", "level", "info", "notrack", "masquerade", "snat", "dnat", "redirect", "to",
        ":80", "[2001:db8::1]:80", "random", "fully-random,persistent", "comment", "\"c\"", ",", "==", "!=", "<",
        ">=", "protocol", "nexthdr", "l3proto", "\"ftp\"", "#x\n", "\\\n", "{ 1, 2 }", "[", "]", "|",
    };

    @Test
    void randomTokenSoup() {
        Random rnd = new Random(20240611L);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int iter = 0; iter < 20_000; iter++) {
                StringBuilder sb = new StringBuilder();
                int n = 1 + rnd.nextInt(60);
                for (int k = 0; k < n; k++) {
                    sb.append(VOCABULARY[rnd.nextInt(VOCABULARY.length)]).append(rnd.nextInt(4) == 0 ? "" : " ");
                }
                parseOrReject(sb.toString());
            }
        });
    }

    @Test
    void structuredRandomRulesets() {
        // Token soup rarely forms valid rules; this builds syntactically plausible rules from fragments so that
        // many are accepted, and checks that every accepted one round-trips.
        String[] matches = {"iifname \"wan\"", "oifname != \"lan*\"", "iif \"lo\"", "meta l4proto tcp",
            "meta l4proto { tcp, udp }", "ip protocol udp", "ip saddr 10.0.0.0/8", "ip daddr { 1.1.1.1, 2.2.2.0/24 }",
            "ip6 saddr 2001:db8::/32", "ip6 daddr != ::1", "tcp dport 22", "tcp sport 1024-65535",
            "udp dport { 53, 67-68 }", "ct state established,related", "ct state == new", "ct state != invalid",
            "ct direction reply", "ct status dnat", "ct mark 0x10", "ct mark > 5", "tcp dport < 1024",
            "meta nfproto ipv6", "ct state { new, untracked }"};
        String[] statements = {"accept", "drop", "counter", "counter packets 3 bytes 4", "log", "log prefix \"x\"",
            "log group 2", "log level debug", "notrack", "ct mark set 7", "return", "jump sub", "goto sub",
            "ct helper set \"h\""};
        String[] natStatements = {"masquerade", "masquerade random", "snat ip to 10.0.0.1", "snat ip6 to 2001:db8::5",
            "dnat ip to 10.0.0.2:80", "dnat ip6 to [2001:db8::2]:80", "redirect to :8080", "redirect"};
        String[] hooks = {"prerouting", "input", "forward", "output", "postrouting"};
        Random rnd = new Random(7L);
        int accepted = 0;
        for (int iter = 0; iter < 3000; iter++) {
            StringBuilder sb = new StringBuilder("table inet t {\n\tct helper h {\n\t\ttype \"ftp\" protocol tcp\n\t}\n");
            boolean nat = rnd.nextBoolean();
            String hook = hooks[rnd.nextInt(hooks.length)];
            sb.append("\tchain base {\n\t\ttype ").append(nat ? "nat" : "filter").append(" hook ").append(hook)
                    .append(" priority ").append(rnd.nextInt(200) - 99).append("; policy ")
                    .append(rnd.nextBoolean() ? "accept" : "drop").append(";\n");
            for (int r = 0; r < 1 + rnd.nextInt(4); r++) {
                sb.append("\t\t");
                for (int m = 0; m < rnd.nextInt(4); m++) {
                    sb.append(matches[rnd.nextInt(matches.length)]).append(' ');
                }
                sb.append(rnd.nextInt(3) == 0 ? natStatements[rnd.nextInt(natStatements.length)]
                        : statements[rnd.nextInt(statements.length)]);
                if (rnd.nextInt(4) == 0) {
                    sb.append(" comment \"r").append(r).append('"');
                }
                sb.append('\n');
            }
            sb.append("\t}\n\tchain sub {\n\t\treturn\n\t}\n}\n");
            try {
                Ruleset rs = NftParser.parse("gen", sb.toString());
                accepted++;
                assertEquals(rs, NftParser.parse("gen-printed", rs.toString()), sb.toString());
            } catch (RulesetParseException e) {
                assertTrue(e.line() >= 1);
            } catch (RuntimeException e) {
                fail("unexpected " + e + " for:\n" + sb, e);
            }
        }
        assertTrue(accepted > 300, "the generator should produce many valid rulesets, got " + accepted);
    }

    @Test
    void mutatedOracleRulesets() {
        Random rnd = new Random(99L);
        String[] inserts = {"{", "}", ";", "\n", "\"", "#", ",", " ", "-", "/", ":", "[", "]", "!=", "\\", "\0",
            "accept", "9999999", "*", "\r"};
        for (java.nio.file.Path dir : TestData.caseDirs()) {
            String base = TestData.read(dir.resolve("ruleset.nft"));
            for (int iter = 0; iter < 300; iter++) {
                StringBuilder sb = new StringBuilder(base);
                int edits = 1 + rnd.nextInt(3);
                for (int k = 0; k < edits; k++) {
                    int at = rnd.nextInt(sb.length());
                    switch (rnd.nextInt(3)) {
                        case 0:
                            sb.deleteCharAt(at);
                            break;
                        case 1:
                            sb.insert(at, inserts[rnd.nextInt(inserts.length)]);
                            break;
                        default:
                            sb.setCharAt(at, (char) (32 + rnd.nextInt(95)));
                    }
                }
                parseOrReject(sb.toString());
            }
        }
    }

    @Test
    void randomBytes() {
        Random rnd = new Random(1234L);
        for (int iter = 0; iter < 2000; iter++) {
            byte[] b = new byte[rnd.nextInt(300)];
            rnd.nextBytes(b);
            try {
                NftParser.parse("bytes", new ByteArrayInputStream(b));
            } catch (RulesetParseException e) {
                assertTrue(e.line() >= 1);
            } catch (Exception | StackOverflowError e) {
                fail("unexpected " + e, e);
            }
        }
    }
}
