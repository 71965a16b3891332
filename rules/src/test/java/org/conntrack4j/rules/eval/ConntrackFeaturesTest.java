package org.conntrack4j.rules.eval;

import static org.conntrack4j.rules.eval.Lab.ACK;
import static org.conntrack4j.rules.eval.Lab.SYN;
import static org.conntrack4j.rules.eval.Lab.tcp;
import static org.conntrack4j.rules.eval.Lab.udp;
import static org.conntrack4j.rules.eval.Lab.v4;
import static org.conntrack4j.rules.eval.Lab.v6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.LocalOutput;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.api.Zone;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.rules.InstalledRuleset;
import org.junit.jupiter.api.Test;

/**
 * The conntrack features of the subset as the kernel runs them: zone templates before conntrack, marks with masks and
 * copies, labels, timeout policies, expectation objects, per-key connection counts and reject.
 */
class ConntrackFeaturesTest {
    private static final String C1 = "198.51.100.10";
    private static final String C2 = "198.51.100.11";
    private static final String SRV = "203.0.113.10";

    private static String table(String objects, String chains) {
        return "table inet t {\n" + objects + chains + "}\n";
    }

    private static String chain(String name, String hook, String prio, String... rules) {
        StringBuilder sb = new StringBuilder("\tchain " + name + " {\n\t\ttype filter hook " + hook + " priority "
            + prio + "; policy accept;\n");
        for (String r : rules) {
            sb.append("\t\t").append(r).append('\n');
        }
        return sb.append("\t}\n").toString();
    }

    /** A packet as received on an Ethernet link from {@code mac}. */
    private static Packet fromMac(Packet p, String mac) {
        byte[] eth = new byte[14];
        String[] b = mac.split(":");
        for (int i = 0; i < 6; i++) {
            eth[6 + i] = (byte) Integer.parseInt(b[i], 16);
        }
        eth[12] = 0x08;
        assertTrue(p.macHeader(eth, 0, 14));
        return p;
    }

    @Test
    void zoneSetByEtherSourceBeforeConntrackAndMatchedOnTheTemplate() throws Exception {
        try (Lab lab = new Lab()) {
            InstalledRuleset rs = lab.install(table("", chain("raw_pre", "prerouting", "raw",
                "iifname \"lan\" ether saddr 02:00:00:00:01:02 ct original zone set 1",
                "ct zone set 5",
                "ct zone 1 ct state new counter",
                "ct original zone 1 ct direction original counter")));
            Packet a = fromMac(v4(C1, SRV, 17, udp(40053, 5353, 4)), "02:00:00:00:01:02");
            lab.forward(a, lab.lan, lab.wan);
            Packet b = fromMac(v4(C1, SRV, 17, udp(40053, 5353, 4)), "02:00:00:00:01:03");
            lab.forward(b, lab.lan, lab.wan);
            assertEquals(1, a.ct.zone(), "the first zone set wins: the template is attached");
            assertEquals(Zone.DIR_ORIGINAL, a.ct.zoneDir());
            assertEquals(5, b.ct.zone());
            assertEquals(Zone.DIR_BOTH, b.ct.zoneDir());
            assertEquals(2, lab.net.table().count(), "the same tuple in two zones (replies apart too)");
            String listing = rs.listing();
            assertTrue(listing.contains("ct zone 1 ct state new counter packets 1 bytes 32"), listing);
            assertTrue(listing.contains("ct original zone 1 ct direction original counter packets 1 bytes 32"),
                listing);
            // without a link-layer header ether saddr cannot load: the rule ends
            Packet c = v4(C2, SRV, 17, udp(40054, 5353, 4));
            lab.forward(c, lab.lan, lab.wan);
            assertEquals(5, c.ct.zone());
        }
    }

    @Test
    void maskedMarksAndMarkCopies() throws Exception {
        try (Lab lab = new Lab()) {
            lab.install(table("", chain("pre", "prerouting", "filter",
                "ct state new ct mark set 0x00000141",
                "ct mark and 0xff == 0x41 meta mark set ct mark",
                "ct mark & 0xf0 != 0x40 meta mark set 0x00000007",
                "ct direction reply ct mark set meta mark")));
            Packet p = v4(C1, SRV, 17, udp(40000, 53, 4));
            lab.forward(p, lab.lan, lab.wan);
            assertEquals(0x141, p.mark);
            assertEquals(0x141, p.ct.mark());
            Packet r = v4(SRV, C1, 17, udp(53, 40000, 4));
            r.mark = 0x99;
            lab.forward(r, lab.wan, lab.lan);
            assertEquals(0x141, r.mark, "the reply takes the connection's mark first");
            assertEquals(0x141, r.ct.mark());
        }
    }

