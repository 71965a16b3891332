package org.conntrack4j.rules.eval;

import static org.conntrack4j.rules.eval.Lab.SYN;
import static org.conntrack4j.rules.eval.Lab.concat;
import static org.conntrack4j.rules.eval.Lab.ext8;
import static org.conntrack4j.rules.eval.Lab.fragHdr;
import static org.conntrack4j.rules.eval.Lab.tcp;
import static org.conntrack4j.rules.eval.Lab.udp;
import static org.conntrack4j.rules.eval.Lab.v4;
import static org.conntrack4j.rules.eval.Lab.v6;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.rules.InstalledRuleset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every selector and operator of the subset against hand-built packets, with nft's semantics (see
 * {@link MatchCompiler}): the rule under test drops what it matches, in a prerouting chain at priority -150
 * (after conntrack) unless a row says otherwise.
 */
class MatchSemanticsTest {
    private static final String LAN_HOST = "198.51.100.7";
    private static final String WAN_HOST = "203.0.113.10";
    private static final String LAN6 = "2001:db8:1::7";
    private static final String WAN6 = "2001:db8:2::10";

    /** How a row's packet reaches the rule. */
    enum Path { PRE_FROM_LAN, PRE_FROM_WAN, FORWARD_LAN_TO_WAN }

    /** A packet scenario: traffic sent before the packet under test (to build connection state), then the packet. */
    record Scenario(String name, Function<Lab, Packet> setupAndPacket) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<Arguments> ROWS = new ArrayList<>();

    private static void row(String rule, Scenario s, boolean matches) {
        row(rule, s == REPLY ? Path.PRE_FROM_WAN : Path.PRE_FROM_LAN, -150, s, matches);
    }

    private static void row(String rule, Path path, int priority, Scenario s, boolean matches) {
        ROWS.add(Arguments.of(rule, path, priority, s, matches));
    }

    private static Scenario pkt(String name, Function<Lab, Packet> f) {
        return new Scenario(name, f);
    }

    private static Scenario tcp4(int sport, int dport) {
        return pkt("tcp4 " + sport + ">" + dport, l -> v4(LAN_HOST, WAN_HOST, 6, tcp(sport, dport, SYN)));
    }

    private static Scenario udp4(String src, String dst, int dport) {
        return pkt("udp4 " + src + ">" + dst + ":" + dport, l -> v4(src, dst, 17, udp(40000, dport, 4)));
    }

    private static Scenario udp6(String src, String dst, int dport) {
        return pkt("udp6 " + src + ">" + dst + ":" + dport, l -> v6(src, dst, 17, udp(40000, dport, 4)));
    }

    /** The first datagram of a flow: ct state new, direction original. */
    private static final Scenario NEW = udp4(LAN_HOST, WAN_HOST, 53);

