package org.conntrack4j.helper.pptp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.rules.RulesetInstallException;
import org.conntrack4j.rules.eval.NftRulesets;
import org.conntrack4j.rules.nft.RulesetParseException;
import org.conntrack4j.testkit.Plugins;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ct helper} objects of type "pptp" in the nftables subset, as nft and the kernel take them: the helper is
 * found by type for TCP over IPv4; {@code l3proto inet} is accepted (the kernel finds the IPv4 helper) and assigns it
 * to IPv4 connections only; {@code l3proto ip6} is refused (PPTP has no IPv6 helper); without the bundle the
 * ruleset names it.
 */
class PptpRulesetTest {
    private static final String RULES = "table inet t {\n"
        + "\tct helper pptp_h {\n\t\ttype \"pptp\" protocol tcp\n\t\tl3proto %s\n\t}\n"
        + "\tchain helpers {\n\t\ttype filter hook prerouting priority filter; policy accept;\n"
        + "\t\tct state new tcp dport 1723 ct helper set \"pptp_h\"\n\t}\n}\n";

    private final Plugins plugins = new Plugins();
    private final Registration helper;
    private final Conntrack net;

    PptpRulesetTest() {
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        helper = plugins.addHelper(new PptpHelper());
        net = plugins.factory().create("pptp-rules", new ManualClock(250), Map.of(), false);
    }

    @AfterEach
    void close() {
        net.close();
    }

    @Test
    void anInetObjectHelpsIpv4ControlConnectionsOnly() throws Exception {
        new NftRulesets().install(net, "test", String.format(RULES, "inet"));
        assertEquals("pptp", syn(false).ct.helper().name());
        assertNull(syn(true).ct.helper(), "no IPv6 pptp helper in Linux");
    }

    @Test
    void anIpv6ObjectIsRefused() {
        RulesetParseException e = assertThrows(RulesetParseException.class,
            () -> new NftRulesets().install(net, "test", String.format(RULES, "ip6")));
        assertTrue(e.getMessage().contains("conntrack helper \"pptp\" has no IPv6 version"), e.getMessage());
    }

    @Test
    void withoutTheBundleTheRulesetNamesIt() {
        helper.close();
        RulesetInstallException e = assertThrows(RulesetInstallException.class,
            () -> new NftRulesets().install(net, "test", String.format(RULES, "ip")));
        assertTrue(e.getMessage().contains("no helper of type \"pptp\" for tcp over IPv4 is registered (bundle "
            + "org.conntrack4j.helper.pptp provides it)"), e.getMessage());
    }

    /** A SYN to port 1723 through PRE_ROUTING (and POST_ROUTING, to confirm it). */
    private Packet syn(boolean v6) {
        int ipLen = v6 ? 40 : 20;
        int total = ipLen + 20;
        Packet p = new Packet();
        p.load(new byte[total], 0, total, 14);
        if (v6) {
            p.put32(0, 6 << 28);
            p.put16(4, 20);
            p.put8(6, IpProto.TCP);
            p.put8(7, 64);
            p.put32(8, 0x20010db8);
            p.put32(20, 0x10);
            p.put32(24, 0x20010db8);
            p.put32(28, 0x00020000);
            p.put32(36, 0x10);
            p.family = Family.IPV6;
        } else {
            p.put8(0, 0x45);
            p.put16(2, total);
            p.put8(8, 64);
            p.put8(9, IpProto.TCP);
            p.put32(12, 0xc633640a);
            p.put32(16, 0xcb00710a);
            p.put16(10, Checksum.ipv4Header(p));
            p.family = Family.IPV4;
        }
        p.put16(ipLen, 41723);
        p.put16(ipLen + 2, 1723);
        p.put32(ipLen + 4, 1000);
        p.put8(ipLen + 12, 5 << 4);
        p.put8(ipLen + 13, 0x02);
        p.put16(ipLen + 14, 64240);
        p.put16(ipLen + 16, Checksum.computeL4(p, ipLen, IpProto.TCP, ipLen + 16));
        if (IpHeaders.validate(p) != null) {
            throw new IllegalStateException("bad test packet");
        }
        net.packets().runHook(Hook.PRE_ROUTING, p);
        net.packets().runHook(Hook.POST_ROUTING, p);
        return p;
    }
}
