package org.conntrack4j.rules;

import java.util.Objects;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.rules.nft.NatStatement;
import org.conntrack4j.rules.nft.SourcePos;

/**
 * One NAT statement of an installed ruleset.
 *
 * @param family table family keyword ({@code inet})
 * @param table table name
 * @param chain chain holding the statement
 * @param statement the statement
 * @param manip {@code NatManip.SRC} (masquerade, snat) or {@code NatManip.DST} (dnat, redirect)
 * @param origin the text given to NAT as the binding's origin: {@code inet oracle nat_post: oifname "wan" ...
 *     masquerade}. NAT keeps this very instance with the connections the statement binds.
 * @param position where the rule was written
 */
public record NatRule(String family, String table, String chain, NatStatement statement, int manip, String origin,
    SourcePos position) {
    public NatRule {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(statement, "statement");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(position, "position");
    }

    /** Did this statement bind {@code ct} (as NAT reports it)? */
    public boolean bound(Nat nat, Connection ct) {
        String o = nat.origin(ct, manip);
        return o == origin || origin.equals(o);
    }
}
