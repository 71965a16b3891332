package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Packet;

/**
 * {@code jump CHAIN} and {@code goto CHAIN}. Java's stack stands for nft's jump stack: a jump runs the target
 * and, unless it ended with a final verdict, the calling chain goes on with its next rule; a goto runs the target
 * in place of the rest of the calling chain, so the target's end (or {@code return}) returns to whoever jumped to
 * the caller, or to the base chain's policy. The parser refuses loops and depths beyond the kernel's 16.
 */
final class JumpExpr extends Expr {
    private final boolean isGoto;
    /** Set once when the table's chains are linked, before the ruleset is registered anywhere. */
    private CompiledChain target;

    JumpExpr(boolean isGoto) {
        this.isGoto = isGoto;
    }

    void link(CompiledChain chain) {
        this.target = chain;
    }

    @Override
    int eval(Packet p, long info) {
        int v = target.run(p, info);
        if (v >= 0) {
            return v;
        }
        return isGoto ? RETURN : CONTINUE;
    }
}
