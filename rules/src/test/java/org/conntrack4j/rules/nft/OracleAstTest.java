package org.conntrack4j.rules.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The AST of the ftp, masquerade and dnat oracle cases, node by node. */
class OracleAstTest {

    private static Table oracle(String caseName) throws Exception {
        Ruleset rs = NftParser.parse(TestData.caseDir(caseName).resolve("ruleset.nft"));
        assertEquals(1, rs.tables().size());
        Table t = rs.tables().get(0);
        assertEquals(Family.INET, t.family());
        assertEquals("oracle", t.name());
        return t;
    }

    private static IpAddress ip(String text) {
        return IpAddress.parseHost(text).orElseThrow();
    }

    @Test
    void ftpCaseDeclaresTheHelperObjectAndAssignsIt() throws Exception {
        Table t = oracle("ftp_active_snat");
        assertEquals(1, t.ctHelpers().size());
        CtHelperObject h = t.ctHelper("ftp_helper").orElseThrow();
        assertEquals("ftp_helper", h.name());
        assertEquals("ftp", h.type());
        assertEquals(6, h.protocol());
        assertEquals(Family.INET, h.l3proto());
        assertEquals(2, h.position().line());

        Chain helpers = t.chain("helpers").orElseThrow();
        BaseChainSpec spec = helpers.baseSpec().orElseThrow();
        assertEquals(ChainType.FILTER, spec.type());
        assertEquals(Hook.PREROUTING, spec.hook());
        assertEquals(0, spec.priority().value());
        assertEquals("filter", spec.priority().text());
        assertEquals(Policy.ACCEPT, spec.policy());
        assertEquals(1, helpers.rules().size());
        Rule r = helpers.rules().get(0);
        assertEquals(List.of(
                new Match(Selector.CT_STATE, Op.IMPLICIT, new Operand.Flags(8)),
                new Match(Selector.TCP_DPORT, Op.IMPLICIT, new Operand.Num(21)),
                new CtHelperSetStatement("ftp_helper")), r.elements());
        assertEquals(2, r.matches().size());
        assertEquals(List.of(new CtHelperSetStatement("ftp_helper")), r.statements());
        assertEquals(Optional.empty(), r.comment());
        assertEquals(22, r.position().line());
        assertEquals(3, r.position().column());
        assertEquals("ct state new tcp dport 21 ct helper set \"ftp_helper\"", r.toString());
    }

    @Test
    void passiveFtpCaseHasTheSameHelperSetup() throws Exception {
        Table active = oracle("ftp_active_snat");
        Table passive = oracle("ftp_passive_snat");
        assertEquals(active.ctHelpers(), passive.ctHelpers());
        assertEquals(active.chain("helpers"), passive.chain("helpers"));
    }

    @Test
    void masqueradeCase() throws Exception {
        for (String c : new String[] {"frag_udp", "ftp_active_snat", "snat_port_clash"}) {
            Table t = oracle(c);
            Chain nat = t.chain("nat_post").orElseThrow();
            BaseChainSpec spec = nat.baseSpec().orElseThrow();
            assertEquals(ChainType.NAT, spec.type());
            assertEquals(Hook.POSTROUTING, spec.hook());
            assertEquals(100, spec.priority().value(), "srcnat is 100");
            assertEquals("srcnat", spec.priority().text());
            Rule r = nat.rules().get(0);
            assertEquals(List.of(
                    new Match(Selector.OIFNAME, Op.IMPLICIT, new Operand.IfName("wan", false)),
                    new Match(Selector.IP_SADDR, Op.IMPLICIT, IpAddress.of(ip("198.51.100.0").bytes(), 24)),
                    new NatStatement(NatStatement.Kind.MASQUERADE, Optional.empty(), Optional.empty(),
                            Optional.empty(), Set.of())), r.elements());
            IpAddress net = (IpAddress) ((Match) r.elements().get(1)).value();
            assertEquals(24, net.prefixLength());
            assertTrue(net.contains(ip("198.51.100.77")));
            assertFalse(net.contains(ip("203.0.113.1")));
            assertTrue(r.statements().get(0).isTerminal());
            assertEquals("oifname \"wan\" ip saddr 198.51.100.0/24 masquerade", r.toString());
        }
    }