    @Test
    void labelsSetOnceMatchedByBitAndExactly() throws Exception {
        try (Lab lab = new Lab()) {
            lab.install(table("", chain("pre", "prerouting", "filter",
                "ct state new ct label set 3",
                "ct direction reply ct label set 100",
                "ct label 100 ct mark set 0x00000001",
                "ct label == 3 meta mark set 0x00000002",
                "ct label != 3 meta mark set 0x00000003")));
            Packet p = v4(C1, SRV, 17, udp(40000, 53, 4));
            lab.forward(p, lab.lan, lab.wan);
            assertEquals(2, p.mark);
            assertEquals(0, p.ct.mark());
            Packet r = v4(SRV, C1, 17, udp(53, 40000, 4));
            lab.forward(r, lab.wan, lab.lan);
            assertEquals(3, r.mark);
            assertEquals(1, r.ct.mark());
            assertEquals(1L << 3, r.ct.labelsLo());
            assertEquals(1L << 36, r.ct.labelsHi());
            List<ConntrackEvent> ev = lab.events;
            assertTrue(ev.get(0).has(CtEvent.LABEL), "NEW carries the labels");
            assertTrue(ev.get(1).has(CtEvent.LABEL) && ev.get(1).has(CtEvent.MARK), "the reply changed both");
        }
    }

    @Test
    void aTimeoutPolicyGivesTheNewConnectionItsFirstStateAndGoesWithTheRuleset() throws Exception {
        try (Lab lab = new Lab()) {
            InstalledRuleset rs = lab.install(table("\tct timeout u {\n\t\tprotocol udp\n\t\tl3proto ip\n"
                + "\t\tpolicy = { unreplied : 3, replied : 12 }\n\t}\n",
                chain("pre", "prerouting", "filter", "ct state new udp dport 53 ct timeout set \"u\"")));
            Packet p = v4(C1, SRV, 17, udp(40000, 53, 4));
            lab.forward(p, lab.lan, lab.wan);
            Connection ct = p.ct;
            assertEquals(3 * 250, ct.expires(lab.net.now()));
            Packet other = v4(C1, SRV, 17, udp(40001, 54, 4));
            lab.forward(other, lab.lan, lab.wan);
            assertEquals(30 * 250, other.ct.expires(lab.net.now()), "no policy: the setting");
            assertNotNull(ct.timeoutPolicy());
            rs.close();
            assertNull(ct.timeoutPolicy(), "the object went with the ruleset");
            lab.forward(v4(C1, SRV, 17, udp(40000, 53, 4)), lab.lan, lab.wan);
            assertEquals(30 * 250, ct.expires(lab.net.now()));
        }
    }

    @Test
    void anExpectationObjectExpectsThePeerAtThePortAndTakesMillisecondsAsSeconds() throws Exception {
        try (Lab lab = new Lab()) {
            lab.install(table("\tct expectation e {\n\t\tprotocol udp\n\t\tdport 6001\n\t\ttimeout 30s\n"
                + "\t\tsize 1\n\t\tl3proto ip\n\t}\n",
                chain("pre", "prerouting", "filter", "ct state new udp dport 5001 ct expectation set \"e\"")));
            lab.forward(v4(C1, SRV, 17, udp(40000, 5001, 4)), lab.lan, lab.wan);
            List<ExpectationSnapshot> x = lab.net.table().expectations();
            assertEquals(1, x.size());
            assertEquals(30000, x.get(0).timeoutSeconds());
            assertNull(x.get(0).helper());
            Packet back = v4(SRV, C1, 17, udp(33333, 6001, 4));
            lab.forward(back, lab.wan, lab.lan);
            assertEquals(CtInfo.RELATED, back.ctinfo);
            Packet again = v4(SRV, C1, 17, udp(33334, 6001, 4));
            lab.forward(again, lab.wan, lab.lan);
            assertEquals(CtInfo.NEW, again.ctinfo);
        }
    }

    @Test
    void aSetCountsEachSourceAndAdmitsWithLinuxsArithmetic() throws Exception {
        try (Lab lab = new Lab()) {
            InstalledRuleset rs = lab.install(table("\tset per_src {\n\t\ttype ipv4_addr\n\t\tflags dynamic\n\t}\n",
                chain("forward_c", "forward", "filter",
                    "ct state new udp dport 53 add @per_src { ip saddr ct count over 2 } drop")));
            assertTrue(rs.listing().contains("\tset per_src {\n\t\ttype ipv4_addr\n\t\tsize 65535\n\t\tflags dynamic\n"),
                rs.listing());
            assertEquals(Verdict.ACCEPT, lab.forward(v4(C1, SRV, 17, udp(40000, 53, 4)), lab.lan, lab.wan));
            assertEquals(Verdict.ACCEPT, lab.forward(v4(C1, SRV, 17, udp(40001, 53, 4)), lab.lan, lab.wan));
            assertEquals(Verdict.DROP, lab.forward(v4(C1, SRV, 17, udp(40002, 53, 4)), lab.lan, lab.wan));
            assertEquals(Verdict.ACCEPT, lab.forward(v4(C2, SRV, 17, udp(40002, 53, 4)), lab.lan, lab.wan));
            // in the same jiffy the list is not collected: the dropped flow still counts
            assertEquals(Verdict.DROP, lab.forward(v4(C1, SRV, 17, udp(40003, 53, 4)), lab.lan, lab.wan));
            // a jiffy later the flows that were never confirmed are collected, the two live ones stay
            lab.rig.advance(0.004);
            assertEquals(Verdict.DROP, lab.forward(v4(C1, SRV, 17, udp(40004, 53, 4)), lab.lan, lab.wan));
            // the live ones expire (30 s): the source may start again
            lab.rig.advance(31);
            assertEquals(Verdict.ACCEPT, lab.forward(v4(C1, SRV, 17, udp(40005, 53, 4)), lab.lan, lab.wan));
        }
    }

