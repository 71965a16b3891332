package org.conntrack4j.nat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.conntrack4j.core.api.Clock;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.proto.icmp.IcmpTracker;
import org.conntrack4j.proto.icmp.Icmpv6Tracker;
import org.conntrack4j.proto.sctp.SctpTracker;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.replay.run.Replay;
import org.conntrack4j.replay.run.ReplayException;
import org.conntrack4j.testkit.Plugins;

/**
 * The kit's plug-ins with the TCP, UDP, ICMP, ICMPv6 and SCTP trackers and NAT, as the distribution has them, and a stand-in
 * for the rules evaluator that knows the two NAT rule shapes of the recorded cases:
 * {@code oifname X ip saddr P masquerade} (postrouting, srcnat) and
 * {@code iifname X ip daddr A tcp dport N dnat ip to B:M} (prerouting, dstnat). Everything else in a ruleset
 * (the logging chain, the filter chains, helper objects) is left out.
 */
final class NatLab {
    private static final Pattern CHAIN = Pattern.compile(
        "chain (\\S+) \\{\\s*type nat hook (prerouting|postrouting) priority (dstnat|srcnat|-?\\d+);[^\\n]*\\n(.*?)\\n\\s*\\}",
        Pattern.DOTALL);
    private static final Pattern MASQ = Pattern.compile(
        "oifname \"([^\"]+)\" ip saddr ([0-9.]+)/(\\d+) masquerade");
    private static final Pattern DNAT = Pattern.compile(
        "iifname \"([^\"]+)\" ip daddr ([0-9.]+) tcp dport (\\d+) dnat ip to ([0-9.]+):(\\d+)");

    final Plugins plugins = new Plugins();
    final NatComponent nat = new NatComponent();
    /** NAT's registration: closing it is the NAT bundle leaving. */
    final Registration natRegistration;

    NatLab() {
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        plugins.addTracker(new IcmpTracker(), IpProto.ICMP);
        plugins.addTracker(new Icmpv6Tracker(), IpProto.ICMPV6);
        plugins.addTracker(new SctpTracker(), IpProto.SCTP);
        natRegistration = plugins.addExtension(nat, "nat");
    }

    /** An engine as the core's factory makes it. */
    Conntrack engine(String name, Clock clock, Map<String, String> sysctls) {
        return plugins.factory().create(name, clock, sysctls, true);
    }

    Replay.EngineSource engines() {
        return this::engine;
    }

    /** Installs the NAT chains of {@code ruleset} as chains of the engine's NAT. */
    static Registration install(Conntrack net, String ruleset, String source) throws ReplayException {
        Nat nat = net.services().extension(Nat.class);
        List<Registration> regs = new ArrayList<>();
        Matcher c = CHAIN.matcher(ruleset);
        while (c.find()) {
            if (nat == null) {
                throw new ReplayException(source + ": a NAT chain but no NAT", ReplayException.INPUT);
            }
            String name = c.group(1);
            int hook = c.group(2).equals("prerouting") ? Hook.PRE_ROUTING : Hook.POST_ROUTING;
            String p = c.group(3);
            int prio = p.equals("dstnat") ? Priority.NAT_DST : p.equals("srcnat") ? Priority.NAT_SRC : Integer.parseInt(p);
            List<Rule> rules = new ArrayList<>();
            for (String line : c.group(4).split("\n")) {
                String l = line.trim();
                if (l.isEmpty()) {
                    continue;
                }
                Rule r = Rule.parse(l, name, nat);
                if (r == null) {
                    throw new ReplayException(source + ": rule not understood by the test: " + l, ReplayException.INPUT);
                }
                rules.add(r);
            }
            regs.add(nat.registerChain(Family.INET, hook, prio, pkt -> {
                for (Rule r : rules) {
                    int v = r.eval(pkt);
                    if (v >= 0) {
                        return v;
                    }
                }
                return Verdict.ACCEPT;
            }, "chain " + name + " (test rules)"));
        }
        return () -> regs.forEach(Registration::close);
    }

    /** {@link #install} for a replay (which adopts the recorded kernel's random NAT ports itself). */
    static Registration installForReplay(Conntrack net, String ruleset, String source) throws ReplayException {
        return install(net, ruleset, source);
    }

    /** One understood rule: returns a verdict when it matched, -1 otherwise. */
    interface Rule {
        int eval(Packet pkt);

        static Rule parse(String text, String chain, Nat nat) {
            String origin = "chain " + chain + ": " + text;
            Matcher m = MASQ.matcher(text);
            if (m.matches()) {
                String oif = m.group(1);
                long net = Integer.toUnsignedLong(Addr.parseV4(m.group(2)));
                int len = Integer.parseInt(m.group(3));
                long mask = len == 0 ? 0 : (0xffffffffL << (32 - len)) & 0xffffffffL;
                NatRange range = NatRange.ports(-1, -1, 0);
                return pkt -> pkt.family == Family.IPV4 && pkt.out != null && pkt.out.name().equals(oif)
                    && ((pkt.u32(12) & 0xffffffffL) & mask) == (net & mask) ? nat.masquerade(pkt, range, origin) : -1;
            }
            m = DNAT.matcher(text);
            if (m.matches()) {
                String iif = m.group(1);
                int daddr = Addr.parseV4(m.group(2));
                int dport = Integer.parseInt(m.group(3));
                long to = Integer.toUnsignedLong(Addr.parseV4(m.group(4)));
                int toPort = Integer.parseInt(m.group(5));
                NatRange range = NatRange.to(Family.IPV4, 0, to, toPort, toPort, 0);
                return pkt -> {
                    if (pkt.family != Family.IPV4 || pkt.in == null || !pkt.in.name().equals(iif) || pkt.u32(16) != daddr
                        || pkt.u8(9) != IpProto.TCP) {
                        return -1;
                    }
                    int l4 = (pkt.u8(0) & 0x0f) << 2;
                    if (pkt.length() < l4 + 4 || pkt.u16(l4 + 2) != dport) {
                        return -1;
                    }
                    return nat.setup(pkt, pkt.ct, range, NatManip.DST, origin);
                };
            }
            return null;
        }
    }
}
