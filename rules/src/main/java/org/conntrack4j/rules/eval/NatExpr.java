package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.rules.nft.NatStatement;

/**
 * {@code snat}, {@code dnat}, {@code masquerade}, {@code redirect} ({@code nft_nat_eval}, {@code nft_masq_eval},
 * {@code nft_redir_eval}): hands the pre-built range to the engine's NAT, whose verdict (ACCEPT, or DROP when no
 * unique tuple is left) is the statement's. NAT calls nat chains only for a connection's first packet at a hook
 * where it has no binding yet, so a connection is always there; a statement for the other family of an inet
 * table does nothing and the chain goes on ({@code nft_nat_inet_eval}).
 */
final class NatExpr extends Expr {
    private final Nat nat;
    private final NatStatement.Kind kind;
    /** Family the statement applies to ({@code Family.IPV4}/{@code IPV6}), 0 for both. */
    private final int family;
    private final NatRange range;
    private final String origin;

    NatExpr(Nat nat, NatStatement.Kind kind, int family, NatRange range, String origin) {
        this.nat = nat;
        this.kind = kind;
        this.family = family;
        this.range = range;
        this.origin = origin;
    }

    @Override
    int eval(Packet p, long info) {
        if (p.ct == null || (family != 0 && family != p.family)) {
            return CONTINUE;
        }
        switch (kind) {
            case MASQUERADE:
                return nat.masquerade(p, range, origin);
            case REDIRECT:
                return nat.redirect(p, range, origin);
            case SNAT:
                return nat.setup(p, p.ct, range, NatManip.SRC, origin);
            default:
                return nat.setup(p, p.ct, range, NatManip.DST, origin);
        }
    }

    NatRange range() {
        return range;
    }

    String origin() {
        return origin;
    }
}
