package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;

/** {@code accept}, {@code drop}, {@code return} ({@code nft_immediate} of a verdict). */
final class VerdictExpr extends Expr {
    static final VerdictExpr ACCEPT = new VerdictExpr(Verdict.ACCEPT);
    static final VerdictExpr DROP = new VerdictExpr(Verdict.DROP);
    static final VerdictExpr RETURN = new VerdictExpr(Expr.RETURN);

    private final int verdict;

    private VerdictExpr(int verdict) {
        this.verdict = verdict;
    }

    @Override
    int eval(Packet p, long info) {
        return verdict;
    }
}
