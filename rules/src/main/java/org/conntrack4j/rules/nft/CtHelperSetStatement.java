package org.conntrack4j.rules.nft;

import java.util.Objects;

/** {@code ct helper set "NAME"}: assigns the ct helper object NAME (declared in the same table) to the connection. */
public record CtHelperSetStatement(String helper) implements Statement {
    public CtHelperSetStatement {
        Objects.requireNonNull(helper, "helper");
    }

    @Override
    public String toString() {
        return "ct helper set \"" + helper + "\"";
    }
}
