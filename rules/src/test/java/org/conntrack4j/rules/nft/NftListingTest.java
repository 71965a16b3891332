package org.conntrack4j.rules.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Printing checked against what the real nft (1.0.6) listed after loading the same input. Where this printer
 * deliberately differs from nft the expectation says so.
 */
class NftListingTest {

    /** An input mixing most of the subset, as loaded with nft -f. */
    static final String MIXED_INPUT =
            "table ip t4 {\n"
            + "\tct helper h {\n"
            + "\t\ttype \"ftp\" protocol tcp\n"
            + "\t\tl3proto ip\n"
            + "\t}\n"
            + "\tchain pre {\n"
            + "\t\ttype nat hook prerouting priority dstnat + 5; policy accept;\n"
            + "\t\ttcp dport { 80, 443, 8000-8080 } dnat to 10.0.0.1:8080-8090\n"
            + "\t\tudp dport 53 redirect to :5353\n"
            + "\t\ttcp dport ssh redirect\n"
            + "\t\tip saddr 10.0.0.0/8 ip daddr 1.2.3.4-1.2.3.9 dnat to 10.0.0.2\n"
            + "\t\tmeta l4proto tcp ip protocol 6 counter\n"
            + "\t\tiifname \"eth*\" oifname != lan* counter packets 5 bytes 10\n"
            + "\t\tct state established,related accept\n"
            + "\t\tct state { new, invalid } drop\n"
            + "\t\tct status dnat,snat counter\n"
            + "\t\tct mark 0x10 ct mark != 5 ct mark set 7\n"
            + "\t\tmeta iifname \"x\" log level warn prefix \"p\" log group 2 prefix \"q\"\n"
            + "\t\ttcp sport < 1024 tcp dport >= 1000 accept\n"
            + "\t\tjump sub\n"
            + "\t\taccept comment \"hello\"\n"
            + "\t\taccept comment \"world\"\n"
            + "\t}\n"
            + "\tchain sub {\n"
            + "\t\tct helper set \"h\"\n"
            + "\t\treturn\n"
            + "\t}\n"
            + "\tchain post {\n"
            + "\t\ttype nat hook postrouting priority srcnat - 10; policy drop;\n"
            + "\t\tmeta l4proto tcp masquerade to :1000-2000 random,persistent\n"
            + "\t\ttcp dport 1 snat to 1.1.1.1-1.1.1.5:100-200 fully-random\n"
            + "\t\tgoto sub\n"
            + "\t}\n"
            + "\tchain raw { type filter hook prerouting priority raw; notrack; }\n"
            + "\tchain f { type filter hook forward priority -5; iif \"lo\" oif lo accept; }\n"
            + "}\n"
            + "table ip6 t6 {\n"
            + "\tchain pre {\n"
            + "\t\ttype nat hook prerouting priority -100; policy accept;\n"
            + "\t\tip6 saddr 2001:db8::/32 tcp dport 80 dnat to [2001:db8::1]:80\n"
            + "\t\tdnat to 2001:db8::2\n"
            + "\t\tip6 daddr { ::1, fe80::1-fe80::ff } accept\n"
            + "\t}\n"
            + "\tchain post { type nat hook postrouting priority 100; meta l4proto { tcp, udp } snat to [2001:db8::1]:1000-2000; }\n"
            + "}\n"
            + "table inet ti {\n"
            + "\tchain post { type nat hook postrouting priority 100; snat ip to 1.2.3.4; snat ip6 to 2001::1 ; }\n"
            + "}\n";

