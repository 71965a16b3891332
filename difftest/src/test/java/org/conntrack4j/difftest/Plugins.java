package org.conntrack4j.difftest;

import java.util.Map;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.impl.EngineFactory;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.helper.amanda.AmandaHelper;
import org.conntrack4j.helper.ftp.FtpHelper;
import org.conntrack4j.helper.irc.IrcHelper;
import org.conntrack4j.helper.pptp.PptpHelper;
import org.conntrack4j.helper.sane.SaneHelper;
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

/**
 * The bundles of the distribution wired together without OSGi, as their components would be: the trackers
 * (with the families and protocol numbers of their service properties) and the GRE key map, NAT, the helpers (FTP,
 * TFTP, IRC, Amanda, SANE, PPTP), the rules evaluator.
 */
final class Plugins {
    private Plugins() {
    }

    /** A registry with every shipped plug-in. */
    static Registry full() {
        Registry reg = trackersOnly();
        reg.addExtension(new NatComponent(), "nat", reg.localId(), 0, "org.conntrack4j.nat");
        reg.addHelper(new FtpHelper(), reg.localId(), 0, "org.conntrack4j.helper.ftp");
        reg.addHelper(new TftpHelper(), reg.localId(), 0, "org.conntrack4j.helper.tftp");
        reg.addHelper(new IrcHelper(), reg.localId(), 0, "org.conntrack4j.helper.irc");
        reg.addHelper(new AmandaHelper(), reg.localId(), 0, "org.conntrack4j.helper.amanda");
        reg.addHelper(new SaneHelper(), reg.localId(), 0, "org.conntrack4j.helper.sane");
        reg.addHelper(new PptpHelper(), reg.localId(), 0, "org.conntrack4j.helper.pptp");
        return reg;
    }

    /** A registry with the trackers and nothing else. */
    static Registry trackersOnly() {
        Registry reg = new Registry();
        reg.addTracker(new UdpTracker(), 17, true, true, reg.localId(), 0, "org.conntrack4j.proto.udp");
        reg.addTracker(new UdpLiteTracker(), 136, true, true, reg.localId(), 0, "org.conntrack4j.proto.udp");
        reg.addTracker(new TcpTracker(), 6, true, true, reg.localId(), 0, "org.conntrack4j.proto.tcp");
        reg.addTracker(new IcmpTracker(), 1, true, true, reg.localId(), 0, "org.conntrack4j.proto.icmp");
        reg.addTracker(new Icmpv6Tracker(), 58, true, true, reg.localId(), 0, "org.conntrack4j.proto.icmp");
        reg.addTracker(new GreTracker(), 47, true, true, reg.localId(), 0, "org.conntrack4j.proto.gre");
        reg.addExtension(new GreKeymaps(), "gre-keymap", reg.localId(), 0, "org.conntrack4j.proto.gre");
        reg.addTracker(new SctpTracker(), 132, true, true, reg.localId(), 0, "org.conntrack4j.proto.sctp");
        return reg;
    }

    static Replay.EngineSource engines(Registry reg) {
        return (name, clock, sysctls) -> {
            try {
                return EngineFactory.create(reg, name, clock, sysctls, true);
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

    static Map<String, String> none() {
        return Map.of();
    }
}
