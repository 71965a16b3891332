package org.conntrack4j.rules.nft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The AST types on their own: values, equality, immutability, printing of nodes built in code. */
class AstModelTest {

    @Test
    void positionsAreNotPartOfEquality() throws Exception {
        Ruleset a = NftParser.parse("a", "table ip t {\nchain c {\naccept\n}\n}\n");
        Ruleset b = NftParser.parse("b", "\n\n\ntable ip t { chain c { accept;\n}\n}\n");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        Rule ra = a.tables().get(0).chains().get(0).rules().get(0);
        Rule rb = b.tables().get(0).chains().get(0).rules().get(0);
        assertNotEquals(ra.position(), rb.position());
        assertEquals(new SourcePos("a", 3, 1), ra.position());
        assertEquals(new SourcePos("b", 4, 24), rb.position());
        assertEquals("a:3:1", ra.position().toString());
    }

    @Test
    void differentContentIsNotEqual() throws Exception {
        Ruleset a = NftParser.parse("a", "table ip t {\nchain c {\naccept\n}\n}\n");
        assertNotEquals(a, NftParser.parse("b", "table ip t {\nchain c {\ndrop\n}\n}\n"));
        assertNotEquals(a, NftParser.parse("b", "table ip6 t {\nchain c {\naccept\n}\n}\n"));
        assertNotEquals(a, NftParser.parse("b", "table ip t {\nchain c {\naccept comment \"x\"\n}\n}\n"));
        assertNotEquals(a, NftParser.parse("b", "table ip t {\nchain d {\naccept\n}\n}\n"));
    }

    @Test
    void chainPriorityEqualityIsByValue() {
        assertEquals(new ChainPriority(-150, "mangle"), new ChainPriority(-150, "-150"));
        assertNotEquals(new ChainPriority(-150, "mangle"), new ChainPriority(-140, "mangle + 10"));
        assertEquals("srcnat - 10", new ChainPriority(90, "90").canonical(Hook.POSTROUTING));
        assertEquals("90", new ChainPriority(90, "90").canonical(Hook.INPUT));
        assertEquals("-90", ChainPriority.of(-90).toString());
    }

    @Test
    void listsAreImmutableCopies() throws Exception {
        List<RuleElement> elements = new ArrayList<>(List.of(VerdictStatement.accept()));
        Rule r = new Rule(elements);
        elements.add(VerdictStatement.drop());
        assertEquals(1, r.elements().size());
        assertThrows(UnsupportedOperationException.class, () -> r.elements().add(VerdictStatement.drop()));
        Ruleset rs = NftParser.parse("x", "table ip t {\nchain c {\naccept\n}\n}\n");
        assertThrows(UnsupportedOperationException.class, () -> rs.tables().clear());
        assertThrows(UnsupportedOperationException.class, () -> rs.tables().get(0).chains().clear());
        assertThrows(UnsupportedOperationException.class, () -> rs.tables().get(0).chains().get(0).rules().clear());
        Set<NatStatement.Flag> flags = EnumSet.of(NatStatement.Flag.RANDOM);
        NatStatement n = new NatStatement(NatStatement.Kind.MASQUERADE, Optional.empty(), Optional.empty(),
                Optional.empty(), flags);
        flags.add(NatStatement.Flag.PERSISTENT);
        assertEquals(Set.of(NatStatement.Flag.RANDOM), n.flags());
    }

