package org.conntrack4j.rules.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.FlowOffload;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.TimeoutPolicy;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.api.Zone;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.rules.NatRule;
import org.conntrack4j.rules.RulesetInstallException;
import org.conntrack4j.rules.nft.BaseChainSpec;
import org.conntrack4j.rules.nft.ConnLimitStatement;
import org.conntrack4j.rules.nft.Chain;
import org.conntrack4j.rules.nft.ChainType;
import org.conntrack4j.rules.nft.CounterStatement;
import org.conntrack4j.rules.nft.CtHelperObject;
import org.conntrack4j.rules.nft.CtHelperSetStatement;
import org.conntrack4j.rules.nft.CtExpectationObject;
import org.conntrack4j.rules.nft.CtLabelSetStatement;
import org.conntrack4j.rules.nft.CtMarkSetStatement;
import org.conntrack4j.rules.nft.CtObjectSetStatement;
import org.conntrack4j.rules.nft.CtTimeoutObject;
import org.conntrack4j.rules.nft.FlowAddStatement;
import org.conntrack4j.rules.nft.FlowtableObject;
import org.conntrack4j.rules.nft.CtZoneSetStatement;
import org.conntrack4j.rules.nft.IpAddress;
import org.conntrack4j.rules.nft.LogStatement;
import org.conntrack4j.rules.nft.MarkCopyStatement;
import org.conntrack4j.rules.nft.Match;
import org.conntrack4j.rules.nft.MetaMarkSetStatement;
import org.conntrack4j.rules.nft.NamedSet;
import org.conntrack4j.rules.nft.NatStatement;
import org.conntrack4j.rules.nft.NotrackStatement;
import org.conntrack4j.rules.nft.Operand;
import org.conntrack4j.rules.nft.Policy;
import org.conntrack4j.rules.nft.RejectStatement;
import org.conntrack4j.rules.nft.Rule;
import org.conntrack4j.rules.nft.RuleElement;
import org.conntrack4j.rules.nft.Ruleset;
import org.conntrack4j.rules.nft.SetUpdateStatement;
import org.conntrack4j.rules.nft.Table;
import org.conntrack4j.rules.nft.VerdictStatement;
import org.osgi.service.log.Logger;

/**
 * Compiles a ruleset for one engine and registers its base chains. First the checks the kernel makes when it
 * loads the objects and expressions (a helper for every ct helper object, NAT for nat chains), so that a ruleset
 * is installed whole or not at all.
 */
final class Installer {
    /** Bundles of this project that provide helper types, for error messages. */
    private static final Map<String, String> HELPER_BUNDLES = Map.of("ftp", "org.conntrack4j.helper.ftp", "tftp",
        "org.conntrack4j.helper.tftp", "irc", "org.conntrack4j.helper.irc", "amanda", "org.conntrack4j.helper.amanda",
        "sane", "org.conntrack4j.helper.sane", "pptp", "org.conntrack4j.helper.pptp",
        "sip", "org.conntrack4j.helper.sip");
    static final String NAT_BUNDLE = "org.conntrack4j.nat";

    private final Conntrack net;
    private final Ruleset ruleset;
    private final List<CounterExpr> counters = new ArrayList<>();
    private final List<NatRule> natRules = new ArrayList<>();
    private final List<Base> bases = new ArrayList<>();
    /** The timeout policies made for this installation: taken back from their connections when it is removed. */
    private final List<TimeoutPolicy> policies = new ArrayList<>();
    /** The flowtables made for this installation: freed (their flows handed back) when it is removed. */
    private final List<FlowtableRef> flowtables = new ArrayList<>();
    private Nat nat;

    /** A base chain ready to register. */
    private record Base(Chain chain, BaseChainSpec spec, int family, BaseChainFn fn, String owner) {
    }

    /** Where {@code log} statements write (null: nowhere). */
    private final Logger packetLog;
    private final RulesetSwitch gate;
    private final Object token;

    Installer(Conntrack net, Ruleset ruleset, Logger packetLog) {
        this(net, ruleset, packetLog, null, null);
    }

    /** With a switch: the ruleset's base chains act only while {@code gate.live == token}. */
    Installer(Conntrack net, Ruleset ruleset, Logger packetLog, RulesetSwitch gate, Object token) {
        this.packetLog = packetLog;
        this.net = net;
        this.ruleset = ruleset;
        this.gate = gate;
        this.token = token;
    }

