package org.conntrack4j.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Source NAT and masquerade: which address and port a connection gets, and that it keeps them. */
class SourceNatTest {
    private static final String C1 = "198.51.100.10";
    private static final String C2 = "198.51.100.11";
    private static final String S = "203.0.113.10";
    private static final String S2 = "203.0.113.11";
    private static final String R = "203.0.113.1";

    private final NatRig rig = new NatRig();

    @Test
    void masqueradeKeepsTheSourcePortWhenTheTupleStaysUnique() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        NatRig.Fwd f = rig.forward(Pkts.udp(C1, 40000, S, 9000, "hello", true), rig.lan);
        assertEquals("new/original", f.state());
        assertEquals(R, Pkts.src(f.bytes));
        assertEquals(40000, Pkts.sport(f.bytes));
        assertTrue(Pkts.ipHeaderOk(f.bytes) && Pkts.l4Ok(f.bytes));
        assertTrue(f.ct.hasStatus(Status.SRC_NAT) && f.ct.hasStatus(Status.SRC_NAT_DONE | Status.DST_NAT_DONE));
        assertFalse(f.ct.hasStatus(Status.DST_NAT));
        assertEquals("ipv4     2 udp      17 30 src=198.51.100.10 dst=203.0.113.10 sport=40000 dport=9000 [UNREPLIED] "
            + "src=203.0.113.10 dst=203.0.113.1 sport=9000 dport=40000 mark=0 use=1", rig.line(f.ct));

