package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Zone;

/**
 * {@code ct [original|reply] zone set N} ({@code nft_ct_set_zone_eval}): a packet conntrack has not seen yet and
 * that carries no template takes a zone template; conntrack then looks it up and creates its connection in that
 * zone. Like Linux's template, it makes an untracked packet tracked again ({@code IP_CT_NEW}).
 */
final class CtZoneSetExpr extends Expr {
    private final int template;

    /** {@code dirs}: {@link Zone#DIR_ORIGINAL}, {@link Zone#DIR_REPLY} or {@link Zone#DIR_BOTH}. */
    CtZoneSetExpr(int zone, int dirs) {
        this.template = Zone.template(zone, dirs);
    }

    @Override
    int eval(Packet p, long info) {
        if (p.ct == null && !Zone.isTemplate(p.zone)) {
            p.zone = template;
            p.ctinfo = CtInfo.NEW;
        }
        return CONTINUE;
    }
}
