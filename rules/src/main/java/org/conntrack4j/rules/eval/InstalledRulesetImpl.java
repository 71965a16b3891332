package org.conntrack4j.rules.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.TimeoutPolicy;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.rules.NatRule;
import org.conntrack4j.rules.nft.Chain;
import org.conntrack4j.rules.nft.CounterStatement;
import org.conntrack4j.rules.nft.Rule;
import org.conntrack4j.rules.nft.RuleElement;
import org.conntrack4j.rules.nft.Ruleset;
import org.conntrack4j.rules.nft.Table;

/**
 * A ruleset installed in an engine. Shared state: the registrations, guarded by this object's monitor; the
 * counters (LongAdders). Everything else is immutable.
 */
final class InstalledRulesetImpl implements InstalledRuleset {
    private final Conntrack net;
    private final Ruleset ruleset;
    private final List<Registration> regs;
    /** The NAT chain registrations among {@link #regs} (objects of the NAT bundle). */
    private final List<Registration> natRegs;
    private final List<CounterExpr> counters;
    private final List<NatRule> natRules;
    private final List<TimeoutPolicy> policies;
    private boolean closed;

    InstalledRulesetImpl(Conntrack net, Ruleset ruleset, List<Registration> regs, List<Registration> natRegs,
        List<CounterExpr> counters, List<NatRule> natRules, List<TimeoutPolicy> policies) {
        this.policies = List.copyOf(policies);
        this.net = net;
        this.ruleset = ruleset;
        this.regs = new ArrayList<>(regs);
        this.natRegs = new ArrayList<>(natRegs);
        this.counters = List.copyOf(counters);
        this.natRules = List.copyOf(natRules);
    }

    @Override
    public Ruleset ruleset() {
        return ruleset;
    }

    @Override
    public Conntrack net() {
        return net;
    }

    @Override
    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = regs.size() - 1; i >= 0; i--) {
            regs.get(i).close();
        }
        regs.clear();
        natRegs.clear();
        // the ct timeout objects go with the ruleset: their connections fall back to the settings (nf_ct_untimeout)
        for (TimeoutPolicy p : policies) {
            net.services().clearTimeoutPolicy(p);
        }
    }

    /**
     * Lets go of the NAT chains after the NAT they were registered with left the engine (its detaching removed
     * them already): their registration objects belong to the NAT bundle and would keep it loaded. The filter
     * chains stay in force.
     */
    synchronized void releaseNatChains() {
        for (Registration r : natRegs) {
            r.close();
            regs.remove(r);
        }
        natRegs.clear();
    }

    @Override
    public String listing() {
        return liveRuleset().toString();
    }

    @Override
    public Ruleset liveRuleset() {
        // the counters appear in the order the installer met them: tables, chains, rules, elements
        int[] next = {0};
        List<Table> tables = new ArrayList<>();
        for (Table t : ruleset.tables()) {
            List<Chain> chains = new ArrayList<>();
            for (Chain c : t.chains()) {
                List<Rule> rules = new ArrayList<>();
                for (Rule r : c.rules()) {
                    List<RuleElement> els = new ArrayList<>();
                    for (RuleElement e : r.elements()) {
                        els.add(e instanceof CounterStatement ? counters.get(next[0]++).snapshot() : e);
                    }
                    rules.add(new Rule(els, r.comment(), r.position()));
                }
                chains.add(new Chain(c.name(), c.baseSpec(), rules, c.position()));
            }
            tables.add(new Table(t.family(), t.name(), t.objects(), t.sets(), chains, t.position()));
        }
        return new Ruleset(tables);
    }

    @Override
    public List<NatRule> natRules() {
        return natRules;
    }

    @Override
    public String natListing() {
        return natListing(net, natRules);
    }

    /**
     * The NAT rules with, under each, the connections it bound; then the bindings no rule of {@code rules} made.
     * {@code rules} may be empty (nothing installed).
     */
    static String natListing(Conntrack net, List<NatRule> rules) {
        Nat nat = net.services().extension(Nat.class);
        Map<NatRule, List<String>> byRule = new LinkedHashMap<>();
        for (NatRule r : rules) {
            byRule.put(r, new ArrayList<>());
        }
        List<String> others = new ArrayList<>();
        if (nat != null) {
            for (Connection ct : nat.boundConnections()) {
                ConnectionSnapshot snap = null;
                for (int manip = NatManip.SRC; manip <= NatManip.DST; manip++) {
                    String origin = nat.origin(ct, manip);
                    if (origin == null) {
                        continue;
                    }
                    if (snap == null) {
                        snap = net.table().snapshot(ct);
                    }
                    String line = CtFormat.listLine(snap, false, false);
                    NatRule rule = find(rules, origin, manip);
                    if (rule != null) {
                        byRule.get(rule).add(line);
                    } else {
                        others.add((manip == NatManip.SRC ? "snat by " : "dnat by ") + origin + ": " + line);
                    }
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<NatRule, List<String>> e : byRule.entrySet()) {
            NatRule r = e.getKey();
            sb.append(r.origin()).append("\t# ").append(r.position()).append(", ")
                .append(count(e.getValue().size())).append('\n');
            for (String l : e.getValue()) {
                sb.append('\t').append(l).append('\n');
            }
        }
        if (!others.isEmpty()) {
            sb.append("bindings made by no rule of the ruleset in force:\n");
            for (String l : others) {
                sb.append('\t').append(l).append('\n');
            }
        }
        if (nat == null && !rules.isEmpty()) {
            sb.append("(NAT is not installed in engine ").append(net.name()).append(")\n");
        }
        return sb.toString();
    }

    private static String count(int n) {
        return n == 1 ? "1 connection" : n + " connections";
    }

    /** The rule whose origin NAT reports: the same text instance first, else an equal text. */
    private static NatRule find(List<NatRule> rules, String origin, int manip) {
        for (NatRule r : rules) {
            if (r.origin() == origin && r.manip() == manip) {
                return r;
            }
        }
        for (NatRule r : rules) {
            if (r.origin().equals(origin) && r.manip() == manip) {
                return r;
            }
        }
        return null;
    }
}