    /** What nft list ruleset printed after loading MIXED_INPUT (byte for byte). */
    static final String MIXED_NFT_LISTING =
            "table ip t4 {\n"
            + "\tct helper h {\n"
            + "\t\ttype \"ftp\" protocol tcp\n"
            + "\t\tl3proto ip\n"
            + "\t}\n"
            + "\n"
            + "\tchain pre {\n"
            + "\t\ttype nat hook prerouting priority dstnat + 5; policy accept;\n"
            + "\t\ttcp dport { 80, 443, 8000-8080 } dnat to 10.0.0.1:8080-8090\n"
            + "\t\tudp dport 53 redirect to :5353\n"
            + "\t\ttcp dport 22 redirect\n"
            + "\t\tip saddr 10.0.0.0/8 ip daddr 1.2.3.4-1.2.3.9 dnat to 10.0.0.2\n"
            + "\t\tmeta l4proto tcp ip protocol tcp counter packets 0 bytes 0\n"
            + "\t\tiifname \"eth*\" oifname != \"lan*\" counter packets 5 bytes 10\n"
            + "\t\tct state established,related accept\n"
            + "\t\tct state { invalid, new } drop\n"
            + "\t\tct status snat,dnat counter packets 0 bytes 0\n"
            + "\t\tct mark 0x00000010 ct mark != 0x00000005 ct mark set 0x00000007\n"
            + "\t\tiifname \"x\" log prefix \"p\" log prefix \"q\" group 2\n"
            + "\t\ttcp sport < 1024 tcp dport >= 1000 accept\n"
            + "\t\tjump sub\n"
            + "\t\taccept comment \"hello\"\n"
            + "\t\taccept comment \"world\"\n"
            + "\t}\n"
            + "\n"
            + "\tchain sub {\n"
            + "\t\tct helper set \"h\"\n"
            + "\t\treturn\n"
            + "\t}\n"
            + "\n"
            + "\tchain post {\n"
            + "\t\ttype nat hook postrouting priority srcnat - 10; policy drop;\n"
            + "\t\tmeta l4proto tcp masquerade to :1000-2000 random,persistent\n"
            + "\t\ttcp dport 1 snat to 1.1.1.1-1.1.1.5:100-200 fully-random\n"
            + "\t\tgoto sub\n"
            + "\t}\n"
            + "\n"
            + "\tchain raw {\n"
            + "\t\ttype filter hook prerouting priority raw; policy accept;\n"
            + "\t\tnotrack\n"
            + "\t}\n"
            + "\n"
            + "\tchain f {\n"
            + "\t\ttype filter hook forward priority filter - 5; policy accept;\n"
            + "\t\tiif \"lo\" oif \"lo\" accept\n"
            + "\t}\n"
            + "}\n"
            + "table ip6 t6 {\n"
            + "\tchain pre {\n"
            + "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
            + "\t\tip6 saddr 2001:db8::/32 tcp dport 80 dnat to [2001:db8::1]:80\n"
            + "\t\tdnat to 2001:db8::2\n"
            + "\t\tip6 daddr { ::1, fe80::1-fe80::ff } accept\n"
            + "\t}\n"
            + "\n"
            + "\tchain post {\n"
            + "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
            + "\t\tmeta l4proto { tcp, udp } snat to [2001:db8::1]:1000-2000\n"
            + "\t}\n"
            + "}\n"
            + "table inet ti {\n"
            + "\tchain post {\n"
            + "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
            + "\t\tsnat ip to 1.2.3.4\n"
            + "\t\tsnat ip6 to 2001::1\n"
            + "\t}\n"
            + "}\n";

    @Test
    void mixedRulesetListsExactlyAsNftDoes() throws Exception {
        Ruleset rs = NftParser.parse("mixed.nft", MIXED_INPUT);
        assertEquals(MIXED_NFT_LISTING, rs.toString());
        assertEquals(rs, NftParser.parse("listing", MIXED_NFT_LISTING));
    }

    static String printRule(String family, String chainSpec, String rule) throws RulesetParseException {
        String text = "table " + family + " t {\nchain c {\n" + chainSpec + "\n" + rule + "\n}\n}\n";
        Ruleset rs = NftParser.parse("rule.nft", text);
        Chain c = rs.tables().get(0).chains().get(0);
        assertEquals(1, c.rules().size());
        String printed = c.rules().get(0).toString();
        // and the printed rule reads back to the same rule
        Ruleset again = NftParser.parse("again.nft", "table " + family + " t {\nchain c {\n" + chainSpec + "\n"
                + printed + "\n}\n}\n");
        assertEquals(c.rules().get(0), again.tables().get(0).chains().get(0).rules().get(0));
        return printed;
    }

