package org.conntrack4j.rules.nft;

import java.util.List;
import java.util.Optional;

/** A parsed ruleset: its tables in the order written. Obtain one with {@link NftParser}. */
public record Ruleset(List<Table> tables) {
    public Ruleset {
        tables = List.copyOf(tables);
    }

    public Optional<Table> table(Family family, String name) {
        return tables.stream().filter(t -> t.family() == family && t.name().equals(name)).findFirst();
    }

    /** The ruleset as {@code nft list ruleset} prints it; {@link NftParser} reads it back to an equal ruleset. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Table t : tables) {
            sb.append(t).append('\n');
        }
        return sb.toString();
    }
}
