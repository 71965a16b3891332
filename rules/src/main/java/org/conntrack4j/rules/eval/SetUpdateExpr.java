package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.rules.nft.ConnLimit;
import org.conntrack4j.rules.nft.Selector;

/**
 * {@code add|update @SET { KEY [ct count [over] N] }} ({@code nft_dynset_eval}): the packet's address (of the key's
 * family, else the rule ends, as nft's protocol dependency makes it) finds or becomes an element; a full set ends the
 * rule. A new element's count starts empty, collected "now" ({@code nft_connlimit_clone}); then the element's count
 * decides ({@code nft_set_elem_update_expr}). Finding an element allocates nothing.
 */
final class SetUpdateExpr extends Expr {
    private final Conntrack net;
    private final DynamicSet set;
    private final boolean v6;
    private final int offset;
    private final ConnLimit limit;

    SetUpdateExpr(Conntrack net, DynamicSet set, Selector key, ConnLimit limit) {
        this.net = net;
        this.set = set;
        this.v6 = key == Selector.IP6_SADDR || key == Selector.IP6_DADDR;
        this.offset = v6 ? (key == Selector.IP6_SADDR ? 8 : 24) : (key == Selector.IP_SADDR ? 12 : 16);
        this.limit = limit;
    }

    @Override
    int eval(Packet p, long info) {
        long hi;
        long lo;
        if (v6) {
            if (p.family != Family.IPV6 || p.length() < 40) {
                return BREAK;
            }
            hi = p.u64(offset);
            lo = p.u64(offset + 8);
        } else {
            if (p.family != Family.IPV4 || p.length() < 20) {
                return BREAK;
            }
            hi = 0;
            lo = p.u32(offset) & 0xffffffffL;
        }
        DynamicSet.Element e = set.findOrAdd(net, hi, lo, limit == null ? now -> new DynamicSet.Element(null)
            : now -> new DynamicSet.Element(new ConnCount(now)));
        if (e == null) {
            return BREAK;
        }
        return e.count == null ? CONTINUE : ConnLimitExpr.decide(net, limit, e.count, p);
    }
}
