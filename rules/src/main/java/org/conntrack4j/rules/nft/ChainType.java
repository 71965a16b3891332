package org.conntrack4j.rules.nft;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** Base chain types of the supported subset and the hooks the kernel accepts for each (ip, ip6, inet). */
public enum ChainType {
    FILTER("filter", EnumSet.allOf(Hook.class)),
    NAT("nat", EnumSet.of(Hook.PREROUTING, Hook.INPUT, Hook.OUTPUT, Hook.POSTROUTING));

    private final String keyword;
    private final Set<Hook> hooks;

    ChainType(String keyword, Set<Hook> hooks) {
        this.keyword = keyword;
        this.hooks = hooks;
    }

    public String keyword() {
        return keyword;
    }

    /** Hooks a chain of this type may be attached to. */
    public Set<Hook> allowedHooks() {
        return EnumSet.copyOf(hooks);
    }

    public boolean allows(Hook hook) {
        return hooks.contains(hook);
    }

    public static Optional<ChainType> fromKeyword(String word) {
        for (ChainType t : values()) {
            if (t.keyword.equals(word)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return keyword;
    }
}
