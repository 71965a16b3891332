package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Packet;

/**
 * {@code notrack} ({@code nft_notrack_eval}): a packet that conntrack has not seen yet is marked untracked, so
 * that conntrack leaves it alone; only useful before conntrack (prerouting/output at priority raw).
 */
final class NotrackExpr extends Expr {
    static final NotrackExpr INSTANCE = new NotrackExpr();

    private NotrackExpr() {
    }

    @Override
    int eval(Packet p, long info) {
        if (p.ct == null && p.ctinfo != CtInfo.UNTRACKED) {
            p.ctinfo = CtInfo.UNTRACKED;
        }
        return CONTINUE;
    }
}
