package org.conntrack4j.rules.eval;

import static org.conntrack4j.rules.eval.Lab.SYN;
import static org.conntrack4j.rules.eval.Lab.tcp;
import static org.conntrack4j.rules.eval.Lab.udp;
import static org.conntrack4j.rules.eval.Lab.v4;
import static org.conntrack4j.rules.eval.Lab.v6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.testkit.FakeNat;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogLevel;

/** notrack, ct mark set, ct helper set, log and the NAT statements' ranges. */
class StatementTest {
    private static final String LAN_HOST = "198.51.100.7";
    private static final String WAN_HOST = "203.0.113.10";

    @Test
    void notrackAtRawLeavesPacketsUntracked() throws Exception {
        String text = "table inet raw {\n\tchain pre {\n\t\ttype filter hook prerouting priority raw; policy accept;\n"
            + "\t\tudp dport 53 notrack\n\t}\n"
            + "\tchain ctlog {\n\t\ttype filter hook prerouting priority mangle; policy accept;\n"
            + "\t\tct state untracked counter\n\t}\n}\n";
        try (Lab lab = new Lab()) {
            InstalledRuleset rs = lab.install(text);
            Packet p = v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 4));
            assertEquals(Verdict.ACCEPT, lab.forward(p, lab.lan, lab.wan));
            assertNull(p.ct);
            assertEquals(CtInfo.UNTRACKED, p.ctinfo);
            assertEquals(0, lab.net.table().count());
            assertTrue(rs.listing().contains("ct state untracked counter packets 1 bytes 32"), rs.listing());

