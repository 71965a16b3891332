package org.conntrack4j.rules.nft;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A table: family, name, its ct helper objects and its chains (in declaration order). Equality ignores position. */
public record Table(Family family, String name, List<CtHelperObject> ctHelpers, List<Chain> chains,
        SourcePos position) {
    public Table {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(name, "name");
        ctHelpers = List.copyOf(ctHelpers);
        chains = List.copyOf(chains);
        Objects.requireNonNull(position, "position");
    }

    public Optional<Chain> chain(String chainName) {
        return chains.stream().filter(c -> c.name().equals(chainName)).findFirst();
    }

    public Optional<CtHelperObject> ctHelper(String helperName) {
        return ctHelpers.stream().filter(h -> h.name().equals(helperName)).findFirst();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Table t && t.family == family && t.name.equals(name) && t.ctHelpers.equals(ctHelpers)
                && t.chains.equals(chains);
    }

    @Override
    public int hashCode() {
        return Objects.hash(family, name, ctHelpers, chains);
    }

    /** The table as {@code nft list ruleset} prints it (objects first, then chains, a blank line between). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("table ").append(family.keyword()).append(' ').append(name).append(" {\n");
        boolean first = true;
        for (CtHelperObject h : ctHelpers) {
            if (!first) {
                sb.append('\n');
            }
            h.format(sb, "\t");
            sb.append('\n');
            first = false;
        }
        for (Chain c : chains) {
            if (!first) {
                sb.append('\n');
            }
            c.format(sb, "\t");
            sb.append('\n');
            first = false;
        }
        return sb.append('}').toString();
    }
}
