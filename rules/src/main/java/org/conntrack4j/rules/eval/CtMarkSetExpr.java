package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.Packet;

/** {@code ct mark set N} ({@code nft_ct_set_eval}): changes the mark, with a MARK event, only when it differs. */
final class CtMarkSetExpr extends Expr {
    private final Conntrack net;
    private final int mark;

    CtMarkSetExpr(Conntrack net, long mark) {
        this.net = net;
        this.mark = (int) mark;
    }

    @Override
    int eval(Packet p, long info) {
        Connection ct = p.ct;
        if (ct != null && ct.mark() != mark) {
            ct.setMark(mark);
            net.packets().cacheEvent(ct, CtEvent.MARK);
        }
        return CONTINUE;
    }
}
