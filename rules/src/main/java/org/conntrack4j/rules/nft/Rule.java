package org.conntrack4j.rules.nft;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A rule: its matches and statements in the order written (nft allows them interleaved, e.g.
 * {@code tcp dport 1 counter ip saddr 10.0.0.1 accept}), an optional comment, and where it was written. Two rules
 * are equal when their elements and comments are; the position is not compared.
 */
public record Rule(List<RuleElement> elements, Optional<String> comment, SourcePos position) {
    public Rule {
        elements = List.copyOf(elements);
        Objects.requireNonNull(comment, "comment");
        Objects.requireNonNull(position, "position");
    }

    public Rule(List<RuleElement> elements) {
        this(elements, Optional.empty(), SourcePos.unknown());
    }

    /** The matches, in order. */
    public List<Match> matches() {
        List<Match> out = new ArrayList<>();
        for (RuleElement e : elements) {
            if (e instanceof Match m) {
                out.add(m);
            }
        }
        return out;
    }

    /** The statements, in order. */
    public List<Statement> statements() {
        List<Statement> out = new ArrayList<>();
        for (RuleElement e : elements) {
            if (e instanceof Statement s) {
                out.add(s);
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rule r && r.elements.equals(elements) && r.comment.equals(comment);
    }

    @Override
    public int hashCode() {
        return elements.hashCode() * 31 + comment.hashCode();
    }

    /** The rule as nft lists it, without indentation: {@code ct state new tcp dport 21 ct helper set "ftp"}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (RuleElement e : elements) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(e);
        }
        comment.ifPresent(c -> sb.append(sb.length() > 0 ? " " : "").append("comment \"").append(c).append('"'));
        return sb.toString();
    }
}
