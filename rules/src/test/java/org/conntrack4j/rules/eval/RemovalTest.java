package org.conntrack4j.rules.eval;

import static org.conntrack4j.rules.eval.Lab.udp;
import static org.conntrack4j.rules.eval.Lab.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.testkit.FakeNat;
import org.junit.jupiter.api.Test;

/** Closing an installed ruleset unregisters every hook function and NAT chain it registered. */
class RemovalTest {
    private static final String TEXT = "table inet t {\n"
        + "\tchain raw_pre { type filter hook prerouting priority raw; policy accept; }\n"
        + "\tchain input_filter { type filter hook input priority filter; policy drop; }\n"
        + "\tchain forward_filter { type filter hook forward priority filter; policy drop; }\n"
        + "\tchain output_filter { type filter hook output priority filter; policy accept; }\n"
        + "\tchain post_filter { type filter hook postrouting priority 10; policy accept; }\n"
        + "\tchain nat_pre { type nat hook prerouting priority dstnat; policy accept; }\n"
        + "\tchain nat_post { type nat hook postrouting priority srcnat; policy accept; }\n"
        + "}\n"
        + "table ip6 six {\n"
        + "\tchain forward_filter { type filter hook forward priority -5; policy drop; }\n"
        + "}\n";

    @Test
    void closingRemovesEveryHookAndNatChainAndTheirEffect() throws Exception {
        try (Lab lab = new Lab()) {
            FakeNat nat = new FakeNat();
            lab.net.services().provideExtension(Nat.class, nat);
            List<String> v4 = lab.net.packets().describeHooks(Family.IPV4);
            List<String> v6 = lab.net.packets().describeHooks(Family.IPV6);
            InstalledRuleset rs = lab.install(TEXT);
            assertEquals(v4.size() + 5, lab.net.packets().describeHooks(Family.IPV4).size());
            assertEquals(v6.size() + 6, lab.net.packets().describeHooks(Family.IPV6).size());
            assertTrue(lab.net.packets().describeHooks(Family.IPV6).contains("forward -5 nft ip6 six forward_filter"));
            assertEquals(2, nat.chains.size());
            assertEquals(Verdict.DROP, lab.forward(v4("198.51.100.7", "203.0.113.10", 17, udp(1, 2, 0)), lab.lan,
                lab.wan));
            assertFalse(rs.isClosed());

            rs.close();
            assertTrue(rs.isClosed());
            assertEquals(v4, lab.net.packets().describeHooks(Family.IPV4));
            assertEquals(v6, lab.net.packets().describeHooks(Family.IPV6));
            assertTrue(nat.chains.stream().allMatch(c -> c.closed()[0]));
            assertEquals(Verdict.ACCEPT, lab.forward(v4("198.51.100.7", "203.0.113.10", 17, udp(1, 2, 0)), lab.lan,
                lab.wan));
            rs.close(); // twice: harmless
            assertEquals(v4, lab.net.packets().describeHooks(Family.IPV4));
        }
    }

    @Test
    void twoRulesetsInOneEngineAreRemovedIndependently() throws Exception {
        try (Lab lab = new Lab()) {
            List<String> v4 = lab.net.packets().describeHooks(Family.IPV4);
            InstalledRuleset a = lab.install("table ip a {\n\tchain c { type filter hook forward priority 0; "
                + "policy accept; }\n}\n");
            List<String> withA = lab.net.packets().describeHooks(Family.IPV4);
            InstalledRuleset b = lab.install("table ip b {\n\tchain c { type filter hook forward priority 0; "
                + "policy drop; }\n}\n");
            assertNotEquals(withA, lab.net.packets().describeHooks(Family.IPV4));
            b.close();
            assertEquals(withA, lab.net.packets().describeHooks(Family.IPV4));
            a.close();
            assertEquals(v4, lab.net.packets().describeHooks(Family.IPV4));
        }
    }
}
