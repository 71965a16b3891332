package org.conntrack4j.rules.nft;

import java.util.Optional;

/** Table families of the supported subset, with their netfilter protocol numbers (NFPROTO_*). */
public enum Family {
    /** IPv4 only ({@code NFPROTO_IPV4 = 2}). */
    IP("ip", 2),
    /** IPv6 only ({@code NFPROTO_IPV6 = 10}). */
    IP6("ip6", 10),
    /** Both IPv4 and IPv6 ({@code NFPROTO_INET = 1}). */
    INET("inet", 1);

    private final String keyword;
    private final int nfproto;

    Family(String keyword, int nfproto) {
        this.keyword = keyword;
        this.nfproto = nfproto;
    }

    /** The nft keyword: {@code ip}, {@code ip6} or {@code inet}. */
    public String keyword() {
        return keyword;
    }

    /** The NFPROTO_* number. */
    public int nfproto() {
        return nfproto;
    }

    public static Optional<Family> fromKeyword(String word) {
        for (Family f : values()) {
            if (f.keyword.equals(word)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return keyword;
    }
}
