package org.conntrack4j.rules.nft;

import java.util.Optional;

/** Netfilter IPv4/IPv6 hooks, with the kernel's NF_INET_* numbers. */
public enum Hook {
    PREROUTING("prerouting", 0),
    INPUT("input", 1),
    FORWARD("forward", 2),
    OUTPUT("output", 3),
    POSTROUTING("postrouting", 4);

    private final String keyword;
    private final int number;

    Hook(String keyword, int number) {
        this.keyword = keyword;
        this.number = number;
    }

    public String keyword() {
        return keyword;
    }

    /** NF_INET_PRE_ROUTING = 0 ... NF_INET_POST_ROUTING = 4. */
    public int number() {
        return number;
    }

    public static Optional<Hook> fromKeyword(String word) {
        for (Hook h : values()) {
            if (h.keyword.equals(word)) {
                return Optional.of(h);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return keyword;
    }
}
