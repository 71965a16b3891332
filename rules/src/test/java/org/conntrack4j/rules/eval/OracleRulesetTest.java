package org.conntrack4j.rules.eval;

import static org.conntrack4j.rules.eval.Lab.ACK;
import static org.conntrack4j.rules.eval.Lab.SYN;
import static org.conntrack4j.rules.eval.Lab.tcp;
import static org.conntrack4j.rules.eval.Lab.udp;
import static org.conntrack4j.rules.eval.Lab.v4;
import static org.conntrack4j.rules.eval.Lab.v6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.rules.NatRule;
import org.conntrack4j.rules.nft.TestData;
import org.conntrack4j.testkit.FakeNat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The rule shapes of the oracle cases' rulesets (testdata/oracle/cases/NAME/ruleset.nft) on a real engine. */
class OracleRulesetTest {
    private static final String LAN_HOST = "198.51.100.7";
    private static final String WAN_HOST = "203.0.113.10";

    static List<String> cases() {
        return TestData.names();
    }

    private static List<String> rulesetHooks(Lab lab) {
        List<String> out = new ArrayList<>();
        for (int fam : new int[] {Family.IPV4, Family.IPV6}) {
            for (String h : lab.net.packets().describeHooks(fam)) {
                if (h.contains(" nft ")) {
                    out.add(Family.name(fam) + " " + h);
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyOracleRulesetInstallsItsChainsAndRemovesThem(String name) throws Exception {
        try (Lab lab = new Lab()) {
            FakeNat nat = new FakeNat();
            lab.net.services().provideExtension(Nat.class, nat);
            Object[] helper = TestData.helper(name);
            if (helper != null) {
                // the case's helper, under the type name its ct helper object asks for
                lab.plugins.addHelper(new StubHelper((String) helper[0], (Integer) helper[1], true));
            }
            InstalledRuleset rs = lab.install(TestData.ruleset(name));
            List<String> hooks = rulesetHooks(lab);
            assertTrue(hooks.contains("ipv4 prerouting -150 nft inet oracle ctlog"), hooks.toString());
            assertTrue(hooks.contains("ipv6 prerouting -150 nft inet oracle ctlog"), hooks.toString());
            assertTrue(hooks.contains("ipv4 forward 0 nft inet oracle forward"), hooks.toString());
            assertEquals(rs.ruleset().tables().get(0).chains().stream()
                .filter(c -> c.baseSpec().map(s -> s.type().keyword().equals("filter")).orElse(false)).count() * 2,
                hooks.size());
            assertEquals(rs.natRules().size(), nat.chains.size());
            rs.close();
            assertEquals(List.of(), rulesetHooks(lab));
            assertTrue(nat.chains.stream().allMatch(c -> c.closed()[0]));
        }
    }

    /** The ctlog chain logs one line per packet, the first rule whose ct state and direction match. */
    @Test
    void ctlogChainSelectsTheRuleOfEachStateAndDirection() throws Exception {
        try (Lab lab = new Lab(); LogCapture log = new LogCapture(lab)) {
            lab.install(TestData.ruleset("udp"));
            assertEquals(Verdict.ACCEPT, lab.forward(v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 4)), lab.lan, lab.wan));
            assertEquals(List.of("ct=new dir=original"), log.takePrefixes());
            lab.forward(v4(WAN_HOST, LAN_HOST, 17, udp(53, 40000, 4)), lab.wan, lab.lan);
            assertEquals(List.of("ct=established dir=reply"), log.takePrefixes());
            lab.forward(v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 4)), lab.lan, lab.wan);
            assertEquals(List.of("ct=established dir=original"), log.takePrefixes());

            Packet bad = v4(LAN_HOST, WAN_HOST, 17, udp(40001, 53, 4));
            bad.put16(26, bad.u16(26) ^ 0x0101);
            lab.forward(bad, lab.lan, lab.wan);
            assertEquals(List.of("ct=invalid dir=none"), log.takePrefixes());

            // RELATED and UNTRACKED packets as conntrack would hand them over (conntrack leaves them alone)
            Connection ct = lab.net.table().connections(null).get(0);
            for (int ctinfo : new int[] {CtInfo.RELATED, CtInfo.RELATED_REPLY}) {
                Packet p = v4(LAN_HOST, WAN_HOST, 1, new byte[8]);
                p.ct = ct;
                p.ctinfo = ctinfo;
                lab.pre(p, lab.lan);
            }
            assertEquals(List.of("ct=related dir=original", "ct=related dir=reply"), log.takePrefixes());
            Packet untracked = v4(LAN_HOST, WAN_HOST, 17, udp(40002, 53, 4));
            untracked.ctinfo = CtInfo.UNTRACKED;
            lab.pre(untracked, lab.lan);
            assertEquals(List.of("ct=untracked dir=none"), log.takePrefixes());
        }
    }

