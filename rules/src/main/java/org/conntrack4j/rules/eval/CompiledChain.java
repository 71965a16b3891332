package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Packet;

/**
 * A chain's rules, each an array of compiled elements in the order written ({@code nft_do_chain} for one chain).
 * Filled once at install, before any packet sees it; immutable afterwards.
 */
final class CompiledChain {
    private final String name;
    private Expr[][] rules = new Expr[0][];

    CompiledChain(String name) {
        this.name = name;
    }

    void setRules(Expr[][] compiled) {
        this.rules = compiled;
    }

    String name() {
        return name;
    }

    /**
     * Runs the rules: a rule ends at its first failing match ({@link Expr#BREAK}, next rule) or at a statement
     * giving a verdict. Returns the final verdict ({@code >= 0}), {@link Expr#RETURN}, or {@link Expr#CONTINUE}
     * when the end of the chain is reached.
     */
    int run(Packet p, long info) {
        Expr[][] rs = rules;
        for (Expr[] rule : rs) {
            int v = Expr.CONTINUE;
            for (Expr e : rule) {
                v = e.eval(p, info);
                if (v != Expr.CONTINUE) {
                    break;
                }
            }
            if (v != Expr.CONTINUE && v != Expr.BREAK) {
                return v;
            }
        }
        return Expr.CONTINUE;
    }
}
