package org.conntrack4j.difftest;

import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.helper.amanda.AmandaHelper;
import org.conntrack4j.helper.ftp.FtpHelper;
import org.conntrack4j.helper.irc.IrcHelper;
import org.conntrack4j.helper.pptp.PptpHelper;
import org.conntrack4j.helper.sane.SaneHelper;
import org.conntrack4j.helper.sip.SipHelper;
import org.conntrack4j.helper.sip.SipTcpHelper;
import org.conntrack4j.helper.tftp.TftpHelper;
import org.conntrack4j.nat.NatComponent;
import org.conntrack4j.proto.gre.GreKeymaps;
import org.conntrack4j.proto.gre.GreTracker;
import org.conntrack4j.proto.icmp.IcmpTracker;
import org.conntrack4j.proto.icmp.Icmpv6Tracker;
import org.conntrack4j.proto.sctp.SctpTracker;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.proto.udp.UdpLiteTracker;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.replay.run.Replay;
import org.conntrack4j.replay.run.ReplayException;
import org.conntrack4j.rules.RulesetInstallException;
import org.conntrack4j.rules.eval.NftRulesets;
import org.conntrack4j.rules.nft.RulesetParseException;
import org.conntrack4j.testkit.Plugins;

/**
 * The bundles of the distribution wired together without OSGi through the test kit, as their components would be:
 * the trackers (with the protocol numbers of their service properties) and the GRE key map, NAT, the helpers (FTP,
 * TFTP, IRC, Amanda, SANE, PPTP, SIP over UDP and TCP), the rules evaluator. Public for the fuzz module, which runs
 * its packet path on the same wiring.
 */
public final class Shipped {
    private Shipped() {
    }

    /** Every shipped plug-in. */
    public static Plugins full() {
        Plugins p = trackersOnly();
        p.addExtension(new NatComponent(), "nat");
        p.addHelper(new FtpHelper());
        p.addHelper(new TftpHelper());
        p.addHelper(new IrcHelper());
        p.addHelper(new AmandaHelper());
        p.addHelper(new SaneHelper());
        p.addHelper(new PptpHelper());
        p.addHelper(new SipHelper());
        p.addHelper(new SipTcpHelper());
        return p;
    }

    /** The trackers and nothing else. */
    public static Plugins trackersOnly() {
        Plugins p = new Plugins();
        p.addTracker(new UdpTracker(), IpProto.UDP);
        p.addTracker(new UdpLiteTracker(), IpProto.UDPLITE);
        p.addTracker(new TcpTracker(), IpProto.TCP);
        p.addTracker(new IcmpTracker(), IpProto.ICMP);
        p.addTracker(new Icmpv6Tracker(), IpProto.ICMPV6);
        p.addTracker(new GreTracker(), IpProto.GRE);
        p.addExtension(new GreKeymaps(), "gre-keymap");
        p.addTracker(new SctpTracker(), IpProto.SCTP);
        return p;
    }

    static Replay.EngineSource engines(Plugins plugins) {
        ConntrackFactory factory = plugins.factory();
        return (name, clock, sysctls) -> {
            try {
                return factory.create(name, clock, sysctls, true);
            } catch (IllegalArgumentException e) {
                throw new ReplayException(e.getMessage(), ReplayException.INPUT);
            }
        };
    }

    static Replay.RulesetInstaller rules() {
        NftRulesets rulesets = new NftRulesets();
        return (Conntrack net, String text, String source) -> {
            try {
                return rulesets.install(net, source, text);
            } catch (RulesetParseException | RulesetInstallException e) {
                throw new ReplayException(e.getMessage(), ReplayException.RULESET, e);
            }
        };
    }
}