    @Test
    void ctlogChainSeesIpv6Flows() throws Exception {
        try (Lab lab = new Lab(); LogCapture log = new LogCapture(lab)) {
            lab.install(TestData.ruleset("ipv6_basic"));
            lab.forward(v6("2001:db8:1::7", "2001:db8:2::10", 17, udp(40000, 53, 4)), lab.lan, lab.wan);
            lab.forward(v6("2001:db8:2::10", "2001:db8:1::7", 17, udp(53, 40000, 4)), lab.wan, lab.lan);
            assertEquals(List.of("ct=new dir=original", "ct=established dir=reply"), log.takePrefixes());
        }
    }

    @Test
    void forwardPolicyAcceptsEvenInvalidPackets() throws Exception {
        try (Lab lab = new Lab()) {
            lab.install(TestData.ruleset("tcp_invalid"));
            Packet bad = v4(LAN_HOST, WAN_HOST, 17, udp(40001, 53, 4));
            bad.put16(26, bad.u16(26) ^ 0x0101);
            assertEquals(Verdict.ACCEPT, lab.forward(bad, lab.lan, lab.wan));
            assertNull(bad.ct);
        }
    }

    @Test
    void helpersChainAssignsTheFtpHelperToNewControlConnectionsOnly() throws Exception {
        try (Lab lab = new Lab()) {
            lab.net.services().provideExtension(Nat.class, new FakeNat());
            StubHelper ftp = new StubHelper("ftp", 6, true);
            lab.plugins.addHelper(ftp);
            lab.install(TestData.ruleset("ftp_active_snat"));

            Packet syn = v4(LAN_HOST, WAN_HOST, 6, tcp(40000, 21, SYN));
            lab.pre(syn, lab.lan);
            assertSame(ftp, syn.ct.helper());
            assertTrue(syn.ct.hasStatus(Status.HELPER));
            syn.out = lab.wan;
            lab.net.packets().runHook(Hook.FORWARD, syn);
            lab.net.packets().runHook(Hook.POST_ROUTING, syn);
            assertEquals(1, ftp.packets, "the confirm hook runs the assigned helper");

            // without a TCP tracker connections are told apart by addresses only: another client
            Packet other = v4("198.51.100.8", WAN_HOST, 6, tcp(40001, 22, SYN));
            lab.pre(other, lab.lan);
            assertNull(other.ct.helper());

            Packet syn6 = v6("2001:db8:1::7", "2001:db8:2::10", 6, tcp(40002, 21, SYN));
            lab.pre(syn6, lab.lan);
            assertSame(ftp, syn6.ct.helper(), "l3proto inet serves IPv6 too");

            Packet reply = v4(WAN_HOST, LAN_HOST, 6, tcp(21, 40000, SYN | ACK));
            lab.forward(reply, lab.wan, lab.lan);
            assertSame(ftp, reply.ct.helper());
            assertEquals(2, ftp.packets);
        }
    }

    @Test
    void natPostChainMasqueradesLanSourcesLeavingByWan() throws Exception {
        try (Lab lab = new Lab()) {
            FakeNat nat = new FakeNat();
            lab.net.services().provideExtension(Nat.class, nat);
            InstalledRuleset rs = lab.install(TestData.ruleset("frag_udp"));
            assertEquals(1, nat.chains.size());
            FakeNat.Chain reg = nat.chains.get(0);
            assertEquals(Family.INET, reg.family());
            assertEquals(Hook.POST_ROUTING, reg.hook());
            assertEquals(100, reg.priority());
            assertEquals("nft inet oracle nat_post", reg.owner());

            Packet p = routeAndNat(lab, nat, v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 4)), lab.lan, lab.wan);
            assertEquals(1, nat.calls.size());
            FakeNat.Call c = nat.calls.get(0);
            assertEquals("masquerade", c.kind());
            assertEquals(NatManip.SRC, c.manip());
            assertEquals(0, c.range().flags());
            String origin = "inet oracle nat_post: oifname \"wan\" ip saddr 198.51.100.0/24 masquerade";
            assertEquals(origin, c.origin());
            assertSame(p.ct, c.ct());
            NatRule rule = rs.natRules().get(0);
            assertSame(c.origin(), rule.origin());
            assertEquals(NatManip.SRC, rule.manip());
            assertTrue(rule.bound(nat, p.ct));

