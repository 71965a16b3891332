package org.conntrack4j.rules.nft;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A chain: a base chain (with a {@link BaseChainSpec}) hooked into netfilter, or a regular chain reached only by
 * {@code jump}/{@code goto}. Equality ignores the position.
 */
public record Chain(String name, Optional<BaseChainSpec> baseSpec, List<Rule> rules, SourcePos position) {
    public Chain {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(baseSpec, "baseSpec");
        rules = List.copyOf(rules);
        Objects.requireNonNull(position, "position");
    }

    public boolean isBaseChain() {
        return baseSpec.isPresent();
    }

    /** The policy of a base chain; empty for regular chains. */
    public Optional<Policy> policy() {
        return baseSpec.map(BaseChainSpec::policy);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Chain c && c.name.equals(name) && c.baseSpec.equals(baseSpec) && c.rules.equals(rules);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, baseSpec, rules);
    }

    void format(StringBuilder sb, String indent) {
        sb.append(indent).append("chain ").append(name).append(" {\n");
        baseSpec.ifPresent(b -> sb.append(indent).append('\t').append(b).append('\n'));
        for (Rule r : rules) {
            sb.append(indent).append('\t').append(r).append('\n');
        }
        sb.append(indent).append('}');
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        format(sb, "");
        return sb.toString();
    }
}
