package org.conntrack4j.rules.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** One test per kind of error: the exact line and column, and what the message says. */
class ErrorPositionTest {

    static final String SRC = "test.nft";

    /** Lines 1-3 open an inet table and a filter base chain on input; the given lines start at line 4. */
    static String filterChain(String... lines) {
        return "table inet t {\nchain c {\ntype filter hook input priority 0; policy accept;\n"
                + String.join("\n", lines) + "\n}\n}\n";
    }

    /** Like {@link #filterChain} but a nat chain on {@code hook} in a table of {@code family}. */
    static String natChain(String family, String hook, String... lines) {
        return "table " + family + " t {\nchain c {\ntype nat hook " + hook + " priority 0; policy accept;\n"
                + String.join("\n", lines) + "\n}\n}\n";
    }

    static RulesetParseException error(String text) {
        return assertThrows(RulesetParseException.class, () -> NftParser.parse(SRC, text));
    }

    static RulesetParseException assertError(String text, int line, int column, String fragment) {
        RulesetParseException e = error(text);
        assertEquals(line + ":" + column, e.line() + ":" + e.column(), "position of: " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
        assertEquals(SRC + ":" + line + ":" + column + ": " + e.detail(), e.getMessage());
        assertEquals(SRC, e.sourceName());
        return e;
    }

    // ---------------------------------------------------------------- unknown or unsupported syntax

    @Test
    void unsupportedStatementListsTheSupportedOnes() {
        RulesetParseException e = assertError(filterChain("tcp dport 22 queue"), 4, 14,
                "unsupported statement \"queue\"");
        assertEquals("test.nft:4:14: unsupported statement \"queue\" (supported: accept, drop, return, jump, goto,"
                + " counter, log, notrack, ct helper set, ct mark set, meta mark set, ct [original|reply] zone set,"
                + " ct label set, ct timeout set, ct expectation set, ct count, add/update @set, reject with tcp reset,"
                + " flow add @flowtable, masquerade, snat, dnat, redirect)", e.getMessage());
    }

    @Test
    void unsupportedMatch() {
        assertError(filterChain("icmp type echo-request accept"), 4, 1, "unsupported match \"icmp\" (supported: iifname");
    }

    @Test
    void unknownKeyword() {
        assertError(filterChain("accept", "frobnicate 1"), 5, 1, "unexpected \"frobnicate\": expected a match");
    }

    @Test
    void unsupportedHeaderFieldsAndKeys() {
        assertError(filterChain("tcp flags syn accept"), 4, 5, "unsupported tcp header field \"flags\"");
        assertError(filterChain("ip ttl 1 accept"), 4, 4, "unsupported ip header field \"ttl\"");
        assertError(filterChain("meta priority 1 accept"), 4, 6, "unsupported meta key \"priority\"");
        assertError(filterChain("ct expiration 1 accept"), 4, 4, "unsupported ct key \"expiration\"");
        assertError(filterChain("meta priority set 1"), 4, 1, "unsupported statement \"meta priority set\"");
        assertError(filterChain("ct original saddr 192.0.2.1"), 4, 13, "unsupported ct key \"original saddr\"");
        assertError(filterChain("ct timeout 1"), 4, 12, "\"ct timeout\" is only supported as a statement");
        assertError(filterChain("reject with icmp type host-unreachable"), 4, 13,
                "unsupported reject: only \"reject with tcp reset\" is supported");
    }

    @Test
    void unsupportedTableItemAndCommandAndFamily() {
        assertError("table inet t {\nmap m { type ipv4_addr : mark; }\n}\n", 2, 1, "unsupported table item \"map\"");
        assertError("flush ruleset\n", 1, 1, "unsupported command \"flush\"");
        assertError("table bridge b {\n}\n", 1, 7, "table family \"bridge\" is not supported");
        assertError("table inet t {\nct secmark x { }\n}\n", 2, 4, "unsupported object \"ct secmark\"");
    }

    @Test
    void variablesAndNamedSetsAreNotSupported() {
        assertError(filterChain("tcp dport $ports accept"), 4, 11, "variables ($name) are not supported");
        assertError(filterChain("ip saddr @blocked drop"), 4, 10, "named sets and maps (@name) are not supported");
    }

    @Test
    void chainCommentIsNotSupported() {
        assertError(filterChain("comment \"x\""), 4, 1, "chain comments are not supported");
    }

    // ---------------------------------------------------------------- values

    @Test
    void malformedIpv4Address() {
        assertError(filterChain("ip saddr 10.0.0.256 accept"), 4, 10, "invalid IPv4 address \"10.0.0.256\"");
        assertError(filterChain("ip saddr 1.2.3 accept"), 4, 10, "invalid IPv4 address \"1.2.3\"");
        assertError(filterChain("ip daddr 010.0.0.1 accept"), 4, 10, "leading zero");
        assertError(filterChain("ip daddr example.com accept"), 4, 10, "hostnames are not supported");
        assertError(filterChain("ip daddr ::1 accept"), 4, 10, "expected an IPv4 address, found IPv6 address");
    }

    @Test
    void malformedIpv6Address() {
        assertError(filterChain("ip6 daddr 2001:db8:::1 drop"), 4, 11, "invalid IPv6 address \"2001:db8:::1\"");
        assertError(filterChain("ip6 daddr 1:2:3:4:5:6:7:8:9 drop"), 4, 11, "invalid IPv6 address");
        assertError(filterChain("ip6 daddr 10.0.0.1 drop"), 4, 11, "expected an IPv6 address, found IPv4");
    }

    @Test
    void portOutOfRange() {
        assertError(filterChain("tcp dport 65536 accept"), 4, 11, "port 65536 out of range (0-65535)");
        assertError(filterChain("udp dport 1000-70000 accept"), 4, 16, "port 70000 out of range");
        assertError(filterChain("tcp dport 1 - 70000 accept"), 4, 15, "port 70000 out of range");
        assertError(filterChain("tcp dport { 22, 99999999999999999999 } accept"), 4, 17, "out of range");
        assertError(filterChain("tcp dport nosuchservice accept"), 4, 11, "unknown service \"nosuchservice\"");
    }

    @Test
    void prefixTooLong() {
        assertError(filterChain("ip saddr 10.0.0.0/33 accept"), 4, 19,
                "prefix length 33 is out of range for an IPv4 address (0-32)");
        assertError(filterChain("ip6 saddr 2001:db8::/129 accept"), 4, 22,
                "prefix length 129 is out of range for an IPv6 address (0-128)");
    }

    @Test
    void emptyOrReversedRange() {
        assertError(filterChain("tcp dport 80-22 accept"), 4, 11, "zero or negative size");
        assertError(filterChain("ip saddr 10.0.0.9-10.0.0.1 accept"), 4, 10, "zero or negative size");
    }

    @Test
    void leadingZeroNumber() {
        assertError(filterChain("tcp dport 08 accept"), 4, 11, "leading zero");
    }

    @Test
    void protocolAndMarkOutOfRange() {
        assertError(filterChain("meta l4proto 256 accept"), 4, 14, "protocol number 256 out of range (0-255)");
        assertError(filterChain("meta l4proto nosuchproto accept"), 4, 14, "unknown protocol \"nosuchproto\"");
        assertError(filterChain("ct mark 4294967296 accept"), 4, 9, "ct mark 4294967296 out of range");
        assertError(filterChain("ct mark set 0x100000000"), 4, 13, "out of range");
    }

    @Test
    void unknownCtValues() {
        assertError(filterChain("ct state new,bogus accept"), 4, 14, "unknown ct state \"bogus\" (known: invalid,");
        assertError(filterChain("ct status assured,foo accept"), 4, 19, "unknown ct status \"foo\"");
        assertError(filterChain("ct direction sideways accept"), 4, 14, "unknown ct direction \"sideways\"");
        assertError(filterChain("ct state > new accept"), 4, 10, "operator \">\" is not supported for ct state");
    }

    @Test
    void interfaceNames() {
        assertError(filterChain("iifname \"0123456789abcdef\" accept"), 4, 9, "longer than 15 bytes");
        assertError(filterChain("iifname \"*\" accept"), 4, 9, "lone \"*\" wildcard");
        assertError(filterChain("iifname \"\" accept"), 4, 9, "empty interface name");
        assertError(filterChain("iif \"eth*\" accept"), 4, 5, "wildcards are only supported with iifname");
        assertError(filterChain("iifname accept"), 4, 9, "keyword \"accept\"");
    }

    @Test
    void stringLimits() {
        assertError(filterChain("accept comment \"" + "x".repeat(129) + "\""), 4, 16, "comment longer than 128");
        assertError(filterChain("log prefix \"" + "x".repeat(128) + "\""), 4, 12, "log prefix longer than 127");
        assertError(filterChain("iifname \"abc"), 4, 9, "unterminated string");
    }

    @Test
    void keywordsAreNotTextUnlessQuoted() {
        assertError(filterChain("log prefix accept"), 4, 12, "found keyword \"accept\" (quote it");
        assertError(filterChain("drop comment counter"), 4, 14, "found keyword \"counter\"");
        assertError(filterChain("ct helper set jump"), 4, 15, "found keyword \"jump\"");
    }

    @Test
    void setsAndOperators() {
        assertError(filterChain("tcp dport { } accept"), 4, 13, "empty set");
        assertError(filterChain("tcp dport { 1 2 } accept"), 4, 15, "expected ',' or '}' in the set");
        assertError(filterChain("tcp dport < { 1, 2 } accept"), 4, 11, "cannot be used with a set");
        assertError(filterChain("tcp dport < 1-2 accept"), 4, 13, "needs a single value");
        assertError(filterChain("tcp dport = 1 accept"), 4, 11, "the comparison operator is '=='");
    }

    // ---------------------------------------------------------------- structure

    @Test
    void baseChainWithoutHook() {
        assertError("table ip t {\nchain c {\ntype filter priority 0;\n}\n}\n", 3, 13, "expected \"hook\"");
    }

    @Test
    void baseChainWithoutPriority() {
        assertError("table ip t {\nchain c {\ntype filter hook input;\n}\n}\n", 3, 23, "expected \"priority\"");
    }

    @Test
    void natChainOnForwardHook() {
        assertError("table ip t {\nchain c {\ntype nat hook forward priority 0;\n}\n}\n", 3, 15,
                "a nat chain cannot use the forward hook");
    }

    @Test
    void unknownChainTypeAndHook() {
        assertError("table ip t {\nchain c {\ntype route hook output priority 0;\n}\n}\n", 3, 6,
                "chain type \"route\" is not supported");
        assertError("table ip t {\nchain c {\ntype filter hook ingress priority 0;\n}\n}\n", 3, 18,
                "unsupported hook \"ingress\"");
    }

    @Test
    void priorityNamesAndRanges() {
        assertError("table ip t {\nchain c {\ntype filter hook input priority dstnat;\n}\n}\n", 3, 33,
                "priority \"dstnat\" is not valid for the input hook (prerouting only)");
        assertError("table ip t {\nchain c {\ntype filter hook output priority srcnat;\n}\n}\n", 3, 34,
                "postrouting only");
        assertError("table ip t {\nchain c {\ntype filter hook input priority urgent;\n}\n}\n", 3, 33,
                "unknown priority \"urgent\"");
        assertError("table ip t {\nchain c {\ntype nat hook prerouting priority -200;\n}\n}\n", 3, 35,
                "a nat chain needs a priority above -200");
        assertError("table ip t {\nchain c {\ntype filter hook input priority 2147483648;\n}\n}\n", 3, 33,
                "out of range");
        assertError("table ip t {\nchain c {\ntype filter hook input priority filter + -3;\n}\n}\n", 3, 33,
                "invalid priority");
        assertError("table ip t {\nchain c {\ntype filter hook input priority 0 policy drop;\n}\n}\n", 3, 35,
                "expected newline or ';' after the chain priority, found \"policy\"");
    }

    @Test
    void duplicateChainName() {
        assertError("table ip t {\nchain a {\n}\nchain b {\n}\nchain a {\n}\n}\n", 6, 7,
                "duplicate chain \"a\" in table ip t (first declared at line 2)");
    }

    @Test
    void duplicateTableAndHelper() {
        assertError("table ip t {\n}\ntable ip6 t {\n}\ntable ip t {\n}\n", 5, 10, "duplicate table \"ip t\"");
        assertError("table ip t {\nct helper h { type \"ftp\" protocol tcp; }\nct helper h { type \"ftp\" protocol tcp; }"
                + "\n}\n", 3, 11, "duplicate ct helper \"h\"");
    }

    @Test
    void policyRules() {
        assertError("table ip t {\nchain c {\npolicy drop;\n}\n}\n", 3, 1, "a policy is only allowed in base chains");
        assertError("table ip t {\nchain c {\ntype filter hook input priority 0; policy drop; policy accept;\n}\n}\n",
                3, 49, "chain policy given twice");
        assertError("table ip t {\nchain c {\ntype filter hook input priority 0; policy continue;\n}\n}\n", 3, 43,
                "expected accept or drop");
        assertError("table ip t {\nchain c {\ntype filter hook input priority 0;\ntype filter hook input priority 0;"
                + "\n}\n}\n", 4, 1, "given twice");
    }

    @Test
    void missingTerminatorBeforeClosingBrace() {
        assertError("table ip t {\nchain c {\naccept }\n}\n", 3, 8, "expected newline or ';' after the rule");
        assertError("table ip t {\nchain c {\n} }\n", 3, 3, "expected newline or ';' after the chain block");
        assertError("table ip t {\n} table ip u {\n}\n", 2, 3, "after the table block");
        assertError("table ip t {\nct helper h { type \"ftp\" protocol tcp }\n}\n", 2, 39,
                "after the helper type and protocol");
    }

    @Test
    void missingClosingBrace() {
        assertError("table ip t {\nchain c {\naccept\n", 4, 1, "'}' missing for chain \"c\" opened at line 2");
        assertError("table ip t {\n", 2, 1, "'}' missing for table \"ip t\"");
    }

    @Test
    void statementAfterTerminalStatement() {
        assertError(filterChain("accept counter"), 4, 8, "statement after terminal statement \"accept\"");
        assertError(natChain("ip", "postrouting", "masquerade random random"), 4, 19, "after terminal statement");
    }

    @Test
    void namesAndKeywords() {
        assertError("table ip t {\nchain accept {\n}\n}\n", 2, 7, "\"accept\" is an nft keyword");
        assertError("table ip t {\nchain 1a {\n}\n}\n", 2, 7, "invalid chain name \"1a\"");
        assertError("table ip t {\nchain \"a b\" {\n}\n}\n", 2, 7, "must not be quoted");
        assertError(filterChain("jump \"x\""), 4, 6, "must not be quoted");
    }

    // ---------------------------------------------------------------- semantic checks

    @Test
    void unknownJumpTarget() {
        assertError(filterChain("tcp dport 22 jump nowhere"), 4, 19, "unknown chain \"nowhere\" in table inet t");
        assertError(filterChain("goto elsewhere"), 4, 6, "unknown chain \"elsewhere\"");
    }

    @Test
    void unknownHelperObject() {
        assertError(filterChain("ct helper set \"nope\""), 4, 15, "ct helper \"nope\" is not declared in table inet t");
    }

    @Test
    void helperObjectOfAnotherTableIsNotVisible() {
        assertError("table ip a {\nct helper h { type \"ftp\" protocol tcp; }\n}\ntable ip b {\nchain c {\n"
                + "ct helper set \"h\"\n}\n}\n", 6, 15, "not declared in table ip b");
    }

    @Test
    void helperTypeAndProtocol() {
        assertError("table ip t {\nct helper h { type \"gopher\" protocol tcp; }\n}\n", 2, 20,
                "unknown conntrack helper type \"gopher\"");
        assertError("table ip t {\nct helper h { type \"ftp\" protocol udp; }\n}\n", 2, 35,
                "conntrack helper \"ftp\" does not handle udp");
        assertError("table ip t {\nct helper h { type \"ftp\" protocol icmp; }\n}\n", 2, 35, "expected tcp or udp");
        assertError("table ip t {\nct helper h { type ftp protocol tcp; }\n}\n", 2, 20, "must be a quoted string");
        assertError("table ip t {\nct helper h { type \"ftp\" protocol tcp; l3proto ip6; }\n}\n", 2, 48,
                "l3proto ip6 is not valid in an ip table");
        assertError("table ip6 t {\nct helper h { type \"irc\" protocol tcp; }\n}\n", 2, 20, "has no IPv6 version");
        assertError("table ip t {\nct helper h {\n}\n}\n", 3, 1, "needs a type");
    }

    @Test
    void jumpLoops() {
        assertError("table ip t {\nchain a {\njump b\n}\nchain b {\njump a\n}\n}\n", 6, 6,
                "jump loop: a -> b -> a");
        assertError("table ip t {\nchain a {\ngoto a\n}\n}\n", 3, 6, "jump loop: a -> a");
    }

    @Test
    void jumpToBaseChain() {
        assertError("table ip t {\nchain a {\ntype filter hook input priority 0;\n}\nchain b {\njump a\n}\n}\n",
                6, 6, "cannot jump to base chain \"a\"");
    }

    @Test
    void jumpDepthLimit() {
        StringBuilder sb = new StringBuilder("table ip t {\nchain base {\ntype filter hook input priority 0;\n"
                + "jump c1\n}\n");
        for (int i = 1; i <= 16; i++) {
            sb.append("chain c").append(i).append(" {\n").append(i < 16 ? "jump c" + (i + 1) : "accept")
                    .append("\n}\n");
        }
        sb.append("}\n");
        // chain cN spans lines 3N+3 to 3N+5; the jump of c15 (depth 15) to c16 is on line 49
        assertError(sb.toString(), 49, 6, "would be reached at jump depth 16");
    }

    @Test
    void natStatementsOnlyWhereTheKernelAllowsThem() {
        assertError(natChain("ip", "prerouting", "masquerade"), 4, 1,
                "masquerade is not valid at the prerouting hook (masquerade: postrouting)");
        assertError(natChain("ip", "postrouting", "dnat to 10.0.0.1"), 4, 1,
                "dnat is not valid at the postrouting hook (dnat: prerouting, output)");
        assertError(natChain("ip", "output", "snat to 10.0.0.1"), 4, 1, "snat is not valid at the output hook");
        assertError(natChain("ip", "input", "redirect"), 4, 1, "redirect is not valid at the input hook");
        assertError("table ip t {\nchain c {\ntype filter hook postrouting priority 0;\nmasquerade\n}\n}\n", 4, 1,
                "masquerade is only valid in a nat chain; base chain \"c\" is of type filter");
    }

    @Test
    void natInARegularChainIsCheckedAgainstTheBaseChainsThatReachIt() {
        String text = "table ip t {\nchain pre {\ntype nat hook prerouting priority -100;\njump sub\n}\n"
                + "chain sub {\ntcp dport 80 redirect to :8080\nmasquerade\n}\n}\n";
        assertError(text, 8, 1, "masquerade is not valid at the prerouting hook (masquerade: postrouting) (chain"
                + " \"sub\" is reached from base chain \"pre\")");
    }

    @Test
    void natFamilies() {
        assertError(natChain("inet", "prerouting", "tcp dport 80 dnat to 10.0.0.1"), 4, 14,
                "ip or ip6 must be specified with an address in inet tables");
        assertError(natChain("inet", "postrouting", "snat ip to 2001:db8::1"), 4, 12,
                "IPv6 address after \"snat ip to\"");
        assertError(natChain("ip", "postrouting", "snat to 2001:db8::1"), 4, 9,
                "IPv6 address in a NAT statement of an ip table");
        assertError(natChain("ip", "postrouting", "snat ip6 to 2001:db8::1"), 4, 6, "conflicting protocols");
        assertError(natChain("inet", "postrouting", "ip saddr 10.0.0.1 snat ip6 to ::1"), 4, 24,
                "conflicting protocols specified: ip vs. ip6");
        assertError(natChain("inet", "prerouting", "tcp dport 1 dnat ip to :80"), 4, 18, "needs an address");
        assertError(natChain("ip", "postrouting", "masquerade to 10.0.0.1"), 4, 15, "masquerade takes only ports");
        assertError(natChain("ip", "postrouting", "snat 10.0.0.1"), 4, 6, "expected \"to\"");
    }

    @Test
    void portMappingNeedsATransportMatch() {
        assertError(natChain("inet", "prerouting", "dnat ip to 10.0.0.1:80"), 4, 21,
                "transport protocol mapping is only valid after transport protocol match");
        assertError(natChain("ip", "prerouting", "meta l4proto != tcp redirect to :80"), 4, 34,
                "transport protocol mapping");
    }

    @Test
    void conflictingProtocols() {
        assertError("table ip t {\nchain c {\nip6 saddr ::1 accept\n}\n}\n", 3, 1,
                "conflicting protocols specified: ip vs. ip6");
        assertError(filterChain("ip saddr 1.1.1.1 ip6 daddr ::1 accept"), 4, 18, "conflicting protocols");
        assertError(filterChain("tcp dport 1 udp sport 2 accept"), 4, 13,
                "conflicting protocols specified: tcp vs. udp");
        assertError(filterChain("meta l4proto udp tcp dport 1 accept"), 4, 18, "udp vs. tcp");
        assertError("table ip6 t {\nchain c {\nmeta nfproto ipv6 accept\n}\n}\n", 3, 1,
                "meta nfproto is only useful in the inet family");
    }

    @Test
    void logOptions() {
        assertError(filterChain("log level info group 1"), 4, 1, "log level and group are mutually exclusive");
        assertError(filterChain("log group 65536"), 4, 11, "log group \"65536\" out of range");
        assertError(filterChain("log level loud"), 4, 11, "unknown log level \"loud\"");
        assertError(filterChain("log level audit prefix \"foo\""), 4, 1,
                "log level audit doesn't support any further options"); // a repeated option is fine: LogOptionsTest
        assertError(filterChain("log snaplen 10"), 4, 5, "log option \"snaplen\" is not supported");
    }

    @Test
    void counterValues() {
        assertError(filterChain("counter packets 18446744073709551616 bytes 0"), 4, 17, "invalid counter value");
        assertError(filterChain("counter packets 1 packets 2"), 4, 19, "counter packets given twice");
    }

    // ---------------------------------------------------------------- characters

    @Test
    void nulCarriageReturnAndStrayCharacters() {
        assertError(filterChain("accept\0"), 4, 7, "unexpected NUL character");
        assertError("table ip t {\r\n}\r\n", 1, 13, "carriage return");
        assertError(filterChain("accept \\ drop"), 4, 8, "stray '\\'");
        assertError(filterChain("accept %"), 4, 8, "unexpected character '%'");
        assertError(filterChain("accept \u00e9"), 4, 8, "unexpected character U+00E9");
        assertError(filterChain("iifname \"a\0b\" accept"), 4, 11, "NUL character in string");
        assertError(filterChain("accept # comment with \0 inside"), 4, 23, "NUL character in comment");
    }

    @Test
    void errorPositionCountsTabsAsOneColumn() {
        assertError("table ip t {\n\tchain c {\n\t\taccept drop\n\t}\n}\n", 3, 10, "after terminal statement");
    }
}
