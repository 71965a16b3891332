package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.Packet;

/**
 * The mark statements other than {@code ct mark set N}: {@code meta mark set N}, {@code meta mark set ct mark} (a ct
 * load: without a connection the rule ends; a zone template's mark is 0) and {@code ct mark set meta mark}
 * ({@code nft_ct_set_eval}: a MARK event when the mark changes; nothing without a connection).
 */
final class MarkSetExpr extends Expr {
    /** What is set from what. */
    enum Kind {
        META_FROM_VALUE, META_FROM_CT, CT_FROM_META
    }

    private final Conntrack net;
    private final Kind kind;
    private final int value;

    MarkSetExpr(Conntrack net, Kind kind, long value) {
        this.net = net;
        this.kind = kind;
        this.value = (int) value;
    }

    @Override
    int eval(Packet p, long info) {
        Connection ct = p.ct;
        switch (kind) {
            case META_FROM_VALUE:
                p.mark = value;
                return CONTINUE;
            case META_FROM_CT:
                if (ct == null && !Field.template(p)) {
                    return BREAK;
                }
                p.mark = ct == null ? 0 : ct.mark();
                return CONTINUE;
            default:
                if (ct != null && ct.mark() != p.mark) {
                    ct.setMark(p.mark);
                    net.packets().cacheEvent(ct, CtEvent.MARK);
                }
                return CONTINUE;
        }
    }
}