    @Test
    void dnatCase() throws Exception {
        Table t = oracle("dnat_portforward");
        Chain nat = t.chain("nat_pre").orElseThrow();
        BaseChainSpec spec = nat.baseSpec().orElseThrow();
        assertEquals(ChainType.NAT, spec.type());
        assertEquals(Hook.PREROUTING, spec.hook());
        assertEquals(-100, spec.priority().value(), "dstnat is -100");
        Rule r = nat.rules().get(0);
        NatStatement dnat = new NatStatement(NatStatement.Kind.DNAT, Optional.of(Family.IP),
                Optional.of(ip("198.51.100.20")), Optional.of(new Operand.Num(80)), Set.of());
        assertEquals(List.of(
                new Match(Selector.IIFNAME, Op.IMPLICIT, new Operand.IfName("wan", false)),
                new Match(Selector.IP_DADDR, Op.IMPLICIT, ip("203.0.113.1")),
                new Match(Selector.TCP_DPORT, Op.IMPLICIT, new Operand.Num(8080)),
                dnat), r.elements());
        assertEquals("dnat ip to 198.51.100.20:80", dnat.toString());
        assertEquals("dnat ip to 198.51.100.20:80", r.statements().get(0).toString());
        assertEquals(Optional.of(false), dnat.addressIsIpv6());
    }

    @Test
    void priorityNamesResolvePerHook() throws Exception {
        Table t = oracle("dnat_portforward");
        assertEquals(-150, t.chain("ctlog").orElseThrow().baseSpec().orElseThrow().priority().value());
        assertEquals("mangle", t.chain("ctlog").orElseThrow().baseSpec().orElseThrow().priority().text());
        assertEquals(0, t.chain("forward").orElseThrow().baseSpec().orElseThrow().priority().value());
        assertEquals(Hook.FORWARD, t.chain("forward").orElseThrow().baseSpec().orElseThrow().hook());
    }

    @Test
    void loadedRulesetKeepsTheNumericPriorityText() throws Exception {
        String loaded = (String) TestData.caseJson(TestData.caseDir("dnat_portforward")).get("ruleset_loaded");
        Table t = NftParser.parse("ruleset_loaded", loaded).tables().get(0);
        ChainPriority p = t.chain("ctlog").orElseThrow().baseSpec().orElseThrow().priority();
        assertEquals(-150, p.value());
        assertEquals("-150", p.text());
        assertEquals("mangle", p.canonical(Hook.PREROUTING));
        assertEquals(new ChainPriority(-150, "mangle"), p);
        // the comment line inside chain forward is not a rule
        assertTrue(t.chain("forward").orElseThrow().rules().isEmpty());
    }

    @Test
    void ctlogRulesUseLinuxStateAndDirectionValues() throws Exception {
        Chain ctlog = oracle("tcp_basic").chain("ctlog").orElseThrow();
        List<Rule> rules = ctlog.rules();
        assertEquals(9, rules.size());
        long[] states = {1, 64, 8, 8, 2, 2, 4, 4};
        int[] dirs = {-1, -1, 0, 1, 0, 1, 0, 1};
        for (int i = 0; i < 8; i++) {
            Rule r = rules.get(i);
            assertEquals(new Match(Selector.CT_STATE, Op.IMPLICIT, new Operand.Flags(states[i])), r.elements().get(0));
            if (dirs[i] >= 0) {
                assertEquals(new Match(Selector.CT_DIRECTION, Op.IMPLICIT, new Operand.Num(dirs[i])),
                        r.elements().get(1));
            }
            LogStatement log = (LogStatement) r.statements().get(0);
            assertEquals(OptionalInt.of(1), log.group());
            assertEquals(LogStatement.Level.WARN, log.level());
            assertTrue(log.prefix().orElseThrow().startsWith("ct="));
            assertEquals(VerdictStatement.accept(), r.statements().get(1));
        }
        assertEquals("ct=invalid dir=none", ((LogStatement) rules.get(0).statements().get(0)).prefix().get());
        Rule last = rules.get(8);
        assertEquals(List.of(new LogStatement(Optional.of("ct=unknown dir=unknown"), OptionalInt.of(1),
                LogStatement.Level.WARN)), last.elements());
        assertTrue(oracle("tcp_basic").chain("forward").orElseThrow().rules().isEmpty());
    }
}
