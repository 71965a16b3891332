package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.ConnLabels;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Packet;

/**
 * {@code ct label set N} ({@code nft_ct_set_eval}, {@code nf_connlabels_replace} with the bit as data and mask): adds
 * the label; a LABEL event when the labels change.
 */
final class CtLabelSetExpr extends Expr {
    private final Conntrack net;
    private final long lo;
    private final long hi;

    CtLabelSetExpr(Conntrack net, int bit) {
        this.net = net;
        this.lo = ConnLabels.word(bit) == 0 ? ConnLabels.mask(bit) : 0;
        this.hi = ConnLabels.word(bit) == 1 ? ConnLabels.mask(bit) : 0;
    }

    @Override
    int eval(Packet p, long info) {
        Connection ct = p.ct;
        if (ct != null) {
            net.services().replaceLabels(ct, lo, hi, lo, hi);
        }
        return CONTINUE;
    }
}
