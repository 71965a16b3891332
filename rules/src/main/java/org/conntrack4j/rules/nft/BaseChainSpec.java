package org.conntrack4j.rules.nft;

import java.util.Objects;

/** What makes a chain a base chain: its type, hook, priority and policy. */
public record BaseChainSpec(ChainType type, Hook hook, ChainPriority priority, Policy policy) {
    public BaseChainSpec {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(hook, "hook");
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(policy, "policy");
    }

    /** {@code type filter hook prerouting priority mangle; policy accept;} as nft lists it. */
    @Override
    public String toString() {
        return "type " + type.keyword() + " hook " + hook.keyword() + " priority " + priority.canonical(hook)
                + "; policy " + policy.keyword() + ";";
    }
}
