package org.conntrack4j.itest;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.nat.Nat;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The live ruleset the plug-in tests run under, set through Configuration Admin as an operator would: helpers for
 * their ports (FTP 21, TFTP 69, IRC 6667, Amanda 10080, SANE 6566, PPTP 1723, SIP 5060) and masquerade out of {@code ltwan},
 * as the recorded *_masq and ftp_*_snat cases run; and a filter after source NAT that drops what goes to
 * {@link #DROPPED}.
 */
final class TestRuleset {
    /** The router's interfaces the ruleset names: the LAN 198.51.100.1/24 and the WAN 203.0.113.1/24. */
    static final NetDevice LAN = new NetDevice("ltlan", 71, null, null, 1500,
        List.of(new NetDevice.IfAddr(Family.IPV4, 0, 0xc6336401L, 24)));
    static final NetDevice WAN = new NetDevice("ltwan", 72, null, null, 1500,
        List.of(new NetDevice.IfAddr(Family.IPV4, 0, 0xcb007101L, 24)));
    /** Where the filter after source NAT drops everything. */
    static final String DROPPED = "203.0.113.99";

    /** The live ruleset's configuration ({@code LiveRuleset}). */
    private static final String RULES_PID = "org.conntrack4j.rules";
    private static final String RULESET = "table inet leaktest {\n"
        + "\tct helper ftp_helper {\n\t\ttype \"ftp\" protocol tcp\n\t\tl3proto inet\n\t}\n\n"
        + "\tct helper tftp_helper {\n\t\ttype \"tftp\" protocol udp\n\t\tl3proto inet\n\t}\n\n"
        + "\tct helper irc_helper {\n\t\ttype \"irc\" protocol tcp\n\t\tl3proto ip\n\t}\n\n"
        + "\tct helper amanda_helper {\n\t\ttype \"amanda\" protocol udp\n\t\tl3proto inet\n\t}\n\n"
        + "\tct helper sane_helper {\n\t\ttype \"sane\" protocol tcp\n\t\tl3proto inet\n\t}\n\n"
        + "\tct helper pptp_helper {\n\t\ttype \"pptp\" protocol tcp\n\t\tl3proto ip\n\t}\n\n"
        + "\tct helper sip_helper {\n\t\ttype \"sip\" protocol udp\n\t\tl3proto inet\n\t}\n\n"
        + "\tchain helpers {\n\t\ttype filter hook prerouting priority filter; policy accept;\n"
        + "\t\tct state new tcp dport 21 ct helper set \"ftp_helper\"\n"
        + "\t\tct state new udp dport 69 ct helper set \"tftp_helper\"\n"
        + "\t\tct state new tcp dport 6667 ct helper set \"irc_helper\"\n"
        + "\t\tct state new udp dport 10080 ct helper set \"amanda_helper\"\n"
        + "\t\tct state new tcp dport 6566 ct helper set \"sane_helper\"\n"
        + "\t\tct state new tcp dport 1723 ct helper set \"pptp_helper\"\n"
        + "\t\tct state new udp dport 5060 ct helper set \"sip_helper\"\n\t}\n\n"
        + "\tchain nat_post {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
        + "\t\toifname \"ltwan\" ip saddr 198.51.100.0/24 masquerade\n\t}\n\n"
        + "\tchain post_filter {\n\t\ttype filter hook postrouting priority 200; policy accept;\n"
        + "\t\tip daddr " + DROPPED + " drop\n\t}\n}\n";

    private final BundleContext own;
    private final Conntrack conntrack;
    private final ConfigurationAdmin configAdmin;
    private Configuration ruleset;

    TestRuleset(BundleContext own, Conntrack conntrack, ConfigurationAdmin configAdmin) {
        this.own = own;
        this.conntrack = conntrack;
        this.configAdmin = configAdmin;
    }

    void install() throws Exception {
        // the live ruleset (an immediate component) follows its configuration
        assertNotNull(own.getServiceReference("org.conntrack4j.rules.live.LiveRuleset"));
        ruleset = configAdmin.getConfiguration(RULES_PID, "?");
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("ruleset.text", RULESET);
        ruleset.update(d);
        assertTrue(PluginBundles.waitFor(() -> inForce(true)), "the live ruleset is installed");
    }

    void remove() throws Exception {
        if (ruleset != null) {
            ruleset.delete();
            ruleset = null;
            assertTrue(PluginBundles.waitFor(() -> inForce(false)), "the live ruleset is removed");
        }
    }

    /** Are its filter chains and its NAT chain in force (or, for false, both gone)? */
    boolean inForce(boolean expected) {
        Nat nat = conntrack.services().extension(Nat.class);
        boolean filter = conntrack.packets().describeHooks(Family.IPV4).stream().anyMatch(h -> h.contains("leaktest"));
        boolean natChain = nat != null && nat.describeChains().stream().anyMatch(h -> h.contains("leaktest"));
        return expected ? filter && natChain : !filter && !natChain;
    }
}
