package org.conntrack4j.rules.nft;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * A condition: {@code selector op value}, e.g. {@code tcp dport != { 22, 80 }}, or with a {@code mask} the field
 * and-ed with it first ({@code ct mark and 0xff == 0x1}). A rule stops at the first match that fails. See {@link Op}
 * for how bitmask fields are compared.
 */
public record Match(Selector selector, Op op, Operand value, OptionalLong mask) implements RuleElement {
    public Match {
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(mask, "mask");
    }

    /** A match without a mask. */
    public Match(Selector selector, Op op, Operand value) {
        this(selector, op, value, OptionalLong.empty());
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(selector.keyword());
        ValueKind kind = selector.kind();
        if (mask.isPresent()) {
            // nft lists a masked field with its operator, == included
            return sb.append(" & ").append(kind.format(new Operand.Num(mask.getAsLong()))).append(' ')
                    .append(op == Op.IMPLICIT ? "==" : op.symbol()).append(' ').append(kind.format(value)).toString();
        }
        if (kind.isBitmask() && value instanceof Operand.Flags f && op != Op.IMPLICIT) {
            // nft prints "!= established | related"; for == it drops the operator, which would read back as a
            // flag test, so the operator is kept here.
            return sb.append(' ').append(op.symbol()).append(' ')
                    .append(Symbols.flagNames(kind, f.bits(), " | ")).toString();
        }
        if (op != Op.IMPLICIT) {
            sb.append(' ').append(op.symbol());
        }
        return sb.append(' ').append(kind.format(value)).toString();
    }
}
