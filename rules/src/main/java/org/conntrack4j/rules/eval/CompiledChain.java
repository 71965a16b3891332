package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;

/**
 * A chain's rules, each an array of compiled elements in the order written ({@code nft_do_chain} for one chain).
 * Filled once at install, before any packet sees it; immutable afterwards.
 */
final class CompiledChain {
    private final String name;
    private Expr[][] rules = new Expr[0][];
    /** Each rule's name for {@code Packet.verdictBy}. */
    private Object[] refs = new Object[0];

    CompiledChain(String name) {
        this.name = name;
    }

    void setRules(Expr[][] compiled, Object[] names) {
        this.rules = compiled;
        this.refs = names;
    }

    String name() {
        return name;
    }

    /**
     * Runs the rules: a rule ends at its first failing match ({@link Expr#BREAK}, next rule) or at a statement
     * giving a verdict. Returns the final verdict ({@code >= 0}), {@link Expr#RETURN}, or {@link Expr#CONTINUE}
     * when the end of the chain is reached. A verdict other than accept names its rule in {@code p.verdictBy}
     * (the innermost one: a jump's target has named it before the jumping rule sees the verdict).
     */
    int run(Packet p, long info) {
        Expr[][] rs = rules;
        for (int i = 0; i < rs.length; i++) {
            Expr[] rule = rs[i];
            int v = Expr.CONTINUE;
            for (Expr e : rule) {
                v = e.eval(p, info);
                if (v != Expr.CONTINUE) {
                    break;
                }
            }
            if (v != Expr.CONTINUE && v != Expr.BREAK) {
                if (v >= 0 && v != Verdict.ACCEPT && p.verdictBy == null) {
                    p.verdictBy = refs[i];
                }
                return v;
            }
        }
        return Expr.CONTINUE;
    }
}