            // not leaving by wan, not from the lan prefix, not IPv4: no masquerade
            routeAndNat(lab, nat, v4(WAN_HOST, "198.51.100.8", 17, udp(40000, 53, 4)), lab.wan, lab.lan);
            routeAndNat(lab, nat, v4("10.0.0.1", WAN_HOST, 17, udp(40000, 53, 4)), lab.lan, lab.wan);
            routeAndNat(lab, nat, v6("2001:db8:1::7", "2001:db8:2::10", 17, udp(40000, 53, 4)), lab.lan, lab.wan);
            assertEquals(1, nat.calls.size());

            String listing = rs.natListing();
            assertTrue(listing.startsWith(origin + "\t# test.nft:21:3, 1 connection\n\tudp      17 "), listing);
            assertTrue(listing.contains("src=198.51.100.7 dst=203.0.113.10 sport=40000 dport=53"), listing);
        }
    }

    @Test
    void natPreChainForwardsAPortToTheLanHost() throws Exception {
        try (Lab lab = new Lab()) {
            FakeNat nat = new FakeNat();
            lab.net.services().provideExtension(Nat.class, nat);
            lab.install(TestData.ruleset("dnat_portforward"));
            FakeNat.Chain reg = nat.chains.get(0);
            assertEquals(Hook.PRE_ROUTING, reg.hook());
            assertEquals(-100, reg.priority());

            Packet syn = v4(WAN_HOST, "203.0.113.1", 6, tcp(40000, 8080, SYN));
            lab.pre(syn, lab.wan);
            assertEquals(Verdict.ACCEPT, nat.runChains(Hook.PRE_ROUTING, syn));
            assertEquals(1, nat.calls.size());
            FakeNat.Call c = nat.calls.get(0);
            assertEquals("dnat", c.kind());
            assertEquals(NatManip.DST, c.manip());
            NatRange r = c.range();
            assertEquals(NatRange.MAP_IPS | NatRange.PROTO_SPECIFIED, r.flags());
            assertEquals(Family.IPV4, r.family());
            assertEquals(0xc6336414L, r.minLo());
            assertEquals(0xc6336414L, r.maxLo());
            assertEquals(80, r.minProto());
            assertEquals(80, r.maxProto());
            assertEquals("inet oracle nat_pre: iifname \"wan\" ip daddr 203.0.113.1 tcp dport 8080 dnat ip to "
                + "198.51.100.20:80", c.origin());

            for (Packet p : new Packet[] {v4(WAN_HOST, "203.0.113.1", 6, tcp(40001, 8081, SYN)),
                v4(WAN_HOST, "203.0.113.2", 6, tcp(40002, 8080, SYN)), v4(WAN_HOST, "203.0.113.1", 17,
                    udp(40003, 8080, 4))}) {
                lab.pre(p, lab.wan);
                nat.runChains(Hook.PRE_ROUTING, p);
            }
            Packet fromLan = v4(LAN_HOST, "203.0.113.1", 6, tcp(40004, 8080, SYN));
            lab.pre(fromLan, lab.lan);
            nat.runChains(Hook.PRE_ROUTING, fromLan);
            assertEquals(1, nat.calls.size());
        }
    }

    @Test
    void aNatVerdictOfDropDropsThePacket() throws Exception {
        try (Lab lab = new Lab()) {
            FakeNat nat = new FakeNat();
            nat.verdict = Verdict.DROP;
            lab.net.services().provideExtension(Nat.class, nat);
            lab.install(TestData.ruleset("snat_port_clash"));
            Packet p = v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 4));
            lab.pre(p, lab.lan);
            p.out = lab.wan;
            assertEquals(Verdict.DROP, nat.runChains(Hook.POST_ROUTING, p));
            assertFalse(nat.calls.isEmpty());
        }
    }

    /** Prerouting and forward through the engine, the NAT chains of postrouting, then postrouting (confirm). */
    private static Packet routeAndNat(Lab lab, FakeNat nat, Packet p, org.conntrack4j.core.api.NetDevice in,
        org.conntrack4j.core.api.NetDevice out) {
        lab.pre(p, in);
        p.out = out;
        lab.net.packets().runHook(Hook.FORWARD, p);
        nat.runChains(Hook.POST_ROUTING, p);
        lab.net.packets().runHook(Hook.POST_ROUTING, p);
        return p;
    }
}