    InstalledRulesetImpl install() throws RulesetInstallException {
        checkHelpers();
        nat = net.services().extension(Nat.class);
        checkNat();
        try {
            for (Table t : ruleset.tables()) {
                compileTable(t);
            }
        } catch (RuntimeException e) {
            for (FlowtableRef f : flowtables) {
                f.close();
            }
            throw e;
        }
        // the flowtables go last when the installation is closed (in reverse), once no rule adds to them
        List<Registration> regs = new ArrayList<>(flowtables);
        List<Registration> natRegs = new ArrayList<>();
        try {
            for (Base b : bases) {
                int hook = b.spec.hook().number();
                int prio = b.spec.priority().value();
                if (b.spec.type() == ChainType.NAT) {
                    Registration r = nat.registerChain(b.family, hook, prio, b.fn, b.owner);
                    regs.add(r);
                    natRegs.add(r);
                } else {
                    regs.add(net.packets().registerHook(b.family, hook, prio, b.fn, b.owner));
                }
            }
        } catch (RuntimeException e) {
            for (int i = regs.size() - 1; i >= 0; i--) {
                regs.get(i).close();
            }
            Chain c = bases.get(regs.size() - flowtables.size()).chain;
            throw new RulesetInstallException(c.position(), "chain " + c.name() + ": cannot be registered: "
                + e.getMessage());
        }
        return new InstalledRulesetImpl(net, ruleset, regs, natRegs, counters, natRules, policies);
    }

    // ---- checks ------------------------------------------------------------------------------------------------

    private void checkHelpers() throws RulesetInstallException {
        for (Table t : ruleset.tables()) {
            for (CtHelperObject h : t.ctHelpers()) {
                boolean v4 = servesIpv4(h);
                boolean v6 = servesIpv6(h);
                boolean found = v4 && net.services().helper(h.type(), Family.IPV4, h.protocol()) != null
                    || v6 && net.services().helper(h.type(), Family.IPV6, h.protocol()) != null;
                if (!found) {
                    String proto = h.protocol() == 6 ? "tcp" : "udp";
                    String over = v4 && v6 ? "" : v4 ? " over IPv4" : " over IPv6";
                    String bundle = HELPER_BUNDLES.get(h.type());
                    String hint = bundle != null ? "bundle " + bundle + " provides it"
                        : "no bundle of conntrack4j provides that type; a helper bundle registering it is needed";
                    throw new RulesetInstallException(h.position(), "ct helper \"" + h.name()
                        + "\": no helper of type \"" + h.type() + "\" for " + proto + over + " is registered (" + hint
                        + ")");
                }
            }
        }
    }

    private void checkNat() throws RulesetInstallException {
        if (nat != null) {
            return;
        }
        Chain natChain = null;
        for (Table t : ruleset.tables()) {
            for (Chain c : t.chains()) {
                for (Rule r : c.rules()) {
                    for (RuleElement e : r.elements()) {
                        if (e instanceof NatStatement n) {
                            throw new RulesetInstallException(r.position(), "chain " + c.name() + ": \""
                                + n.kind().keyword() + "\" needs NAT, which bundle " + NAT_BUNDLE
                                + " provides; it is not installed");
                        }
                    }
                }
                if (natChain == null && c.baseSpec().map(s -> s.type() == ChainType.NAT).orElse(false)) {
                    natChain = c;
                }
            }
        }
        if (natChain != null) {
            throw new RulesetInstallException(natChain.position(), "chain " + natChain.name()
                + ": a nat chain needs NAT, which bundle " + NAT_BUNDLE + " provides; it is not installed");
        }
    }

    // ---- compilation -------------------------------------------------------------------------------------------