    static Stream<Arguments> filterRules() {
        return Stream.of(
                // sets: sorted, duplicates dropped, intervals merged, IPv4 intervals as prefixes where aligned
                Arguments.of("tcp dport { 443, 80, 8000-8080, 22 } accept", "tcp dport { 22, 80, 443, 8000-8080 } accept"),
                Arguments.of("tcp dport { 20, 19, 1-5, 6 } accept", "tcp dport { 1-6, 19-20 } accept"),
                Arguments.of("tcp dport { 19, 20 } accept", "tcp dport { 19, 20 } accept"),
                Arguments.of("tcp dport { 5 } accept", "tcp dport 5 accept"),
                // nft: "tcp dport { 1-20 } accept"; a merged one-element set is printed as its element here
                Arguments.of("tcp dport { 1-10, 11-20 } accept", "tcp dport 1-20 accept"),
                Arguments.of("tcp dport { 80, 80 } accept", "tcp dport 80 accept"),
                Arguments.of("ip saddr { 10.0.0.4-10.0.0.7, 10.0.0.9 } accept", "ip saddr { 10.0.0.4/30, 10.0.0.9 } accept"),
                Arguments.of("ip daddr { 10.0.0.0/8, 192.168.1.1, 172.16.0.1-172.16.0.9 } accept",
                        "ip daddr { 10.0.0.0/8, 172.16.0.1-172.16.0.9, 192.168.1.1 } accept"),
                Arguments.of("ip saddr { 10.0.0.0-10.0.0.255, 10.0.1.0/24 } accept", "ip saddr 10.0.0.0/23 accept"),
                Arguments.of("ip6 daddr { ::1, fe80::1-fe80::ff } accept", "ip6 daddr { ::1, fe80::1-fe80::ff } accept"),
                Arguments.of("iifname { \"wan\", \"lan\", \"a\" } accept", "iifname { \"a\", \"lan\", \"wan\" } accept"),
                Arguments.of("iifname { \"wan*\", \"lan\" } accept", "iifname { \"lan\", \"wan*\" } accept"),
                Arguments.of("meta l4proto { udp, tcp, 200 } accept", "meta l4proto { tcp, udp, 200 } accept"),
                Arguments.of("ct state { related, established, new } accept", "ct state { established, related, new } accept"),
                Arguments.of("ct status { dnat, snat } accept", "ct status { snat, dnat } accept"),
                Arguments.of("ct mark { 5, 3 } accept", "ct mark { 0x00000003, 0x00000005 } accept"),
                Arguments.of("ct direction { reply, original } accept", "ct direction { original, reply } accept"),
                Arguments.of("tcp dport { 1, # comment\n 2,\n } accept", "tcp dport { 1, 2 } accept"),
                Arguments.of("tcp dport { 1, { 2, 3 } } accept", "tcp dport { 1, 2, 3 } accept"),
                Arguments.of("tcp dport != { 22, 80 } accept", "tcp dport != { 22, 80 } accept"),
                // addresses
                Arguments.of("ip saddr 10.0.0.1/8 accept", "ip saddr 10.0.0.0/8 accept"),
                Arguments.of("ip saddr 10.0.0.0/32 accept", "ip saddr 10.0.0.0 accept"),
                Arguments.of("ip saddr 10.0.0.0/0 accept", "ip saddr 0.0.0.0/0 accept"),
                Arguments.of("ip saddr 10.0.0.5-10.0.0.5 accept", "ip saddr 10.0.0.5-10.0.0.5 accept"),
                Arguments.of("ip saddr 10.0.0.0-10.0.0.255 accept", "ip saddr 10.0.0.0-10.0.0.255 accept"),
                Arguments.of("ip saddr > 1.2.3.4 accept", "ip saddr > 1.2.3.4 accept"),
                Arguments.of("ip daddr != 10.0.0.0/8 accept", "ip daddr != 10.0.0.0/8 accept"),
                Arguments.of("ip saddr 10.0.0.0 /8 accept", "ip saddr 10.0.0.0/8 accept"),
                Arguments.of("ip6 saddr 2001:DB8:0:0:0:0:0:1 accept", "ip6 saddr 2001:db8::1 accept"),
                Arguments.of("ip6 saddr 2001:db8::1/64 accept", "ip6 saddr 2001:db8::/64 accept"),
                Arguments.of("ip6 saddr ::ffff:1.2.3.4 accept", "ip6 saddr ::ffff:1.2.3.4 accept"),
                Arguments.of("ip6 saddr :: accept", "ip6 saddr :: accept"),
                Arguments.of("ip6 saddr 2001:0:0:1:0:0:0:1 accept", "ip6 saddr 2001:0:0:1::1 accept"),
                Arguments.of("ip6 saddr 2001:db8:0:0:1:0:0:1 accept", "ip6 saddr 2001:db8::1:0:0:1 accept"),
                Arguments.of("ip6 saddr 1:0:0:0:0:0:0:0 accept", "ip6 saddr 1:: accept"),
                Arguments.of("ip6 saddr 0:1:0:0:0:0:0:0 accept", "ip6 saddr 0:1:: accept"),
                Arguments.of("ip6 saddr 2001:db8::/128 accept", "ip6 saddr 2001:db8:: accept"),
                Arguments.of("ip6 saddr ::1.2.3.4 accept", "ip6 saddr ::1.2.3.4 accept"),
                Arguments.of("ip6 saddr 0:0:0:0:0:ffff:102:304 accept", "ip6 saddr ::ffff:1.2.3.4 accept"),
                Arguments.of("ip6 saddr 1:2:3:4:5:6:0:0 accept", "ip6 saddr 1:2:3:4:5:6:: accept"),
                Arguments.of("ip6 saddr 1:2:3:0:5:6:7:8 accept", "ip6 saddr 1:2:3:0:5:6:7:8 accept"),
                Arguments.of("ip6 saddr [2001:db8::1] accept", "ip6 saddr 2001:db8::1 accept"),
                // numbers, services, operators
                Arguments.of("tcp dport 0x50 accept", "tcp dport 80 accept"),
                Arguments.of("tcp dport 22-22 accept", "tcp dport 22-22 accept"),
                Arguments.of("tcp dport != 22-25 accept", "tcp dport != 22-25 accept"),
                Arguments.of("tcp dport == 22 accept", "tcp dport 22 accept"),
                Arguments.of("udp sport < 0 accept", "udp sport < 0 accept"),
                Arguments.of("udp sport <= 1023 accept", "udp sport <= 1023 accept"),
                Arguments.of("tcp dport \"22\" accept", "tcp dport 22 accept"),
                Arguments.of("tcp dport 1 - 3 accept", "tcp dport 1-3 accept"),
                Arguments.of("tcp dport eq 1 accept", "tcp dport 1 accept"),
                Arguments.of("tcp dport ne 2 accept", "tcp dport != 2 accept"),
                Arguments.of("tcp dport lt 3 accept", "tcp dport < 3 accept"),
                Arguments.of("tcp dport { ftp, http, ssh, domain, https } accept", "tcp dport { 21, 22, 53, 80, 443 } accept"),
                Arguments.of("tcp dport ftp-data accept", "tcp dport 20 accept"),
                Arguments.of("tcp dport 1 counter tcp dport 2 accept", "tcp dport 1 counter packets 0 bytes 0 tcp dport 2 accept"),
                // conntrack
                Arguments.of("ct state related,established accept", "ct state established,related accept"),
                Arguments.of("ct state established, related accept", "ct state established,related accept"),
                Arguments.of("ct state new,established,related,invalid,untracked accept",
                        "ct state invalid,established,related,new,untracked accept"),
                Arguments.of("ct state != established accept", "ct state != established accept"),
                Arguments.of("ct state != established,related accept", "ct state != established | related accept"),
                Arguments.of("ct state == new accept", "ct state == new accept"),
                // nft lists this as "ct state established | related", which reads back as a flag test
                Arguments.of("ct state == established,related accept", "ct state == established | related accept"),
                Arguments.of("ct state new|established accept", "ct state established,new accept"),
                Arguments.of("ct state 8 accept", "ct state new accept"),
                Arguments.of("ct state 0x2 accept", "ct state established accept"),
                Arguments.of("ct direction 1 accept", "ct direction reply accept"),
                Arguments.of("ct direction != reply accept", "ct direction != reply accept"),
                Arguments.of("ct direction == reply accept", "ct direction reply accept"),
                Arguments.of("ct status assured,confirmed accept", "ct status assured,confirmed accept"),
                Arguments.of("ct status seen-reply accept", "ct status seen-reply accept"),
                Arguments.of("ct status dnat|snat accept", "ct status snat,dnat accept"),
                Arguments.of("ct status 16 accept", "ct status snat accept"),
                Arguments.of("ct status 1024 accept", "ct status 0x400 accept"),
                Arguments.of("ct mark 0 accept", "ct mark 0x00000000 accept"),
                Arguments.of("ct mark 4294967295 accept", "ct mark 0xffffffff accept"),
                Arguments.of("ct mark != 0x10 accept", "ct mark != 0x00000010 accept"),
                Arguments.of("ct mark > 5 accept", "ct mark > 0x00000005 accept"),
                Arguments.of("ct mark 1-5 accept", "ct mark 0x00000001-0x00000005 accept"),
                Arguments.of("ct mark set 0xffffffff", "ct mark set 0xffffffff"),
                Arguments.of("ct mark set 1 ct mark set 2 counter",
                        "ct mark set 0x00000001 ct mark set 0x00000002 counter packets 0 bytes 0"),
                // protocols
                Arguments.of("meta l4proto 6 accept", "meta l4proto tcp accept"),
                Arguments.of("meta l4proto icmpv6 accept", "meta l4proto ipv6-icmp accept"),
                Arguments.of("meta l4proto 0 accept", "meta l4proto ip accept"),
                Arguments.of("meta l4proto 255 accept", "meta l4proto 255 accept"),
                Arguments.of("meta l4proto 4 accept", "meta l4proto ipencap accept"),
                Arguments.of("meta l4proto TCP accept", "meta l4proto tcp accept"),
                Arguments.of("meta l4proto 1-10 accept", "meta l4proto 1-10 accept"),
                Arguments.of("meta l4proto < 10 accept", "meta l4proto < 10 accept"),
                Arguments.of("meta l4proto < 6 accept", "meta l4proto < tcp accept"),
                Arguments.of("meta l4proto 6-17 accept", "meta l4proto 6-17 accept"),
                Arguments.of("meta l4proto { 1-5, 6, 17 } accept", "meta l4proto { 1-6, udp } accept"),
                Arguments.of("ip6 nexthdr { 1-5, 17 } accept", "ip6 nexthdr { 1-5, udp } accept"),
                Arguments.of("ct mark { 1-5, 9 } accept", "ct mark { 0x00000001-0x00000005, 0x00000009 } accept"),
                Arguments.of("ip protocol != 17 accept", "ip protocol != udp accept"),
                Arguments.of("ip6 nexthdr { 6, 17 } accept", "ip6 nexthdr { tcp, udp } accept"),
                Arguments.of("meta nfproto 2 accept", "meta nfproto ipv4 accept"),
                Arguments.of("meta nfproto { ipv4, ipv6 } accept", "meta nfproto { ipv4, ipv6 } accept"),
                // interfaces
                Arguments.of("iifname eth* accept", "iifname \"eth*\" accept"),
                Arguments.of("iifname \"a\\*\" accept", "iifname \"a\\*\" accept"),
                Arguments.of("iifname \"eth*0\" accept", "iifname \"eth*0\" accept"),
                Arguments.of("iifname e.t-h_0/1 accept", "iifname \"e.t-h_0/1\" accept"),
                Arguments.of("iifname \"0123456789abcde\" accept", "iifname \"0123456789abcde\" accept"),
                Arguments.of("iif \"lo\" oif lo accept", "iif \"lo\" oif \"lo\" accept"),
                Arguments.of("meta iifname \"x\" meta oifname \"y\" accept", "iifname \"x\" oifname \"y\" accept"),
                Arguments.of("oifname != lan* accept", "oifname != \"lan*\" accept"),
                // statements
                Arguments.of("log", "log"),
                Arguments.of("log group 0 prefix \"y\"", "log prefix \"y\" group 0"),
                Arguments.of("log level warn", "log"),
                Arguments.of("log level emerg prefix \"z\"", "log prefix \"z\" level emerg"),
                Arguments.of("log prefix \"z\" level debug", "log prefix \"z\" level debug"),
                Arguments.of("log level audit", "log level audit"),
                Arguments.of("log prefix x", "log prefix \"x\""),
                Arguments.of("log prefix \"\"", "log prefix \"\""),
                Arguments.of("log prefix \"a;b{c}#\\\" counter", "log prefix \"a;b{c}#\\\" counter packets 0 bytes 0"),
                Arguments.of("log prefix \"q\" log prefix \"r\"", "log prefix \"q\" log prefix \"r\""),
                Arguments.of("counter bytes 2 packets 1", "counter packets 1 bytes 2"),
                Arguments.of("counter packets 1", "counter packets 1 bytes 0"),
                Arguments.of("counter packets 18446744073709551615 bytes 18446744073709551615",
                        "counter packets 18446744073709551615 bytes 18446744073709551615"),
                Arguments.of("counter counter drop", "counter packets 0 bytes 0 counter packets 0 bytes 0 drop"),
                Arguments.of("notrack", "notrack"),
                Arguments.of("accept comment x", "accept comment \"x\""),
                Arguments.of("accept comment \"\"", "accept comment \"\""),
                Arguments.of("drop comment \"a'b\"", "drop comment \"a'b\""),
                Arguments.of("counter comment \"only counter\"", "counter packets 0 bytes 0 comment \"only counter\""),
                Arguments.of("return", "return"),
                Arguments.of("tcp dport 22 \\\n accept", "tcp dport 22 accept"),
                Arguments.of("accept # trailing comment", "accept"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filterRules")
    void filterRulePrintsAsNftListsIt(String input, String expected) throws Exception {
        assertEquals(expected, printRule("inet", "type filter hook input priority 0;", input));
    }

    static Stream<Arguments> natRules() {
        return Stream.of(
                Arguments.of("ip", "postrouting", "masquerade fully-random,persistent,random",
                        "masquerade random,fully-random,persistent"),
                Arguments.of("ip", "postrouting", "masquerade persistent,fully-random", "masquerade fully-random,persistent"),
                Arguments.of("ip", "postrouting", "masquerade random,random", "masquerade random"),
                Arguments.of("ip", "postrouting", "meta l4proto tcp masquerade to :1000", "meta l4proto tcp masquerade to :1000"),
                Arguments.of("ip", "postrouting", "snat to 10.0.0.0/24 persistent", "snat to 10.0.0.0/24 persistent"),
                Arguments.of("ip", "postrouting", "snat to 10.0.0.1-10.0.0.3", "snat to 10.0.0.1-10.0.0.3"),
                // nft sends a range or prefix as two addresses and lists back any that is exactly a prefix as
                // the prefix, a one-address range as /32 (recorded with nft 1.0.6 on Linux 6.18)
                Arguments.of("ip", "postrouting", "snat to 10.0.0.5-10.0.0.5", "snat to 10.0.0.5/32"),
                Arguments.of("ip", "postrouting", "snat to 10.0.0.5/32", "snat to 10.0.0.5/32"),
                Arguments.of("ip", "postrouting", "snat to 10.0.0.4-10.0.0.7", "snat to 10.0.0.4/30"),
                Arguments.of("ip", "postrouting", "meta l4proto tcp snat to 198.51.100.0-198.51.100.15:1000",
                        "meta l4proto tcp snat to 198.51.100.0/28:1000"),
                Arguments.of("ip6", "postrouting", "meta l4proto tcp snat to [2001:db8::1]-[2001:db8::1]:80",
                        "meta l4proto tcp snat to 2001:db8::1/128:80"),
                Arguments.of("ip6", "postrouting", "meta l4proto tcp snat to [2001:db8::]-[2001:db8::ff]:80",
                        "meta l4proto tcp snat to 2001:db8::/120:80"),
                Arguments.of("ip6", "postrouting", "snat to 2001:db8::1/128", "snat to 2001:db8::1/128"),
                Arguments.of("ip", "postrouting", "meta l4proto tcp snat to 10.0.0.5:80-80",
                        "meta l4proto tcp snat to 10.0.0.5:80-80"),
                Arguments.of("ip", "postrouting", "snat ip to 1.2.3.4", "snat to 1.2.3.4"),
                Arguments.of("ip", "postrouting", "tcp dport 1 snat to :80", "tcp dport 1 snat to :80"),
                Arguments.of("ip", "input", "snat to 1.2.3.4", "snat to 1.2.3.4"),
                Arguments.of("ip", "prerouting", "tcp dport 1 dnat to :80", "tcp dport 1 dnat to :80"),
                Arguments.of("ip", "prerouting", "tcp dport 1 redirect to 80", "tcp dport 1 redirect to :80"),
                Arguments.of("ip", "prerouting", "tcp dport 1 redirect to :80-90", "tcp dport 1 redirect to :80-90"),
                Arguments.of("ip", "prerouting", "tcp dport 1 redirect to :80 random,persistent",
                        "tcp dport 1 redirect to :80 random,persistent"),
                Arguments.of("ip", "prerouting", "redirect fully-random", "redirect fully-random"),
                Arguments.of("ip", "prerouting", "tcp dport 1 dnat to 1.1.1.1:http", "tcp dport 1 dnat to 1.1.1.1:80"),
                Arguments.of("ip", "prerouting", "dnat to 1.1.1.1/24", "dnat to 1.1.1.0/24"),
                Arguments.of("ip", "prerouting", "dnat to 10.0.0.1 random", "dnat to 10.0.0.1 random"),
                Arguments.of("ip", "prerouting", "tcp dport 1 dnat to 10.0.0.1-10.0.0.9:1-2 fully-random",
                        "tcp dport 1 dnat to 10.0.0.1-10.0.0.9:1-2 fully-random"),
                Arguments.of("ip", "prerouting", "ip protocol icmp dnat to 1.1.1.1:5", "ip protocol icmp dnat to 1.1.1.1:5"),
                Arguments.of("ip", "prerouting", "ip protocol { tcp, udp } dnat to 1.1.1.1:5",
                        "ip protocol { tcp, udp } dnat to 1.1.1.1:5"),
                Arguments.of("ip", "prerouting", "tcp dport 1 counter dnat to 1.1.1.1:5",
                        "tcp dport 1 counter packets 0 bytes 0 dnat to 1.1.1.1:5"),
                Arguments.of("ip", "output", "redirect", "redirect"),
                Arguments.of("inet", "postrouting", "tcp dport 1 snat ip to 1.1.1.1 : 5", "tcp dport 1 snat ip to 1.1.1.1:5"),
                Arguments.of("inet", "postrouting", "tcp dport 1 snat ip to 1.1.1.1:5 - 6", "tcp dport 1 snat ip to 1.1.1.1:5-6"),
                Arguments.of("inet", "postrouting", "tcp dport 1 snat ip to 1.1.1.1-1.1.1.2 :5",
                        "tcp dport 1 snat ip to 1.1.1.1-1.1.1.2:5"),
                Arguments.of("inet", "postrouting", "tcp dport 1 snat ip6 to [::1]-[::5]:5",
                        "tcp dport 1 snat ip6 to [::1]-[::5]:5"),
                Arguments.of("inet", "postrouting", "tcp dport 1 snat ip6 to [::1]:5-6", "tcp dport 1 snat ip6 to [::1]:5-6"),
                Arguments.of("inet", "postrouting", "snat ip6 to [::1]-[::5]", "snat ip6 to ::1-::5"),
                Arguments.of("inet", "postrouting", "snat ip6 to ::1-::5", "snat ip6 to ::1-::5"),
                Arguments.of("inet", "postrouting", "snat ip6 to dead::/64", "snat ip6 to dead::/64"),
                Arguments.of("inet", "postrouting", "meta nfproto ipv4 snat ip to 10.0.0.1",
                        "meta nfproto ipv4 snat ip to 10.0.0.1"),
                Arguments.of("inet", "postrouting", "ip6 saddr ::1 snat ip6 to ::2", "ip6 saddr ::1 snat ip6 to ::2"),
                Arguments.of("inet", "prerouting", "tcp dport 1 dnat to :80", "tcp dport 1 dnat to :80"),
                Arguments.of("inet", "prerouting", "masquerade", null),
                Arguments.of("ip6", "postrouting", "snat ip6 to ::1", "snat to ::1"),
                Arguments.of("ip6", "postrouting", "tcp dport 1 snat to [::1]:2", "tcp dport 1 snat to [::1]:2"),
                // without brackets the colon belongs to the address: ::1:2 is ::0.1.0.2
                Arguments.of("ip6", "postrouting", "tcp dport 1 snat to ::1:2", "tcp dport 1 snat to ::0.1.0.2"));
    }

    @ParameterizedTest(name = "{0} {1}: {2}")
    @MethodSource("natRules")
    void natRulePrintsAsNftListsIt(String family, String hook, String input, String expected) throws Exception {
        String spec = "type nat hook " + hook + " priority 0;";
        if (expected == null) {
            org.junit.jupiter.api.Assertions.assertThrows(RulesetParseException.class,
                    () -> printRule(family, spec, input));
            return;
        }
        assertEquals(expected, printRule(family, spec, input));
    }

    static Stream<Arguments> priorities() {
        return Stream.of(
                Arguments.of("input", "-139", "-139"),
                Arguments.of("input", "-140", "mangle + 10"),
                Arguments.of("input", "-160", "mangle - 10"),
                Arguments.of("input", "-161", "-161"),
                Arguments.of("input", "11", "11"),
                Arguments.of("input", "200", "200"),
                Arguments.of("input", "-10", "filter - 10"),
                Arguments.of("input", "25", "25"),
                Arguments.of("input", "-100", "-100"),
                Arguments.of("input", "100", "100"),
                Arguments.of("input", "-300", "raw"),
                Arguments.of("input", "50", "security"),
                Arguments.of("input", "-225", "-225"),
                Arguments.of("input", "-2147483648", "-2147483648"),
                Arguments.of("input", "2147483647", "2147483647"),
                Arguments.of("postrouting", "100", "srcnat"),
                Arguments.of("prerouting", "-100", "dstnat"),
                Arguments.of("prerouting", "-95", "dstnat + 5"),
                Arguments.of("output", "-100", "-100"),
                Arguments.of("input", "filter+5", "filter + 5"),
                Arguments.of("input", "mangle -5", "mangle - 5"),
                Arguments.of("input", "security - 1", "security - 1"),
                Arguments.of("input", "raw+1", "raw + 1"),
                Arguments.of("input", "0x10", "16"),
                Arguments.of("postrouting", "srcnat - 10", "srcnat - 10"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("priorities")
    void priorityPrintsAsNftListsIt(String hook, String written, String listed) throws Exception {
        Ruleset rs = NftParser.parse("p.nft", "table ip t {\nchain c {\ntype filter hook " + hook + " priority "
                + written + ";\n}\n}\n");
        BaseChainSpec spec = rs.tables().get(0).chains().get(0).baseSpec().orElseThrow();
        assertEquals(written, spec.priority().text());
        assertEquals("type filter hook " + hook + " priority " + listed + "; policy accept;", spec.toString());
        Ruleset again = NftParser.parse("again", rs.toString());
        assertEquals(rs, again);
    }

    @Test
    void emptyTablesAndChainsAndSeveralTables() throws Exception {
        String text = "table ip t { chain a { type filter hook prerouting priority 0 ; policy accept;\n}\n}\n"
                + "table ip6 t2 { chain a { type filter hook prerouting priority 0 ; policy drop;\n}\n}\n"
                + "table inet t3 {\n}\ntable t4 {\nchain sub {\n}\n}\n";
        assertEquals("table ip t {\n\tchain a {\n\t\ttype filter hook prerouting priority filter; policy accept;\n\t}\n}\n"
                + "table ip6 t2 {\n\tchain a {\n\t\ttype filter hook prerouting priority filter; policy drop;\n\t}\n}\n"
                + "table inet t3 {\n}\n"
                + "table ip t4 {\n\tchain sub {\n\t}\n}\n", NftParser.parse("x", text).toString());
    }

    @Test
    void helperObjectsPrintBeforeChainsWithTheirDefaultL3proto() throws Exception {
        String text = "table ip6 t {\nchain c { ct helper set \"h\"; }\nct helper h { type \"sip\" protocol udp; }\n}\n";
        assertEquals("table ip6 t {\n\tct helper h {\n\t\ttype \"sip\" protocol udp\n\t\tl3proto ip6\n\t}\n\n"
                + "\tchain c {\n\t\tct helper set \"h\"\n\t}\n}\n", NftParser.parse("x", text).toString());
    }
    /** What nft listed for helper objects in an inet table: a helper Linux has for IPv4 only is listed as ip. */
    @Test
    void inetHelperObjectOfAnIpv4OnlyHelperListsAsIp() throws Exception {
        String text = "table inet t {\nct helper irc1 { type \"irc\" protocol tcp; }\n"
                + "ct helper ftp1 { type \"ftp\" protocol tcp; }\nct helper pptp1 { type \"pptp\" protocol tcp; }\n}\n";
        assertEquals("table inet t {\n"
                + "\tct helper irc1 {\n\t\ttype \"irc\" protocol tcp\n\t\tl3proto ip\n\t}\n\n"
                + "\tct helper ftp1 {\n\t\ttype \"ftp\" protocol tcp\n\t\tl3proto inet\n\t}\n\n"
                + "\tct helper pptp1 {\n\t\ttype \"pptp\" protocol tcp\n\t\tl3proto ip\n\t}\n}\n",
                NftParser.parse("x", text).toString());
    }
}
