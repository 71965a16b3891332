package org.conntrack4j.rules.nft;

import java.util.Objects;
import java.util.Optional;

/**
 * {@code add @SET { KEY [ct count [over] N] }} or {@code update @SET { ... }} ({@code nft_dynset}): the packet's
 * {@code key} (an address) becomes an element of the named set if it is not one yet; the element's
 * {@code ct count} then decides whether the rule goes on. A full set ends the rule.
 *
 * @since 1.2
 */
public record SetUpdateStatement(boolean update, String set, Selector key, Optional<ConnLimit> limit)
        implements Statement {
    public SetUpdateStatement {
        Objects.requireNonNull(set, "set");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(limit, "limit");
    }

    @Override
    public String toString() {
        return (update ? "update" : "add") + " @" + set + " { " + key.keyword()
                + limit.map(l -> " " + l).orElse("") + " }";
    }
}