    /** The answer to {@link #NEW}: established, reply. */
    private static final Scenario REPLY = pkt("udp4 reply", l -> {
        l.forward(v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 4)), l.lan, l.wan);
        return v4(WAN_HOST, LAN_HOST, 17, udp(53, 40000, 4));
    });

    /** A datagram whose checksum is wrong: conntrack finds it invalid (no connection). */
    private static final Scenario INVALID = pkt("udp4 bad checksum", l -> {
        Packet p = v4(LAN_HOST, WAN_HOST, 17, udp(40001, 53, 4));
        p.put16(26, p.u16(26) ^ 0x5555);
        return p;
    });

    static {
        // ---- ports: value, !=, range, set, relational; implicit protocol dependency ----
        row("tcp dport 22", tcp4(1000, 22), true);
        row("tcp dport 22", tcp4(1000, 23), false);
        row("tcp dport 22", udp4(LAN_HOST, WAN_HOST, 22), false);
        row("tcp dport != 22", tcp4(1000, 23), true);
        row("tcp dport != 22", tcp4(1000, 22), false);
        row("tcp dport != 22", udp4(LAN_HOST, WAN_HOST, 23), false);
        row("tcp dport 1-1024", tcp4(1000, 1024), true);
        row("tcp dport 1-1024", tcp4(1000, 1025), false);
        row("tcp dport != 1-1024", tcp4(1000, 1025), true);
        row("tcp dport != 1-1024", tcp4(1000, 80), false);
        row("tcp dport { 22, 80, 8000-8080 }", tcp4(1000, 80), true);
        row("tcp dport { 22, 80, 8000-8080 }", tcp4(1000, 8050), true);
        row("tcp dport { 22, 80, 8000-8080 }", tcp4(1000, 81), false);
        row("tcp dport != { 22, 80 }", tcp4(1000, 23), true);
        row("tcp dport != { 22, 80 }", tcp4(1000, 80), false);
        row("tcp dport < 1024", tcp4(1000, 1023), true);
        row("tcp dport < 1024", tcp4(1000, 1024), false);
        row("tcp dport <= 1024", tcp4(1000, 1024), true);
        row("tcp dport > 1024", tcp4(1000, 1025), true);
        row("tcp dport > 1024", tcp4(1000, 1024), false);
        row("tcp dport >= 1024", tcp4(1000, 1024), true);
        row("tcp dport >= 1024", tcp4(1000, 1023), false);
        row("tcp sport 1000", tcp4(1000, 22), true);
        row("tcp sport 1000", tcp4(1001, 22), false);
        row("udp dport 53", NEW, true);
        row("udp sport 40000", NEW, true);
        row("udp sport 40000", tcp4(40000, 22), false);

        // ---- IPv4 addresses: prefix, range, set, relational (unsigned), other family ----
        row("ip saddr 198.51.100.0/24", udp4("198.51.100.7", WAN_HOST, 1), true);
        row("ip saddr 198.51.100.0/24", udp4("198.51.101.7", WAN_HOST, 1), false);
        row("ip saddr 198.51.100.0/24", udp6(LAN6, WAN6, 1), false);
        row("ip saddr != 198.51.100.0/24", udp4("10.0.0.1", WAN_HOST, 1), true);
        row("ip saddr != 198.51.100.0/24", udp6(LAN6, WAN6, 1), false);
        row("ip daddr 203.0.113.10-203.0.113.20", udp4(LAN_HOST, "203.0.113.15", 1), true);
        row("ip daddr 203.0.113.10-203.0.113.20", udp4(LAN_HOST, "203.0.113.21", 1), false);
        row("ip daddr { 203.0.113.1, 10.0.0.0/8 }", udp4(LAN_HOST, "10.2.3.4", 1), true);
        row("ip daddr { 203.0.113.1, 10.0.0.0/8 }", udp4(LAN_HOST, "203.0.113.1", 1), true);
        row("ip daddr { 203.0.113.1, 10.0.0.0/8 }", udp4(LAN_HOST, "203.0.113.2", 1), false);
        row("ip daddr > 127.0.0.1", udp4(LAN_HOST, "200.0.0.1", 1), true);
        row("ip daddr > 127.0.0.1", udp4(LAN_HOST, "127.0.0.1", 1), false);
        row("ip daddr < 203.0.113.10", udp4(LAN_HOST, "203.0.113.9", 1), true);

        // ---- IPv6 addresses ----
        row("ip6 saddr 2001:db8:1::/64", udp6("2001:db8:1::5", WAN6, 1), true);
        row("ip6 saddr 2001:db8:1::/64", udp6("2001:db8:2::5", WAN6, 1), false);
        row("ip6 saddr 2001:db8:1::/64", udp4(LAN_HOST, WAN_HOST, 1), false);
        row("ip6 saddr != 2001:db8:1::/64", udp4(LAN_HOST, WAN_HOST, 1), false);
        row("ip6 daddr 2001:db8:2::10-2001:db8:2::20", udp6(LAN6, "2001:db8:2::15", 1), true);
        row("ip6 daddr 2001:db8:2::10-2001:db8:2::20", udp6(LAN6, "2001:db8:2::21", 1), false);
        row("ip6 daddr != { 2001:db8:2::1, 2001:db8:3::/48 }", udp6(LAN6, "2001:db8:2::2", 1), true);
        row("ip6 daddr != { 2001:db8:2::1, 2001:db8:3::/48 }", udp6(LAN6, "2001:db8:3:1::1", 1), false);
        row("ip6 saddr < 2001:db8:1::8", udp6("2001:db8:1::7", WAN6, 1), true);
        row("ip6 saddr < 2001:db8:1::8", udp6("2001:db8:1::8", WAN6, 1), false);
        row("ip6 daddr > 2001:db8:2:0:ffff:ffff:ffff:ffff", udp6(LAN6, "2001:db8:2:1::", 1), true);
        row("ip6 daddr > 2001:db8:2:0:ffff:ffff:ffff:ffff", udp6(LAN6, "2001:db8:2:0:ffff:ffff:ffff:ffff", 1),
            false);
        row("ip6 daddr >= 2001:db8:2:1::", udp6(LAN6, "2001:db8:2:0:ffff:ffff:ffff:ffff", 1), false);
        row("ip6 daddr <= 2001:db8:2:1::", udp6(LAN6, "2001:db8:2:0:ffff:ffff:ffff:ffff", 1), true);

        // ---- protocols: meta l4proto (nft's own header walk), ip protocol, ip6 nexthdr (the first header) ----
        row("meta l4proto udp", NEW, true);
        row("meta l4proto udp", tcp4(1, 2), false);
        row("meta l4proto { tcp, udp }", tcp4(1, 2), true);
        row("meta l4proto { tcp, udp }", pkt("icmp4", l -> v4(LAN_HOST, WAN_HOST, 1, new byte[8])), false);
        row("meta l4proto != udp", tcp4(1, 2), true);
        row("ip protocol tcp", tcp4(1, 2), true);
        row("ip protocol tcp", pkt("tcp6", l -> v6(LAN6, WAN6, 6, tcp(1, 2, SYN))), false);
        row("ip protocol != tcp", pkt("tcp6", l -> v6(LAN6, WAN6, 6, tcp(1, 2, SYN))), false);
        row("ip6 nexthdr tcp", pkt("tcp6", l -> v6(LAN6, WAN6, 6, tcp(1, 2, SYN))), true);
        row("ip6 nexthdr != tcp", udp4(LAN_HOST, WAN_HOST, 1), false);
        Scenario hopTcp = pkt("tcp6 after hop-by-hop", l -> v6(LAN6, WAN6, 0, concat(ext8(6), tcp(1, 22, SYN)), 48, 6));
        row("ip6 nexthdr tcp", hopTcp, false);
        row("ip6 nexthdr 0", hopTcp, true);
        row("meta l4proto tcp", hopTcp, true);
        row("tcp dport 22", hopTcp, true);
        row("meta nfproto ipv6", udp6(LAN6, WAN6, 1), true);
        row("meta nfproto ipv6", NEW, false);
        row("meta nfproto ipv4", NEW, true);

        // ---- interfaces ----
        row("iifname \"lan\"", NEW, true);
        row("iifname \"lan\"", Path.PRE_FROM_WAN, -150, NEW, false);
        row("iifname \"l*\"", NEW, true);
        row("iifname \"la*\"", Path.PRE_FROM_WAN, -150, NEW, false);
        row("iifname != \"lan\"", Path.PRE_FROM_WAN, -150, NEW, true);
        row("iifname { \"wan\", \"x*\" }", Path.PRE_FROM_WAN, -150, NEW, true);
        row("iifname { \"wan\", \"x*\" }", NEW, false);
        row("iif 1", NEW, true);
        row("iif \"wan\"", Path.PRE_FROM_WAN, -150, NEW, true);
        row("iif \"wan\"", NEW, false);
        row("oifname \"wan\"", NEW, false);
        row("oifname != \"wan\"", NEW, true);
        row("oifname \"wan\"", Path.FORWARD_LAN_TO_WAN, 0, NEW, true);
        row("oif 2", Path.FORWARD_LAN_TO_WAN, 0, NEW, true);
        row("oif \"lan\"", Path.FORWARD_LAN_TO_WAN, 0, NEW, false);

        // ---- ct state (bits), ct direction, ct status, ct mark ----
        row("ct state new", NEW, true);
        row("ct state new", REPLY, false);
        row("ct state established", REPLY, true);
        row("ct state new,established", NEW, true);
        row("ct state new,established", REPLY, true);
        row("ct state == new,established", NEW, false);
        row("ct state != established", NEW, true);
        row("ct state != established", REPLY, false);
        row("ct state { new, established }", NEW, true);
        row("ct state != { new, established }", NEW, false);
        row("ct state != { new, established }", INVALID, true);
        row("ct state invalid", INVALID, true);
        row("ct state invalid", NEW, false);
        row("ct state invalid", Path.PRE_FROM_LAN, -300, NEW, true); // before conntrack nothing is attached yet
        row("ct state == invalid", INVALID, true);
        row("ct direction original", NEW, true);
        row("ct direction reply", REPLY, true);
        row("ct direction reply", NEW, false);
        row("ct direction != reply", INVALID, false); // no connection: the load fails, whatever the operator
        row("ct direction != reply", NEW, true);
        row("ct status seen-reply", REPLY, true);
        row("ct status seen-reply", NEW, false);
        row("ct status confirmed", REPLY, true);
        row("ct status != confirmed", NEW, true);
        row("ct status == seen-reply", REPLY, false); // the whole value is seen-reply|confirmed
        row("ct status == seen-reply,confirmed", REPLY, true);
        row("ct status { seen-reply }", REPLY, true); // a one-element flag set tests the bit, as nft compiles it
        row("ct status == { seen-reply }", REPLY, false);
        row("ct mark 0x0", NEW, true);
        row("ct mark 0x0", INVALID, false);
        row("ct mark != 0x1", INVALID, false);
        row("ct mark != 0x1", NEW, true);
        row("ct mark { 0x0, 0x5-0x7 }", NEW, true);
        row("ct mark > 0x0", NEW, false);

        // ---- fragments: nft finds the transport header itself; non-first fragments have no ports ----
        Scenario firstFrag4 = pkt("udp4 first fragment", l -> v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 16), 0x2000));
        Scenario laterFrag4 = pkt("udp4 later fragment", l -> v4(LAN_HOST, WAN_HOST, 17, udp(40000, 53, 16), 0x2003));
        row("udp dport 53", firstFrag4, true);
        row("udp dport 53", laterFrag4, false);
        row("udp dport != 53", laterFrag4, false);
        row("meta l4proto udp", laterFrag4, true);
        Scenario firstFrag6 = pkt("udp6 first fragment", l -> v6(LAN6, WAN6, 44, concat(fragHdr(17, 0, true),
            udp(40000, 53, 16)), -1, 17));
        Scenario laterFrag6 = pkt("udp6 later fragment", l -> v6(LAN6, WAN6, 44, concat(fragHdr(17, 3, false),
            udp(40000, 53, 16)), -1, 17));
        row("udp dport 53", firstFrag6, true);
        row("udp dport 53", laterFrag6, false);
        row("meta l4proto udp", laterFrag6, true);
        row("ip6 nexthdr 44", laterFrag6, true);
        Scenario shortTcp = pkt("tcp4 with a 2-byte header", l -> v4(LAN_HOST, WAN_HOST, 6, new byte[] {0, 22}));
        row("tcp dport 22", shortTcp, false);
        row("tcp dport != 22", shortTcp, false);
        row("tcp sport 22", shortTcp, true); // its two bytes are there
        row("meta l4proto tcp", shortTcp, true);
    }

    static Stream<Arguments> rows() {
        return ROWS.stream();
    }

    @ParameterizedTest(name = "{0} on {3} via {1} -> {4}")
    @MethodSource("rows")
    void ruleMatchesAsNftDoes(String rule, Path path, int priority, Scenario s, boolean matches) throws Exception {
        try (Lab lab = new Lab()) {
            // earlier traffic of the scenario passes before the rule is installed
            Packet p = s.setupAndPacket().apply(lab);
            int verdict;
            String hook = path == Path.FORWARD_LAN_TO_WAN ? "forward" : "prerouting";
            try (InstalledRuleset rs = lab.installRule(hook, priority, rule)) {
                switch (path) {
                    case PRE_FROM_LAN:
                        verdict = lab.pre(p, lab.lan);
                        break;
                    case PRE_FROM_WAN:
                        verdict = lab.pre(p, lab.wan);
                        break;
                    default:
                        verdict = lab.forward(p, lab.lan, lab.wan);
                }
            }
            assertEquals(matches ? Verdict.DROP : Verdict.ACCEPT, verdict, rule + " on " + s);
        }
    }
}
