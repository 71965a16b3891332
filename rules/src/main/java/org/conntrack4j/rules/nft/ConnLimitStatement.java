package org.conntrack4j.rules.nft;

import java.util.Objects;

/**
 * {@code ct count [over] N} in a rule: one count for every packet that reaches it.
 *
 * @since 1.2
 */
public record ConnLimitStatement(ConnLimit limit) implements Statement {
    public ConnLimitStatement {
        Objects.requireNonNull(limit, "limit");
    }

    @Override
    public String toString() {
        return limit.toString();
    }
}
