package org.conntrack4j.rules.nft;

import java.util.Objects;
import java.util.Optional;

/** {@code accept}, {@code drop}, {@code return}, {@code jump CHAIN} or {@code goto CHAIN}. */
public record VerdictStatement(Kind kind, Optional<String> target) implements Statement {

    public enum Kind {
        ACCEPT("accept"),
        DROP("drop"),
        RETURN("return"),
        JUMP("jump"),
        GOTO("goto");

        private final String keyword;

        Kind(String keyword) {
            this.keyword = keyword;
        }

        public String keyword() {
            return keyword;
        }

        /** JUMP and GOTO name a chain. */
        public boolean takesTarget() {
            return this == JUMP || this == GOTO;
        }
    }

    public VerdictStatement {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(target, "target");
        if (kind.takesTarget() != target.isPresent()) {
            throw new IllegalArgumentException(kind.keyword() + (kind.takesTarget() ? " needs" : " takes no")
                    + " target chain");
        }
    }

    public static VerdictStatement accept() {
        return new VerdictStatement(Kind.ACCEPT, Optional.empty());
    }

    public static VerdictStatement drop() {
        return new VerdictStatement(Kind.DROP, Optional.empty());
    }

    public static VerdictStatement ret() {
        return new VerdictStatement(Kind.RETURN, Optional.empty());
    }

    public static VerdictStatement jump(String chain) {
        return new VerdictStatement(Kind.JUMP, Optional.of(chain));
    }

    public static VerdictStatement goTo(String chain) {
        return new VerdictStatement(Kind.GOTO, Optional.of(chain));
    }

    @Override
    public boolean isTerminal() {
        return true;
    }

    @Override
    public String toString() {
        return target.map(t -> kind.keyword() + " " + t).orElse(kind.keyword());
    }
}
