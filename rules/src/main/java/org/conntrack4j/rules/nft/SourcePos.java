package org.conntrack4j.rules.nft;

import java.util.Objects;

/**
 * Where something was written: source name, 1-based line and column. Positions are metadata: AST nodes that carry
 * one leave it out of {@code equals}/{@code hashCode}, so the same rules written elsewhere compare equal.
 */
public record SourcePos(String source, int line, int column) {
    public SourcePos {
        Objects.requireNonNull(source, "source");
    }

    /** A position for nodes built by code rather than parsed. */
    public static SourcePos unknown() {
        return new SourcePos("<built>", 0, 0);
    }

    @Override
    public String toString() {
        return source + ":" + line + ":" + column;
    }
}