            Packet other = v4(LAN_HOST, WAN_HOST, 17, udp(40000, 54, 4));
            lab.forward(other, lab.lan, lab.wan);
            assertEquals(1, lab.net.table().count());
            assertTrue(rs.listing().contains("counter packets 1 bytes 32"));
        }
    }

    @Test
    void notrackAfterConntrackChangesNothing() throws Exception {
        try (Lab lab = new Lab()) {
            lab.install("table ip t {\n\tchain c {\n\t\ttype filter hook prerouting priority 0; policy accept;\n"
                + "\t\tnotrack\n\t}\n}\n");
            Packet p = v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 4));
            lab.forward(p, lab.lan, lab.wan);
            assertEquals(CtInfo.NEW, p.ctinfo);
            assertEquals(1, lab.net.table().count());
        }
    }

    @Test
    void ctMarkSetChangesTheMarkWithAnEventOnlyWhenItDiffers() throws Exception {
        try (Lab lab = new Lab()) {
            InstalledRuleset first = lab.install("table ip t {\n\tchain c {\n\t\ttype filter hook prerouting "
                + "priority mangle; policy accept;\n\t\tudp dport 53 ct mark set 0x2a\n\t}\n}\n");
            Packet p = v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 4));
            lab.forward(p, lab.lan, lab.wan);
            assertEquals(42, p.ct.mark());
            assertEquals(1, lab.events.size());
            assertEquals(ConntrackEvent.NEW, lab.events.get(0).type());
            assertEquals(42, lab.events.get(0).connection().mark());

            lab.forward(v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 4)), lab.lan, lab.wan);
            assertEquals(1, lab.events.size(), "the same mark again: no event");

            first.close();
            InstalledRuleset second = lab.install("table ip t {\n\tchain c {\n\t\ttype filter hook prerouting "
                + "priority mangle; policy accept;\n\t\tct mark set 0x2b\n\t}\n\tchain d {\n\t\ttype filter hook "
                + "prerouting priority 0; policy accept;\n\t\tct mark > 0x2a counter\n\t}\n}\n");
            Packet q = v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 4));
            lab.forward(q, lab.lan, lab.wan);
            assertEquals(43, q.ct.mark());
            assertTrue(second.listing().contains("ct mark > 0x0000002a counter packets 1 bytes 32"), second.listing());
            assertEquals(2, lab.events.size());
            ConntrackEvent update = lab.events.get(1);
            assertEquals(ConntrackEvent.UPDATE, update.type());
            assertTrue(update.has(CtEvent.MARK));
            assertEquals(43, update.connection().mark());
        }
    }

    @Test
    void ctHelperSetKeepsToTheObjectsProtocolFamilyAndToUnconfirmedConnections() throws Exception {
        try (Lab lab = new Lab()) {
            StubHelper ftp = new StubHelper("ftp", 6, true);
            Registration ftpRegistration = lab.plugins.addHelper(ftp);
            // an early connection, confirmed before the rules exist (without a TCP tracker, connections are told
            // apart by their addresses: each flow below has its own client)
            Packet early = v4("198.51.100.99", WAN_HOST, 6, tcp(39999, 21, SYN));
            lab.forward(early, lab.lan, lab.wan);
            lab.install("table inet t {\n\tct helper h4 {\n\t\ttype \"ftp\" protocol tcp\n\t\tl3proto ip\n\t}\n\n"
                + "\tchain c {\n\t\ttype filter hook prerouting priority filter; policy accept;\n"
                + "\t\tmeta l4proto { tcp, udp } ct helper set \"h4\"\n\t}\n}\n");
            Packet v4p = v4(LAN_HOST, WAN_HOST, 6, tcp(40000, 2121, SYN));
            lab.pre(v4p, lab.lan);
            assertSame(ftp, v4p.ct.helper());
            Packet v6p = v6("2001:db8:1::7", "2001:db8:2::10", 6, tcp(40000, 2121, SYN));
            lab.pre(v6p, lab.lan);
            assertNull(v6p.ct.helper(), "l3proto ip: no helper for IPv6 connections");
            Packet udpP = v4(LAN_HOST, WAN_HOST, 17, udp(40000, 2121, 4));
            lab.pre(udpP, lab.lan);
            assertNull(udpP.ct.helper(), "a tcp helper object leaves udp connections alone");
            Packet again = v4("198.51.100.99", WAN_HOST, 6, tcp(39999, 21, Lab.ACK));
            lab.pre(again, lab.lan);
            assertNull(again.ct.helper(), "confirmed connections keep what they have");

            ftpRegistration.close();
            Packet after = v4("198.51.100.8", WAN_HOST, 6, tcp(40001, 2121, SYN));
            assertEquals(Verdict.ACCEPT, lab.pre(after, lab.lan));
            assertNull(after.ct.helper(), "the helper left: nothing to assign");
            StubHelper ftp2 = new StubHelper("ftp", 6, true);
            lab.plugins.addHelper(ftp2);
            Packet back = v4("198.51.100.9", WAN_HOST, 6, tcp(40002, 2121, SYN));
            lab.pre(back, lab.lan);
            assertSame(ftp2, back.ct.helper(), "a helper that comes back is found again");
        }
    }

    @Test
    void logWritesThePrefixAndThePacketAtDebug() throws Exception {
        String ruleset = "table ip t {\n\tchain c {\n\t\ttype filter hook prerouting priority 0; policy accept;\n"
            + "\t\tlog prefix \"seen: \" group 3\n\t}\n}\n";
        try (Lab lab = new Lab()) {
            lab.install(ruleset);
            try (LogCapture log = new LogCapture(lab)) {
                lab.pre(v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 4)), lab.lan);
                assertEquals(List.of("seen: IN=lan OUT= SRC=198.51.100.7 DST=203.0.113.10 LEN=32 TTL=64 ID=4660 "
                    + "PROTO=UDP SPT=40000 DPT=53"), log.lines());
                assertEquals(LogLevel.DEBUG, lab.packetLog.entries().get(0).level());
            }
        }
        try (Lab lab = new Lab(LogLevel.INFO); LogCapture log = new LogCapture(lab)) {
            lab.install(ruleset);
            lab.pre(v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 4)), lab.lan);
            assertEquals(List.of(), log.lines(), "DEBUG not enabled: nothing written");
        }
    }

    @Test
    void natStatementsBuildTheirRangesAndManips() throws Exception {
        String text = "table ip t {\n\tchain post {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
            + "\t\tudp dport 1 snat to 203.0.113.0/30\n"
            + "\t\tudp dport 2 snat to 203.0.113.5-203.0.113.9:1000-2000 random,persistent\n"
            + "\t\tudp dport 3 masquerade to :3000-3100 fully-random\n"
            + "\t\tudp dport 4 masquerade\n"
            + "\t}\n\tchain pre {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
            + "\t\tudp dport 5 dnat to 198.51.100.20\n"
            + "\t\tudp dport 6 redirect to :53\n"
            + "\t\tudp dport 7 dnat to :8053\n"
            + "\t}\n}\n";
        try (Lab lab = new Lab()) {
            FakeNat nat = new FakeNat();
            lab.net.services().provideExtension(Nat.class, nat);
            InstalledRuleset rs = lab.install(text);
            for (int port = 1; port <= 7; port++) {
                Packet p = v4(LAN_HOST, WAN_HOST, 17, udp(40000 + port, port, 4));
                lab.pre(p, lab.lan);
                p.out = lab.wan;
                nat.runChains(port <= 4 ? Hook.POST_ROUTING : Hook.PRE_ROUTING, p);
            }
            assertEquals(7, nat.calls.size());
            check(nat.calls.get(0), "snat", NatManip.SRC, NatRange.MAP_IPS, "203.0.113.0-203.0.113.3");
            check(nat.calls.get(1), "snat", NatManip.SRC, NatRange.MAP_IPS | NatRange.PROTO_SPECIFIED
                | NatRange.PROTO_RANDOM | NatRange.PERSISTENT, "203.0.113.5-203.0.113.9:1000-2000 random persistent");
            check(nat.calls.get(2), "masquerade", NatManip.SRC, NatRange.PROTO_SPECIFIED | NatRange.PROTO_RANDOM_FULLY,
                ":3000-3100 fully-random");
            check(nat.calls.get(3), "masquerade", NatManip.SRC, 0, "(no range)");
            check(nat.calls.get(4), "dnat", NatManip.DST, NatRange.MAP_IPS, "198.51.100.20");
            check(nat.calls.get(5), "redirect", NatManip.DST, NatRange.PROTO_SPECIFIED, ":53");
            check(nat.calls.get(6), "dnat", NatManip.DST, NatRange.PROTO_SPECIFIED, ":8053");
            assertEquals(Family.IPV4, nat.calls.get(0).range().family());
            assertEquals("ip t post: udp dport 3 masquerade to :3000-3100 fully-random", nat.calls.get(2).origin());
            assertEquals(7, rs.natRules().size());
            assertEquals(NatManip.DST, rs.natRules().get(5).manip());
        }
    }

    @Test
    void snatOfTheOtherFamilyInAnInetTableDoesNothingAndTheChainGoesOn() throws Exception {
        String text = "table inet t {\n\tchain post {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
            + "\t\tsnat ip6 to 2001:db8:2::1\n"
            + "\t\tsnat ip to 203.0.113.1\n"
            + "\t}\n}\n";
        try (Lab lab = new Lab()) {
            FakeNat nat = new FakeNat();
            lab.net.services().provideExtension(Nat.class, nat);
            lab.install(text);
            Packet p = v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 4));
            lab.pre(p, lab.lan);
            nat.runChains(Hook.POST_ROUTING, p);
            assertEquals(1, nat.calls.size());
            assertEquals("203.0.113.1", nat.calls.get(0).range().toString());
            Packet q = v6("2001:db8:1::7", "2001:db8:2::10", 17, udp(40000, 53, 4));
            lab.pre(q, lab.lan);
            nat.runChains(Hook.POST_ROUTING, q);
            assertEquals(2, nat.calls.size());
            NatRange r6 = nat.calls.get(1).range();
            assertEquals(Family.IPV6, r6.family());
            assertEquals("2001:db8:2::1", r6.toString());
        }
    }

    @Test
    void natListingPutsEachConnectionUnderTheRuleThatBoundIt() throws Exception {
        String text = "table ip t {\n\tchain post {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
            + "\t\tudp dport 1 masquerade\n\t\tudp dport 2 masquerade\n\t}\n}\n";
        try (Lab lab = new Lab()) {
            FakeNat nat = new FakeNat();
            lab.net.services().provideExtension(Nat.class, nat);
            InstalledRuleset rs = lab.install(text);
            Packet p = v4(LAN_HOST, WAN_HOST, 17, udp(40002, 2, 4));
            lab.pre(p, lab.lan);
            nat.runChains(Hook.POST_ROUTING, p);
            lab.net.packets().runHook(Hook.POST_ROUTING, p);
            // a binding from elsewhere (an earlier ruleset, an expectation)
            Packet q = v4(LAN_HOST, WAN_HOST, 17, udp(40003, 9, 4));
            lab.pre(q, lab.lan);
            nat.setup(q, q.ct, NatRange.ports(-1, 0, 0), NatManip.DST, "expected by 7");
            lab.net.packets().runHook(Hook.POST_ROUTING, q);
            String[] lines = rs.natListing().split("\n");
            assertEquals("ip t post: udp dport 1 masquerade\t# test.nft:4:3, 0 connections", lines[0]);
            assertEquals("ip t post: udp dport 2 masquerade\t# test.nft:5:3, 1 connection", lines[1]);
            assertTrue(lines[2].startsWith("\tudp      17 ") && lines[2].contains("sport=40002 dport=2 "), lines[2]);
            assertEquals("bindings made by no rule of the ruleset in force:", lines[3]);
            assertTrue(lines[4].startsWith("\tdnat by expected by 7: udp      17 ") && lines[4].contains("sport=40003"),
                lines[4]);
            assertEquals(5, lines.length);
            String none = NftRulesets.natListing(lab.net, null);
            assertTrue(none.startsWith("bindings made by no rule of the ruleset in force:\n"), none);
            assertTrue(none.contains("\tsnat by ip t post: udp dport 2 masquerade: udp      17 "), none);
        }
    }

    private static void check(FakeNat.Call c, String kind, int manip, int flags, String range) {
        assertEquals(kind, c.kind());
        assertEquals(manip, c.manip());
        assertEquals(flags, c.range().flags(), "flags of " + c.origin());
        assertEquals(range, c.range().toString());
    }
}
