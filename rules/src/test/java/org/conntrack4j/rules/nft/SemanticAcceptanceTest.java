package org.conntrack4j.rules.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What nft accepts must be accepted too: the positive side of the load-time checks (all verified with nft). */
class SemanticAcceptanceTest {

    private static Ruleset parse(String text) throws RulesetParseException {
        return NftParser.parse("ok.nft", text);
    }

    /** The rules of a chain of the first table, as nft prints them. */
    private static List<String> rules(Ruleset rs, String chain) {
        return rs.tables().get(0).chain(chain).orElseThrow().rules().stream().map(r -> r.toString().trim()).toList();
    }

    private static void rejected(String text, String fragment) {
        RulesetParseException e = assertThrows(RulesetParseException.class, () -> parse(text));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void natInARegularChainReachedFromTheRightBaseChain() throws Exception {
        Ruleset rs = parse("table ip t {\nchain post {\ntype nat hook postrouting priority srcnat;\njump sub\n}\n"
                + "chain sub {\nmasquerade\n}\n}\n");
        assertEquals(List.of("jump sub"), rules(rs, "post"));
        assertEquals(List.of("masquerade"), rules(rs, "sub"));
        // the same regular chain reached from prerouting as well is refused, as the kernel does
        rejected("table ip t {\nchain a {\ntype nat hook prerouting priority 0;\njump sub\n}\nchain b {\n"
                + "type nat hook postrouting priority 0;\njump sub\n}\nchain sub {\nmasquerade\n}\n}\n",
                "masquerade is not valid at the prerouting hook");
    }

    @Test
    void natInAnUnreachableRegularChainIsAccepted() throws Exception {
        Ruleset rs = parse("table ip t {\nchain sub {\nmasquerade\ndnat to 10.0.0.1\n}\n}\n");
        assertEquals(List.of("masquerade", "dnat to 10.0.0.1"), rules(rs, "sub"));
    }

    @Test
    void natHooksTheKernelAllows() throws Exception {
        Ruleset rs = parse("table ip t {\nchain i {\ntype nat hook input priority 100;\nsnat to 10.0.0.1\n}\n"
                + "chain o {\ntype nat hook output priority -100;\ndnat to 10.0.0.2\nredirect\n}\n"
                + "chain p {\ntype nat hook prerouting priority -100;\ntcp dport 80 redirect to :8080\n}\n"
                + "chain q {\ntype nat hook postrouting priority 100; policy drop;\nmasquerade\nsnat to 10.0.0.3\n}\n}\n");
        assertEquals(List.of("snat to 10.0.0.1"), rules(rs, "i"));
        assertEquals(List.of("dnat to 10.0.0.2", "redirect"), rules(rs, "o"));
        assertEquals(List.of("tcp dport 80 redirect to :8080"), rules(rs, "p"));
        assertEquals(List.of("masquerade", "snat to 10.0.0.3"), rules(rs, "q"));
        assertEquals(List.of(Hook.INPUT, Hook.OUTPUT, Hook.PREROUTING, Hook.POSTROUTING), rs.tables().get(0).chains()
            .stream().map(c -> c.baseSpec().orElseThrow().hook()).toList());
    }

    @Test
    void jumpDepthOfFifteenIsAccepted() throws Exception {
        StringBuilder sb = new StringBuilder("table ip t {\nchain base {\ntype filter hook input priority 0;\n"
                + "jump c1\n}\n");
        for (int i = 1; i <= 15; i++) {
            sb.append("chain c").append(i).append(" {\n").append(i < 15 ? "jump c" + (i + 1) : "accept")
                    .append("\n}\n");
        }
        sb.append("}\n");
        assertEquals(16, parse(sb.toString()).tables().get(0).chains().size());
    }

    @Test
    void diamondJumpsAreNotLoops() throws Exception {
        Ruleset rs = parse("table ip t {\nchain base {\ntype filter hook input priority 0;\njump a\njump b\n}\n"
                + "chain a {\njump c\n}\nchain b {\ngoto c\n}\nchain c {\nreturn\n}\n}\n");
        assertEquals(List.of("jump a", "jump b"), rules(rs, "base"));
        assertEquals(List.of("goto c"), rules(rs, "b"));
    }

    @Test
    void forwardReferencesToChainsAndHelpers() throws Exception {
        Table t = parse("table inet t {\nchain c {\ntype filter hook prerouting priority 0;\njump later\n"
                + "ct helper set \"h\"\n}\nchain later {\n}\nct helper h {\ntype \"ftp\" protocol tcp\n}\n}\n")
                .tables().get(0);
        assertEquals(Family.INET, t.ctHelper("h").orElseThrow().l3proto(), "l3proto defaults to the table family");
        assertEquals(List.of("c", "later"), t.chains().stream().map(Chain::name).toList());
    }

    @Test
    void helperL3protoDefaultsAndChoices() throws Exception {
        assertEquals(Family.IP6, parse("table ip6 t {\nct helper h { type \"ftp\" protocol tcp; }\n}\n").tables()
                .get(0).ctHelpers().get(0).l3proto());
        assertEquals(Family.IP, parse("table ip t {\nct helper h { type \"irc\" protocol tcp; }\n}\n").tables()
                .get(0).ctHelpers().get(0).l3proto());
        assertEquals(Family.INET, parse("table ip t {\nct helper h { type \"ftp\" protocol tcp; l3proto inet; }\n}\n")
                .tables().get(0).ctHelpers().get(0).l3proto());
        CtHelperObject sip = parse("table inet t {\nct helper s {\ntype \"sip\" protocol udp\nl3proto ip6\n}\n}\n")
                .tables().get(0).ctHelpers().get(0);
        assertEquals(new CtHelperObject("s", "sip", 17, Family.IP6, SourcePos.unknown()), sip);
        // a helper name and a chain name live in different namespaces
        parse("table ip t {\nct helper h { type \"ftp\" protocol tcp; }\nchain h {\n}\n}\n");
    }

    @Test
    void tableFamilyDefaultsToIp() throws Exception {
        Table t = parse("table t {\n}\n").tables().get(0);
        assertEquals(Family.IP, t.family());
        assertEquals("table ip t {\n}", t.toString());
    }

    @Test
    void specLinesMayFollowRulesAndSeparatorsAreFlexible() throws Exception {
        Chain c = parse("table ip t { chain a { accept; type filter hook input priority 100; ; ;\n\n"
                + "policy drop ; tcp dport 22;accept ;\n}\n}\n").tables().get(0).chains().get(0);
        assertEquals(Optional.of(Policy.DROP), c.policy());
        assertEquals(100, c.baseSpec().orElseThrow().priority().value());
        assertEquals(List.of("accept", "tcp dport 22", "accept"), c.rules().stream().map(Rule::toString).toList());
    }

    @Test
    void namesNftAllows() throws Exception {
        Ruleset rs = parse("table ip a1_b-c.d/e {\nchain input {\n}\nchain _x {\n}\nchain .y {\n}\nchain state {\n}\n"
                + "chain filter {\n}\nchain x-y {\njump x-y2\n}\nchain x-y2 {\n}\n}\n");
        assertEquals("a1_b-c.d/e", rs.tables().get(0).name());
        assertEquals(7, rs.tables().get(0).chains().size());
        parse("table ip t {\nchain " + "a".repeat(255) + " {\n}\n}\n");
    }

    @Test
    void protocolContextAsNftTracksIt() throws Exception {
        // nft 1.0.6 has no description for gre or raw numbers it does not know: no conflict
        parse("table inet t {\nchain c {\nip protocol gre udp dport 1 accept\nip protocol 99 tcp dport 1 accept\n}\n}\n");
        // meta nfproto switches the network context without a conflict check
        parse("table inet t {\nchain c {\nip6 saddr ::1 meta nfproto ipv4 ip saddr 1.1.1.1 accept\n}\n}\n");
        parse("table inet t {\nchain c {\nip saddr 1.1.1.1 meta nfproto ipv6 accept\n}\n}\n");
        parse("table inet t {\nchain c {\nmeta l4proto tcp meta l4proto udp accept\ntcp dport 1 meta l4proto udp"
                + " accept\nmeta l4proto != udp tcp dport 1 accept\nmeta l4proto 1-20 tcp dport 1 accept\n}\n}\n");
        rejected("table inet t {\nchain c {\nmeta nfproto ipv6 ip saddr 1.1.1.1 accept\n}\n}\n", "ip6 vs. ip");
        rejected("table inet t {\nchain c {\nmeta nfproto { ipv4, ipv6 } ip saddr 1.1.1.1 accept\n}\n}\n",
                "ip6 vs. ip");
        // a set of transport protocols leaves the context ambiguous; nft refuses a header match after it
        rejected("table ip t {\nchain c {\nmeta l4proto { tcp, udp } tcp dport 1 accept\n}\n}\n", "udp vs. tcp");
        rejected("table ip t {\nchain c {\nmeta l4proto { tcp, udp } udp dport 1 accept\n}\n}\n", "tcp vs. udp");
        rejected("table inet t {\nchain c {\nmeta l4proto sctp udp dport 1 accept\n}\n}\n", "sctp vs. udp");
        // ... but it still counts as a transport match for NAT port mapping
        parse("table ip t {\nchain c {\ntype nat hook prerouting priority 0;\nmeta l4proto { tcp, udp } redirect"
                + " to :53\n}\n}\n");
    }

    @Test
    void ipv6AddressesInTheirTables() throws Exception {
        Rule r = parse("table ip6 t {\nchain c {\ntype nat hook postrouting priority 100;\n"
                + "ip6 saddr 2001:db8:1::/64 oifname \"wan\" snat to 2001:db8:2::1\n}\n}\n")
                .tables().get(0).chains().get(0).rules().get(0);
        NatStatement snat = (NatStatement) r.statements().get(0);
        assertEquals(Optional.empty(), snat.family());
        assertEquals(Optional.of(IpAddress.parseHost("2001:db8:2::1").orElseThrow()), snat.address());
        assertEquals(Optional.of(true), snat.addressIsIpv6());
    }

    @Test
    void natStatementDetails() throws Exception {
        Rule r = parse("table inet t {\nchain c {\ntype nat hook prerouting priority -100;\n"
                + "meta l4proto tcp dnat ip6 to [2001:db8::1]-[2001:db8::9]:1000-2000 persistent,random\n}\n}\n")
                .tables().get(0).chains().get(0).rules().get(0);
        NatStatement n = (NatStatement) r.statements().get(0);
        assertEquals(NatStatement.Kind.DNAT, n.kind());
        assertEquals(Optional.of(Family.IP6), n.family());
        Operand.Range addr = (Operand.Range) n.address().orElseThrow();
        assertEquals("2001:db8::1", addr.low().toString());
        assertEquals("2001:db8::9", addr.high().toString());
        assertEquals(Optional.of(new Operand.Range(new Operand.Num(1000), new Operand.Num(2000))), n.ports());
        assertEquals(Set.of(NatStatement.Flag.RANDOM, NatStatement.Flag.PERSISTENT), n.flags());
        assertEquals("dnat ip6 to [2001:db8::1]-[2001:db8::9]:1000-2000 random,persistent", n.toString());
        assertFalse(n.kind().isSource());
    }

    @Test
    void interleavedMatchesAndStatementsKeepTheirOrder() throws Exception {
        Rule r = parse("table ip t {\nchain c {\ntcp dport 1 counter ip saddr 10.0.0.1 log accept\n}\n}\n")
                .tables().get(0).chains().get(0).rules().get(0);
        assertEquals(5, r.elements().size());
        assertTrue(r.elements().get(0) instanceof Match);
        assertTrue(r.elements().get(1) instanceof CounterStatement);
        assertTrue(r.elements().get(2) instanceof Match);
        assertTrue(r.elements().get(3) instanceof LogStatement);
        assertEquals(VerdictStatement.accept(), r.elements().get(4));
        assertEquals(2, r.matches().size());
        assertEquals(3, r.statements().size());
    }

    @Test
    void parseFromAFileNamesTheFileInErrors(@TempDir Path dir) throws Exception {
        Path ok = dir.resolve("ok.nft");
        Files.writeString(ok, "table ip t {\nchain c {\naccept\n}\n}\n");
        assertEquals(1, NftParser.parse(ok).tables().size());
        Path bad = dir.resolve("ruleset.nft");
        Files.writeString(bad, "table ip t {\nchain c {\ntype filter hook input priority 0;\n\n\n\n"
                + "tcp dport 1 queue\n}\n}\n");
        RulesetParseException e = assertThrows(RulesetParseException.class, () -> NftParser.parse(bad));
        assertEquals(bad.toString(), e.sourceName());
        assertTrue(e.getMessage().startsWith(bad + ":7:13: unsupported statement \"queue\" (supported: accept, drop,"),
                e.getMessage());
    }
}