    @Test
    void ipAddressValues() {
        byte[] raw = {10, 1, 2, 3};
        IpAddress a = IpAddress.of(raw, 8);
        raw[0] = 99;
        assertEquals("10.0.0.0/8", a.toString());
        assertArrayEquals(new byte[] {10, 0, 0, 0}, a.bytes());
        a.bytes()[0] = 1;
        assertEquals("10.0.0.0/8", a.toString(), "bytes() is a copy");
        assertFalse(a.isHost());
        assertFalse(a.isIpv6());
        assertEquals(32, a.bitLength());
        assertEquals("10.255.255.255", a.lastAddress().toString());
        assertEquals("10.0.0.0", a.firstAddress().toString());
        assertTrue(a.contains(IpAddress.parseHost("10.200.0.1").orElseThrow()));
        assertTrue(a.contains(IpAddress.of(new byte[] {10, 1, 0, 0}, 16)));
        assertFalse(a.contains(IpAddress.of(new byte[] {10, 1, 0, 0}, 4)));
        assertEquals(IpAddress.of(new byte[] {10, 9, 9, 9}, 8), a);
        assertEquals(Optional.empty(), IpAddress.parseHost("10.0.0.256"));
        IpAddress v6 = IpAddress.parseHost("2001:db8::1").orElseThrow();
        assertTrue(v6.isIpv6());
        assertTrue(v6.isHost());
        assertEquals(128, v6.prefixLength());
        assertEquals(new java.math.BigInteger("20010db8000000000000000000000001", 16), v6.toBigInteger());
        assertEquals(v6, IpAddress.fromBigInteger(v6.toBigInteger(), true));
        assertTrue(IpAddress.parseHost("1.0.0.0").orElseThrow().compareTo(IpAddress.parseHost("0.255.255.255")
                .orElseThrow()) > 0, "unsigned order");
        assertThrows(IllegalArgumentException.class, () -> IpAddress.of(new byte[5], 1));
        assertThrows(IllegalArgumentException.class, () -> IpAddress.of(new byte[4], 33));
    }

    @Test
    void ctBitValuesAreLinuxs() throws Exception {
        String[] states = {"invalid", "established", "related", "new", "untracked"};
        long[] stateBits = {1, 2, 4, 8, 64};
        for (int i = 0; i < states.length; i++) {
            Match m = (Match) NftParser.parse("s", "table ip t {\nchain c {\nct state " + states[i] + "\n}\n}\n")
                    .tables().get(0).chains().get(0).rules().get(0).elements().get(0);
            assertEquals(new Operand.Flags(stateBits[i]), m.value(), states[i]);
        }
        String[] statuses = {"expected", "seen-reply", "assured", "confirmed", "snat", "dnat", "dying"};
        long[] statusBits = {1, 2, 4, 8, 16, 32, 512};
        for (int i = 0; i < statuses.length; i++) {
            Match m = (Match) NftParser.parse("s", "table ip t {\nchain c {\nct status " + statuses[i] + "\n}\n}\n")
                    .tables().get(0).chains().get(0).rules().get(0).elements().get(0);
            assertEquals(new Operand.Flags(statusBits[i]), m.value(), statuses[i]);
        }
    }

    @Test
    void nodesBuiltInCodePrint() {
        Rule r = new Rule(List.of(
                new Match(Selector.IIFNAME, Op.IMPLICIT, new Operand.IfName("eth", true)),
                new Match(Selector.IP6_DADDR, Op.NE, new Operand.SetOf(List.of(
                        IpAddress.parseHost("::1").orElseThrow(),
                        IpAddress.of(IpAddress.parseHost("fe80::").orElseThrow().bytes(), 10)))),
                new Match(Selector.CT_STATE, Op.NE, new Operand.Flags(6)),
                new Match(Selector.CT_STATUS, Op.EQ, new Operand.Flags(4)),
                new Match(Selector.META_L4PROTO, Op.IMPLICIT, new Operand.Num(17)),
                new CounterStatement(-1L, 5),
                new LogStatement(Optional.of("p"), OptionalInt.empty(), LogStatement.Level.INFO),
                new CtMarkSetStatement(0xffffffffL),
                new NotrackStatement(),
                VerdictStatement.goTo("x")), Optional.of("built"), SourcePos.unknown());
        assertEquals("iifname \"eth*\" ip6 daddr != { ::1, fe80::/10 } ct state != established | related"
                + " ct status == assured meta l4proto udp counter packets 18446744073709551615 bytes 5"
                + " log prefix \"p\" level info ct mark set 0xffffffff notrack goto x comment \"built\"", r.toString());
        assertEquals("\"a\\*\"", new Operand.IfName("a*", false).toString());
        assertTrue(new Operand.IfName("eth", true).matches("eth0"));
        assertFalse(new Operand.IfName("eth", false).matches("eth0"));
    }