    @Test
    void aFullSetEndsTheRule() throws Exception {
        try (Lab lab = new Lab()) {
            lab.install(table("\tset s {\n\t\ttype ipv4_addr\n\t\tsize 1\n\t\tflags dynamic\n\t}\n",
                chain("forward_c", "forward", "filter", "udp dport 53 add @s { ip saddr } drop")));
            assertEquals(Verdict.DROP, lab.forward(v4(C1, SRV, 17, udp(40000, 53, 4)), lab.lan, lab.wan));
            assertEquals(Verdict.ACCEPT, lab.forward(v4(C2, SRV, 17, udp(40000, 53, 4)), lab.lan, lab.wan));
        }
    }

    @Test
    void rejectAnswersATcpSynWithAResetThroughTheStacksOutput() throws Exception {
        try (Lab lab = new Lab()) {
            List<Packet> sent = new ArrayList<>();
            Registration out = lab.net.services().provideExtension(LocalOutput.class, p -> {
                Packet copy = new Packet();
                copy.load(p.array(), p.head(), p.length(), 14);
                copy.family = p.family;
                copy.ct = p.ct;
                copy.ctinfo = p.ctinfo;
                sent.add(copy);
                return true;
            });
            InstalledRuleset rs = lab.install(table("", chain("forward_c", "forward", "filter",
                "tcp dport 5222 reject with tcp reset", "reject with tcp reset")));
            assertTrue(rs.listing().contains("meta l4proto tcp reject with tcp reset"), rs.listing());
            Packet syn = v4(C1, SRV, 6, tcp(43069, 5222, SYN));
            assertEquals(Verdict.DROP, lab.forward(syn, lab.lan, lab.wan));
            assertEquals(1, sent.size());
            Packet rst = sent.get(0);
            assertEquals(40, rst.length());
            assertEquals(0x4000, rst.u16(6), "DF, no fragment");
            assertEquals(0, rst.u16(4), "id 0");
            assertEquals(64, rst.u8(8));
            assertEquals(SRV, org.conntrack4j.core.inet.Addr.toText(Family.IPV4, 0, rst.u32(12) & 0xffffffffL));
            assertEquals(5222, rst.u16(20));
            assertEquals(43069, rst.u16(22));
            assertEquals(0x14, rst.u8(33), "RST and ACK");
            assertEquals(0x01000001, rst.u32(28), "acknowledges the SYN");
            assertEquals(0, rst.u16(34), "window 0");
            assertTrue(Checksum.l4Valid(rst, 20, 6));
            assertSame(syn.ct, rst.ct);
            assertEquals(CtInfo.RELATED_REPLY, rst.ctinfo);
            assertFalse(syn.ct.isConfirmed(), "the SYN was dropped: never confirmed");
            // UDP does not match: the rule's l4proto test
            assertEquals(Verdict.ACCEPT, lab.forward(v4(C1, SRV, 17, udp(40000, 5222, 4)), lab.lan, lab.wan));
            // an ACK is answered from its acknowledgement number, a RST not at all
            byte[] ack = tcp(43070, 5222, ACK);
            ack[8] = 0x11;
            lab.forward(v4(C1, SRV, 6, ack), lab.lan, lab.wan);
            assertEquals(0x11000000, sent.get(1).u32(24));
            assertEquals(0x04, sent.get(1).u8(33));
            lab.forward(v4(C1, SRV, 6, tcp(43071, 5222, 0x04)), lab.lan, lab.wan);
            assertEquals(2, sent.size());
            // IPv6: nf_send_reset6
            lab.forward(v6("2001:db8:1::10", "2001:db8:2::10", 6, tcp(43072, 5222, SYN)), lab.lan, lab.wan);
            Packet rst6 = sent.get(2);
            assertEquals(Family.IPV6, rst6.family);
            assertEquals(60, rst6.length());
            assertEquals(64, rst6.u8(7));
            assertTrue(Checksum.l4Valid(rst6, 40, 6));
            out.close();
        }
    }

    @Test
    void aConnectionAlreadyTrackedKeepsItsZone() throws Exception {
        try (Lab lab = new Lab()) {
            lab.install(table("", chain("pre", "prerouting", "filter", "ct zone set 9", "ct zone 0 counter")));
            Packet p = v4(C1, SRV, 17, udp(40000, 53, 4));
            lab.forward(p, lab.lan, lab.wan);
            assertEquals(0, p.ct.zone(), "conntrack ran before: the zone set comes too late");
            assertEquals(0, p.ct.zoneId(Direction.ORIGINAL));
        }
    }
}