    private void compileTable(Table t) {
        // objects and sets live as long as the installation (the kernel's, as long as the table)
        Map<String, TimeoutPolicy> timeouts = new HashMap<>();
        for (CtTimeoutObject o : t.objectsOf(CtTimeoutObject.class)) {
            int family = o.l3proto().nfproto() == Family.INET ? 0 : o.l3proto().nfproto();
            TimeoutPolicy policy = TimeoutPolicy.of(o.name(), family, o.protocol(), o.bySetting());
            timeouts.put(o.name(), policy);
            policies.add(policy);
        }
        Map<String, DynamicSet> sets = new HashMap<>();
        for (NamedSet s : t.sets()) {
            sets.put(s.name(), new DynamicSet(s.name(), s.size() == 0 ? NamedSet.DEFAULT_DYNAMIC_SIZE : s.size()));
        }
        Map<String, FlowtableRef> fts = new HashMap<>();
        for (FlowtableObject f : t.objectsOf(FlowtableObject.class)) {
            int family = t.family().nfproto() == Family.INET ? 0 : t.family().nfproto();
            FlowtableRef ft = new FlowtableRef(net, t.name() + " " + f.name(), family, f.devices(),
                f.priority().value(), f.counter() ? FlowOffload.FLAG_COUNTER : 0);
            flowtables.add(ft);
            fts.put(f.name(), ft);
        }
        Objects objects = new Objects(timeouts, sets, fts);
        Map<String, CompiledChain> chains = new HashMap<>();
        for (Chain c : t.chains()) {
            chains.put(c.name(), new CompiledChain(c.name()));
        }
        int[][] handles = RuleRef.handles(t);
        for (int ci = 0; ci < t.chains().size(); ci++) {
            Chain c = t.chains().get(ci);
            CompiledChain cc = chains.get(c.name());
            Expr[][] rules = new Expr[c.rules().size()][];
            Object[] refs = new Object[rules.length];
            for (int i = 0; i < rules.length; i++) {
                rules[i] = compileRule(t, c, c.rules().get(i), chains, objects);
                refs[i] = RuleRef.rule(t, c, i + 1, handles[ci][i], c.rules().get(i));
            }
            cc.setRules(rules, refs);
            if (c.baseSpec().isPresent()) {
                BaseChainSpec spec = c.baseSpec().get();
                int policy = spec.policy() == Policy.DROP ? Verdict.DROP : Verdict.ACCEPT;
                String owner = "nft " + t.family().keyword() + " " + t.name() + " " + c.name();
                bases.add(new Base(c, spec, t.family().nfproto(), new BaseChainFn(cc, policy,
                    RuleRef.policy(t, c, policy == Verdict.DROP ? "drop" : "accept"), gate, token), owner));
            }
        }
    }

    /** The runtime state of a table's objects and sets, by name. */
    private record Objects(Map<String, TimeoutPolicy> timeouts, Map<String, DynamicSet> sets,
        Map<String, FlowtableRef> flowtables) {
    }

    private Expr[] compileRule(Table t, Chain c, Rule r, Map<String, CompiledChain> chains, Objects objects) {
        List<Expr> out = new ArrayList<>();
        for (RuleElement e : r.elements()) {
            if (e instanceof Match m) {
                out.add(MatchCompiler.compile(m));
            } else if (e instanceof VerdictStatement v) {
                switch (v.kind()) {
                    case ACCEPT:
                        out.add(VerdictExpr.ACCEPT);
                        break;
                    case DROP:
                        out.add(VerdictExpr.DROP);
                        break;
                    case RETURN:
                        out.add(VerdictExpr.RETURN);
                        break;
                    default:
                        JumpExpr j = new JumpExpr(v.kind() == VerdictStatement.Kind.GOTO);
                        j.link(chains.get(v.target().orElseThrow()));
                        out.add(j);
                }
            } else if (e instanceof CounterStatement cs) {
                CounterExpr ce = new CounterExpr(cs);
                counters.add(ce);
                out.add(ce);
            } else if (e instanceof LogStatement l) {
                out.add(new LogExpr(l.prefix().orElse(""), packetLog));
            } else if (e instanceof NotrackStatement) {
                out.add(NotrackExpr.INSTANCE);
            } else if (e instanceof CtMarkSetStatement cm) {
                out.add(new CtMarkSetExpr(net, cm.mark()));
            } else if (e instanceof CtHelperSetStatement hs) {
                CtHelperObject h = t.ctHelper(hs.helper()).orElseThrow();
                out.add(new CtHelperSetExpr(net, h.type(), h.protocol(), servesIpv4(h), servesIpv6(h)));
            } else if (e instanceof NatStatement n) {
                out.add(nat(t, c, r, n));
            } else if (e instanceof CtZoneSetStatement z) {
                out.add(new CtZoneSetExpr(z.zone(), z.direction() < 0 ? Zone.DIR_BOTH
                    : z.direction() == 0 ? Zone.DIR_ORIGINAL : Zone.DIR_REPLY));
            } else if (e instanceof MetaMarkSetStatement m) {
                out.add(new MarkSetExpr(net, MarkSetExpr.Kind.META_FROM_VALUE, m.mark()));
            } else if (e instanceof MarkCopyStatement m) {
                out.add(new MarkSetExpr(net, m.toConnection() ? MarkSetExpr.Kind.CT_FROM_META
                    : MarkSetExpr.Kind.META_FROM_CT, 0));
            } else if (e instanceof CtLabelSetStatement l) {
                out.add(new CtLabelSetExpr(net, l.bit()));
            } else if (e instanceof CtObjectSetStatement o) {
                out.add(objectSet(t, o, objects));
            } else if (e instanceof ConnLimitStatement cl) {
                out.add(new ConnLimitExpr(net, cl.limit()));
            } else if (e instanceof SetUpdateStatement u) {
                out.add(new SetUpdateExpr(net, objects.sets().get(u.set()), u.key(), u.limit().orElse(null)));
            } else if (e instanceof RejectStatement) {
                out.add(new RejectExpr(net));
            } else if (e instanceof FlowAddStatement f) {
                out.add(new FlowAddExpr(net, objects.flowtables().get(f.flowtable())));
            } else {
                throw new IllegalArgumentException("statement not supported by the evaluator: " + e);
            }
        }
        return out.toArray(new Expr[0]);
    }

