package org.conntrack4j.rules.nft;

import java.util.Objects;

/**
 * {@code ct timeout set "NAME"} or {@code ct expectation set "NAME"}: gives the new connection the table's object of
 * that kind and name.
 *
 * @since 1.2
 */
public record CtObjectSetStatement(Kind kind, String object) implements Statement {
    /** Which object: the keyword after {@code ct}. */
    public enum Kind {
        TIMEOUT("timeout"), EXPECTATION("expectation");

        private final String keyword;

        Kind(String keyword) {
            this.keyword = keyword;
        }

        public String keyword() {
            return keyword;
        }
    }

    public CtObjectSetStatement {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(object, "object");
    }

    @Override
    public String toString() {
        return "ct " + kind.keyword() + " set \"" + object + "\"";
    }
}
