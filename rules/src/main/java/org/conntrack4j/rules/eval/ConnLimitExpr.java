package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.rules.nft.ConnLimit;

/**
 * {@code ct count [over] N} ({@code nft_connlimit_do_eval}): counts the packet's connection in a list (the rule's own,
 * or a set element's, see {@link #decide}); a packet whose connection was counted already, or confirmed, only
 * collects the list. The rule goes on while at most N connections are counted ({@code over}: more than N).
 */
final class ConnLimitExpr extends Expr {
    private final Conntrack net;
    private final ConnLimit limit;
    private final ConnCount count;

    ConnLimitExpr(Conntrack net, ConnLimit limit) {
        this.net = net;
        this.limit = limit;
        this.count = new ConnCount(net.now());
    }

    @Override
    int eval(Packet p, long info) {
        return decide(net, limit, count, p);
    }

    /** The connlimit evaluation of {@code count} for {@code p}: CONTINUE, BREAK or DROP. */
    static int decide(Conntrack net, ConnLimit limit, ConnCount count, Packet p) {
        int r = count.add(net, p);
        if (r == ConnCount.EXISTS) {
            // the count may have gone down since: connections closed or gone
            count.gc(net);
        } else if (r != ConnCount.ADDED) {
            return Verdict.DROP;
        }
        boolean over = count.count() > limit.count();
        return over ^ limit.over() ? BREAK : CONTINUE;
    }
}