    @Test
    void constructorsRejectInconsistentNodes() {
        assertThrows(IllegalArgumentException.class, () -> new VerdictStatement(VerdictStatement.Kind.JUMP,
                Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new VerdictStatement(VerdictStatement.Kind.ACCEPT,
                Optional.of("x")));
        assertThrows(IllegalArgumentException.class, () -> new CtMarkSetStatement(1L << 32));
        assertThrows(IllegalArgumentException.class, () -> new LogStatement(Optional.empty(), OptionalInt.of(1),
                LogStatement.Level.INFO));
        assertThrows(IllegalArgumentException.class, () -> new Operand.Range(new Operand.Num(1),
                IpAddress.parseHost("1.1.1.1").orElseThrow()));
        assertThrows(IllegalArgumentException.class, () -> new Operand.SetOf(List.of(new Operand.Flags(1))));
        assertThrows(IllegalArgumentException.class, () -> new Operand.Range(new Operand.Num(5), new Operand.Num(4)));
        assertThrows(ArithmeticException.class, () -> new Operand.Num(1L << 40).intValue());
        assertEquals(8080, new Operand.Num(8080).intValue());
        assertThrows(IllegalArgumentException.class, () -> new NatStatement(NatStatement.Kind.MASQUERADE,
                Optional.of(Family.IP), Optional.empty(), Optional.empty(), Set.of()));
        assertThrows(IllegalArgumentException.class, () -> new NatStatement(NatStatement.Kind.SNAT,
                Optional.empty(), Optional.of(new Operand.Num(1)), Optional.empty(), Set.of()));
        assertThrows(IllegalArgumentException.class, () -> new CtHelperObject("h", "ftp", 1, Family.IP,
                SourcePos.unknown()));
    }

    @Test
    void terminalStatements() {
        assertTrue(VerdictStatement.accept().isTerminal());
        assertTrue(VerdictStatement.jump("x").isTerminal());
        assertTrue(new NatStatement(NatStatement.Kind.REDIRECT, Optional.empty(), Optional.empty(), Optional.empty(),
                Set.of()).isTerminal());
        assertFalse(CounterStatement.zero().isTerminal());
        assertFalse(new NotrackStatement().isTerminal());
        assertFalse(new CtHelperSetStatement("h").isTerminal());
    }

    @Test
    void enumsKnowTheirKernelNumbers() {
        assertEquals(0, Hook.PREROUTING.number());
        assertEquals(4, Hook.POSTROUTING.number());
        assertEquals(2, Family.IP.nfproto());
        assertEquals(10, Family.IP6.nfproto());
        assertEquals(1, Family.INET.nfproto());
        assertEquals(4, NatStatement.Flag.RANDOM.bit());
        assertEquals(16, NatStatement.Flag.FULLY_RANDOM.bit());
        assertEquals(8, NatStatement.Flag.PERSISTENT.bit());
        assertEquals(4, LogStatement.Level.WARN.number());
        assertFalse(ChainType.NAT.allows(Hook.FORWARD));
        assertTrue(ChainType.FILTER.allows(Hook.FORWARD));
        assertEquals(-150, StandardPriority.MANGLE.value());
        assertFalse(StandardPriority.DSTNAT.validFor(Hook.OUTPUT));
        assertTrue(Selector.TCP_DPORT.kind().isOrdered());
        assertTrue(Selector.CT_STATE.kind().isBitmask());
        assertEquals(Family.IP6, Selector.IP6_SADDR.network());
        assertEquals(17, Selector.UDP_SPORT.transport());
    }
}