    private Expr objectSet(Table t, CtObjectSetStatement o, Objects objects) {
        if (o.kind() == CtObjectSetStatement.Kind.TIMEOUT) {
            CtTimeoutObject obj = t.object(CtTimeoutObject.class, o.object()).orElseThrow();
            return new CtTimeoutSetExpr(net, objects.timeouts().get(o.object()), obj.firstStateSeconds());
        }
        CtExpectationObject x = t.object(CtExpectationObject.class, o.object()).orElseThrow();
        return new CtExpectationSetExpr(net, x.l3proto().nfproto(), x.protocol(), x.dport(), x.timeoutMillis(),
            x.size());
    }

    private NatExpr nat(Table t, Chain c, Rule r, NatStatement n) {
        int flags = 0;
        for (NatStatement.Flag f : n.flags()) {
            flags |= f.bit();
        }
        int minPort = -1;
        int maxPort = 0;
        if (n.ports().isPresent()) {
            Operand p = n.ports().get();
            if (p instanceof Operand.Range pr) {
                minPort = ((Operand.Num) pr.low()).intValue();
                maxPort = ((Operand.Num) pr.high()).intValue();
            } else {
                minPort = ((Operand.Num) p).intValue();
                maxPort = minPort;
            }
            flags |= NatRange.PROTO_SPECIFIED;
        }
        NatRange range;
        if (n.address().isPresent()) {
            Operand a = n.address().get();
            IpAddress lo;
            IpAddress hi;
            if (a instanceof Operand.Range ar) {
                lo = (IpAddress) ar.low();
                hi = (IpAddress) ar.high();
            } else {
                // a prefix maps to its whole range of addresses, as nft sends it (addr_min, addr_max)
                lo = ((IpAddress) a).firstAddress();
                hi = ((IpAddress) a).lastAddress();
            }
            long[] l = address(lo);
            long[] h = address(hi);
            int fam = lo.isIpv6() ? Family.IPV6 : Family.IPV4;
            range = new NatRange(flags | NatRange.MAP_IPS, fam, l[0], l[1], h[0], h[1], Math.max(minPort, 0),
                maxPort);
        } else {
            range = new NatRange(flags, 0, 0, 0, 0, 0, Math.max(minPort, 0), maxPort);
        }
        // the family the statement works on: written (inet tables), else the table's; 0 (both) for inet without
        int family = n.family().map(f -> f.nfproto()).orElse(t.family().nfproto() == Family.INET ? 0
            : t.family().nfproto());
        String origin = t.family().keyword() + " " + t.name() + " " + c.name() + ": " + ruleText(r);
        int manip = n.kind().isSource() ? NatManip.SRC : NatManip.DST;
        natRules.add(new NatRule(t.family().keyword(), t.name(), c.name(), n, manip, origin, r.position()));
        return new NatExpr(nat, n.kind(), family, range, origin);
    }

    /** {@code l3proto ip} or {@code inet}: the object looks for an IPv4 helper ({@code helper4}). */
    private static boolean servesIpv4(CtHelperObject h) {
        return h.l3proto().nfproto() != Family.IPV6;
    }

    private static boolean servesIpv6(CtHelperObject h) {
        return h.l3proto().nfproto() != Family.IPV4;
    }

    private static long[] address(IpAddress a) {
        return a.isIpv6() ? MatchCompiler.v6(a) : new long[] {0, MatchCompiler.v4(a)};
    }

    /** The rule as nft lists it, a counter without its values (they change; the origin names the rule). */
    static String ruleText(Rule r) {
        StringBuilder sb = new StringBuilder();
        for (RuleElement e : r.elements()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(e instanceof CounterStatement ? "counter" : e.toString());
        }
        r.comment().ifPresent(c -> sb.append(" comment \"").append(c).append('"'));
        return sb.toString();
    }
}