        NatRig.Fwd r = rig.forward(Pkts.udp(S, 9000, R, 40000, "hi", true), rig.wan);
        assertEquals("established/reply", r.state());
        assertEquals(C1, Pkts.dst(r.bytes));
        assertEquals(40000, Pkts.dport(r.bytes));
        assertEquals(S, Pkts.src(r.bytes));
        assertTrue(Pkts.ipHeaderOk(r.bytes) && Pkts.l4Ok(r.bytes));
    }

    @Test
    void aClashingFlowGetsAnotherPortOfItsClassForItsWholeLife() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        rig.forward(Pkts.tcp(C1, 40000, S, 80, 1000, 0, Pkts.SYN, ""), rig.lan);
        NatRig.Fwd b = rig.forward(Pkts.tcp(C2, 40000, S, 80, 5000, 0, Pkts.SYN, ""), rig.lan);
        int port = Pkts.sport(b.bytes);
        assertNotEquals(40000, port);
        assertTrue(port >= 1024 && port <= 65535, "port " + port);
        assertEquals(port, b.ct.dstPort(Direction.REPLY));
        assertTrue(Pkts.l4Ok(b.bytes));

        NatRig.Fwd synAck = rig.forward(Pkts.tcp(S, 80, R, port, 9000, 5001, Pkts.SYN | Pkts.ACK, ""), rig.wan);
        assertEquals("established/reply", synAck.state());
        assertEquals(C2, Pkts.dst(synAck.bytes));
        assertEquals(40000, Pkts.dport(synAck.bytes));
        NatRig.Fwd ack = rig.forward(Pkts.tcp(C2, 40000, S, 80, 5001, 9001, Pkts.ACK, ""), rig.lan);
        assertEquals(port, Pkts.sport(ack.bytes));
        NatRig.Fwd data = rig.forward(Pkts.tcp(C2, 40000, S, 80, 5001, 9001, Pkts.ACK | Pkts.PSH, "client B\n"),
            rig.lan);
        assertEquals(port, Pkts.sport(data.bytes));
        assertTrue(Pkts.l4Ok(data.bytes));
    }

    @ParameterizedTest
    @CsvSource({"80, 1, 511", "700, 600, 1023", "1023, 600, 1023", "511, 1, 511", "1024, 1024, 65535"})
    void aClashingPortStaysInItsClass(int sport, int min, int max) {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        rig.forward(Pkts.udp(C1, sport, S, 5000, "a", true), rig.lan);
        NatRig.Fwd b = rig.forward(Pkts.udp(C2, sport, S, 5000, "b", true), rig.lan);
        int port = Pkts.sport(b.bytes);
        assertNotEquals(sport, port);
        assertTrue(port >= min && port <= max, "port " + port);
    }

    @Test
    void aPortRangeMovesPortsIntoTheRangeAndKeepsOnesAlreadyInIt() {
        rig.masquerade("wan", NatRange.ports(10000, 10005, 0));
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            NatRig.Fwd f = rig.forward(Pkts.udp(C1, 40000 + i, S, 53, "q", true), rig.lan);
            int p = Pkts.sport(f.bytes);
            assertTrue(p >= 10000 && p <= 10005, "port " + p);
            ports.add(p);
        }
        assertEquals(6, ports.size(), "unique: " + ports);
        // The range is full: the next flow finds no free port; its reply tuple clashes and confirmation drops it.
        NatRig.Fwd full = rig.forward(Pkts.udp(C1, 40010, S, 53, "q", true), rig.lan);
        assertEquals(Verdict.DROP, full.verdict);
        assertEquals(6, rig.net.table().count());

        NatRig other = new NatRig();
        other.masquerade("wan", NatRange.ports(10000, 10005, 0));
        NatRig.Fwd kept = other.forward(Pkts.udp(C1, 10003, S, 53, "q", true), other.lan);
        assertEquals(10003, Pkts.sport(kept.bytes));
    }

    @Test
    void aSinglePortRangeIsUsedEvenWhenItIsTaken() {
        // min == max: the port is taken as it is (get_unique_tuple does not check uniqueness then).
        rig.snat("wan", NatRig.to4(R, 7777, 7777, 0));
        assertEquals(7777, Pkts.sport(rig.forward(Pkts.udp(C1, 1111, S, 53, "q", true), rig.lan).bytes));
        NatRig.Fwd second = rig.forward(Pkts.udp(C2, 2222, S, 53, "q", true), rig.lan);
        assertEquals(Verdict.DROP, second.verdict, "the clash is only found at confirmation");
    }

    @Test
    void twoFlowsFromOneClientPortKeepTheSameMapping() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        // C2 takes R:5000 towards S; C1's flow from port 5000 to S must move, to some port P.
        rig.forward(Pkts.udp(C2, 5000, S, 53, "q", true), rig.lan);
        int p = Pkts.sport(rig.forward(Pkts.udp(C1, 5000, S, 53, "q", true), rig.lan).bytes);
        assertNotEquals(5000, p);
        // Towards S2, port 5000 would be free, but the client's existing mapping R:P is reused.
        NatRig.Fwd f = rig.forward(Pkts.udp(C1, 5000, S2, 53, "q", true), rig.lan);
        assertEquals(p, Pkts.sport(f.bytes));
        assertEquals(R, Pkts.src(f.bytes));
    }

    @Test
    void randomAndFullyRandomPickPortsEvenWhenTheTupleIsUnique() {
        for (int flag : new int[] {NatRange.PROTO_RANDOM, NatRange.PROTO_RANDOM_FULLY}) {
            NatRig r = new NatRig();
            r.masquerade("wan", NatRange.ports(-1, -1, flag));
            Set<Integer> moved = new HashSet<>();
            for (int i = 0; i < 8; i++) {
                NatRig.Fwd f = r.forward(Pkts.udp(C1, 40000 + i, S, 53, "q", true), r.lan);
                int p = Pkts.sport(f.bytes);
                assertTrue(p >= 1024, "port " + p);
                if (p != 40000 + i) {
                    moved.add(p);
                }
                // The reply still finds its way back.
                NatRig.Fwd back = r.forward(Pkts.udp(S, 53, R, p, "a", true), r.wan);
                assertEquals(40000 + i, Pkts.dport(back.bytes));
            }
            assertTrue(moved.size() >= 7, "random ports: " + moved);
        }
    }

    @Test
    void persistentMapsAClientToOneAddressWhateverTheServer() {
        rig.snat("wan", NatRig.range4("203.0.113.50", "203.0.113.60", -1, -1, NatRange.PERSISTENT));
        String a = Pkts.src(rig.forward(Pkts.udp(C1, 1000, S, 53, "q", true), rig.lan).bytes);
        for (int i = 0; i < 5; i++) {
            String b = Pkts.src(rig.forward(Pkts.udp(C1, 2000 + i, "203.0.113." + (70 + i), 53, "q", true),
                rig.lan).bytes);
            assertEquals(a, b);
        }
    }

    /**
     * The kernel probes of {@link AddressRangeTest} replayed through NAT in the order they were sent (each client
     * from port 41000 to each server in turn): every connection gets the kernel's address, and keeps port 41000
     * exactly where the kernel did (elsewhere the kernel picked a random port, and so do we).
     */
    @ParameterizedTest
    @CsvSource({"snat4, 203.0.113.50, 203.0.113.60, 0", "snat4p, 203.0.113.50, 203.0.113.60, 8",
        "snat4wide, 203.0.113.100, 203.0.114.20, 0", "snat6, 2001:db8:2::100, 2001:db8:2::1ff, 0",
        "snat6wide, 2001:db8:2::ffff:fff0, 2001:db8:2::1:0:20, 0"})
    void addressRangesMatchTheKernelConnectionByConnection(String scenario, String min, String max, int flags)
        throws Exception {
        long[] lo = AddressRangeTest.address(min);
        long[] hi = AddressRangeTest.address(max);
        int family = min.contains(":") ? org.conntrack4j.core.api.Family.IPV6 : org.conntrack4j.core.api.Family.IPV4;
        rig.snat("wan", new NatRange(NatRange.MAP_IPS | flags, family, lo[0], lo[1], hi[0], hi[1], 0, 0));
        List<List<String>> rows = KernelProbes.rangeRows(scenario);
        boolean v6 = family == org.conntrack4j.core.api.Family.IPV6;
        String[] clients = v6 ? new String[] {"2001:db8:1::10", "2001:db8:1::11", "2001:db8:1::12", "2001:db8:1::13",
            "2001:db8:1::14", "2001:db8:1::15", "2001:db8:1::abcd:1", "2001:db8:1::abcd:2", "2001:db8:1::abcd:3"}
            : new String[12];
        if (!v6) {
            for (int i = 0; i < 12; i++) {
                clients[i] = "198.51.100." + (10 + i);
            }
        }
        String[] servers = v6 ? new String[] {"2001:db8:2::10", "2001:db8:2::99"}
            : new String[] {"203.0.113.10", "203.0.113.11", "203.0.113.77"};
        int n = 0;
        for (String c : clients) {
            for (String s : servers) {
                NatRig.Fwd f = rig.forward(Pkts.udp(c, 41000, s, 9000, "x", true), rig.lan);
                List<String> k = row(rows, c, s);
                assertNotNull(k, c + " -> " + s);
                assertEquals(k.get(5), Pkts.src(f.bytes), c + " -> " + s);
                assertEquals(k.get(7).equals("41000"), Pkts.sport(f.bytes) == 41000, c + " -> " + s + " port");
                n++;
            }
        }
        assertEquals(rows.size(), n);
    }

    private static List<String> row(List<List<String>> rows, String client, String server) {
        for (List<String> r : rows) {
            if (r.get(0).equals(client) && r.get(1).equals(server)) {
                return r;
            }
        }
        return null;
    }

    @Test
    void changingTheRulesDoesNotMoveExistingFlows() {
        Registration first = rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        rig.forward(Pkts.udp(C1, 40000, S, 9000, "a", true), rig.lan);
        first.close();
        rig.masquerade("wan", NatRange.ports(20000, 20010, 0));
        NatRig.Fwd old = rig.forward(Pkts.udp(C1, 40000, S, 9000, "b", true), rig.lan);
        assertEquals(40000, Pkts.sport(old.bytes), "the existing flow keeps its binding");
        NatRig.Fwd fresh = rig.forward(Pkts.udp(C1, 40001, S, 9000, "c", true), rig.lan);
        int p = Pkts.sport(fresh.bytes);
        assertTrue(p >= 20000 && p <= 20010, "the new rule binds new flows: " + p);
    }

    @Test
    void natHooksExistOnlyWhileNatChainsDo() {
        NatRig.Fwd before = rig.forward(Pkts.udp(C1, 40000, S, 9000, "a", true), rig.lan);
        assertEquals(0, before.ct.status() & Status.NAT_DONE_MASK, "no NAT chain, no binding (as Linux)");
        assertTrue(rig.net.packets().describeHooks(org.conntrack4j.core.api.Family.IPV4).stream().noneMatch(h -> h.contains("nat")));
        Registration chain = rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        assertEquals(4, rig.net.packets().describeHooks(org.conntrack4j.core.api.Family.IPV6).stream()
            .filter(h -> h.contains("nat (org.conntrack4j.nat)")).count());
        NatRig.Fwd after = rig.forward(Pkts.udp(C1, 40001, S, 9000, "a", true), rig.lan);
        assertEquals(Status.NAT_DONE_MASK, after.ct.status() & Status.NAT_DONE_MASK);
        chain.close();
        assertTrue(rig.net.packets().describeHooks(org.conntrack4j.core.api.Family.IPV4).stream().noneMatch(h -> h.contains("nat")));
    }

    @Test
    void aLocalConnectionClashingWithAMasqueradedReplyGetsAnotherPort() {
        // nf_nat_used_tuple's example: C1:1234 -> S:80 is masqueraded to R:1234; then the router itself opens
        // R:1234 -> S:80. No rule applies to it (masquerade is for wan2 only), yet its null binding must move it.
        rig.masquerade("wan2", NatRange.ports(-1, -1, 0));
        rig.snat("wan", NatRig.to4(R, -1, -1, 0));
        rig.forward(Pkts.tcp(C1, 1234, S, 80, 1, 0, Pkts.SYN, ""), rig.lan);
        NatRig.Fwd local = rig.output(Pkts.tcp(R, 1234, S, 80, 77, 0, Pkts.SYN, ""));
        assertEquals(Verdict.ACCEPT, local.verdict);
        assertNotEquals(1234, Pkts.sport(local.bytes));
        assertTrue(Pkts.l4Ok(local.bytes));
        assertEquals(2, rig.net.table().count());
    }

    @Test
    void listingsNameTheRulesAndTheirConnections() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        NatRig.Fwd f = rig.forward(Pkts.udp(C1, 40000, S, 9000, "a", true), rig.lan);
        rig.forward(Pkts.udp(C1, 40001, "198.51.100.99", 9000, "lan to lan", true), rig.lan);
        assertEquals(List.of("ipv4 postrouting priority 100 snat: test masquerade",
            "ipv6 postrouting priority 100 snat: test masquerade"), rig.nat.describeChains());
        List<Connection> bound = rig.nat.boundConnections();
        assertEquals(1, bound.size());
        assertEquals(f.ct, bound.get(0));
        assertEquals("masquerade via wan", rig.nat.origin(f.ct, NatManip.SRC));
        assertEquals(null, rig.nat.origin(f.ct, NatManip.DST));
        assertTrue(rig.nat.hasBinding(f.ct, NatManip.DST), "a null binding is a binding");
    }
}
