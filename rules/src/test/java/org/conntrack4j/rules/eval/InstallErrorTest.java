package org.conntrack4j.rules.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.rules.RulesetInstallException;
import org.conntrack4j.rules.nft.RulesetParseException;
import org.conntrack4j.rules.nft.TestData;
import org.conntrack4j.testkit.FakeNat;
import org.junit.jupiter.api.Test;

/** A ruleset needing a plug-in the engine lacks is refused whole, with a message naming the place and the bundle. */
class InstallErrorTest {
    private static RulesetInstallException installFails(Lab lab, String name, String text) {
        List<String> before4 = lab.net.packets().describeHooks(Family.IPV4);
        List<String> before6 = lab.net.packets().describeHooks(Family.IPV6);
        RulesetInstallException e = assertThrows(RulesetInstallException.class,
            () -> new NftRulesets().install(lab.net, name, text));
        assertEquals(before4, lab.net.packets().describeHooks(Family.IPV4), "a refused ruleset leaves no hook behind");
        assertEquals(before6, lab.net.packets().describeHooks(Family.IPV6));
        return e;
    }

    @Test
    void masqueradeWithoutNatNamesTheRuleAndTheNatBundle() {
        try (Lab lab = new Lab()) {
            lab.plugins.addHelper(new StubHelper("ftp", 6, true));
            RulesetInstallException e = installFails(lab, "ruleset.nft", TestData.ruleset("ftp_active_snat"));
            assertEquals("ruleset.nft:31:3: chain nat_post: \"masquerade\" needs NAT, which bundle org.conntrack4j.nat "
                + "provides; it is not installed", e.getMessage());
            assertEquals(31, e.line());
            assertEquals(3, e.column());
        }
    }

    @Test
    void dnatWithoutNatNamesTheRule() {
        try (Lab lab = new Lab()) {
            RulesetInstallException e = installFails(lab, "ruleset.nft", TestData.ruleset("dnat_portforward"));
            assertEquals("ruleset.nft:21:3: chain nat_pre: \"dnat\" needs NAT, which bundle org.conntrack4j.nat "
                + "provides; it is not installed", e.getMessage());
        }
    }

    @Test
    void anEmptyNatChainStillNeedsNat() {
        try (Lab lab = new Lab()) {
            String text = "table ip t {\n\tchain pre {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
                + "\t}\n}\n";
            RulesetInstallException e = installFails(lab, "x.nft", text);
            assertEquals("x.nft:2:2: chain pre: a nat chain needs NAT, which bundle org.conntrack4j.nat provides; it is "
                + "not installed", e.getMessage());
        }
    }

    @Test
    void ctHelperObjectWithoutItsHelperNamesTheObjectAndTheHelperBundle() {
        try (Lab lab = new Lab()) {
            lab.net.services().provideExtension(Nat.class, new FakeNat());
            RulesetInstallException e = installFails(lab, "ruleset.nft", TestData.ruleset("ftp_passive_snat"));
            assertEquals("ruleset.nft:2:2: ct helper \"ftp_helper\": no helper of type \"ftp\" for tcp is registered "
                + "(bundle org.conntrack4j.helper.ftp provides it)", e.getMessage());
        }
    }

    @Test
    void aHelperOfTheOtherFamilyDoesNotCount() throws Exception {
        try (Lab lab = new Lab()) {
            lab.plugins.addHelper(new StubHelper("ftp", 6, false));
            String text = "table ip6 t {\n\tct helper h {\n\t\ttype \"ftp\" protocol tcp\n\t}\n}\n";
            RulesetInstallException e = installFails(lab, "x.nft", text);
            assertEquals("x.nft:2:2: ct helper \"h\": no helper of type \"ftp\" for tcp over IPv6 is registered (bundle "
                + "org.conntrack4j.helper.ftp provides it)", e.getMessage());
            // the same object in an ip table is served by it
            String v4 = "table ip t {\n\tct helper h {\n\t\ttype \"ftp\" protocol tcp\n\t}\n}\n";
            try (InstalledRuleset r = lab.install(v4)) {
                assertFalse(r.isClosed());
                assertTrue(r.listing().contains("ct helper h {"), r.listing());
                assertTrue(lab.net.services().helper("ftp", Family.IPV4, 6) != null);
            }
        }
    }

    @Test
    void aHelperTypeNoBundleProvidesSaysSo() {
        try (Lab lab = new Lab()) {
            String text = "table inet t {\n\tct helper t {\n\t\ttype \"snmp\" protocol udp\n\t\tl3proto ip\n\t}\n}\n";
            RulesetInstallException e = installFails(lab, "x.nft", text);
            assertEquals("x.nft:2:2: ct helper \"t\": no helper of type \"snmp\" for udp over IPv4 is registered (no "
                + "bundle of conntrack4j provides that type; a helper bundle registering it is needed)", e.getMessage());
        }
    }

    @Test
    void aNatThatRefusesTheChainUndoesTheHooksAlreadyRegistered() {
        try (Lab lab = new Lab()) {
            FakeNat nat = new FakeNat() {
                @Override
                public Registration registerChain(int family, int hook, int priority,
                    org.conntrack4j.core.spi.HookFunction chain, String owner) {
                    throw new IllegalStateException("NAT of engine test is gone");
                }
            };
            lab.net.services().provideExtension(Nat.class, nat);
            RulesetInstallException e = installFails(lab, "ruleset.nft", TestData.ruleset("frag_udp"));
            assertEquals("ruleset.nft:19:2: chain nat_post: cannot be registered: NAT of engine test is gone",
                e.getMessage());
        }
    }

    @Test
    void parseErrorsKeepTheirPosition() {
        try (Lab lab = new Lab()) {
            RulesetParseException e = assertThrows(RulesetParseException.class, () -> new NftRulesets().install(lab.net,
                "x.nft", "table ip t {\n\tchain c {\n\t\tqueue\n\t}\n}\n"));
            assertTrue(e.getMessage().startsWith("x.nft:3:3: "), e.getMessage());
        }
    }
}
