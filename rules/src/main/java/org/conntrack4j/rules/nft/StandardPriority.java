package org.conntrack4j.rules.nft;

import java.util.Optional;

/**
 * Named chain priorities of the ip, ip6 and inet families, as nft resolves them. {@code dstnat} exists only for
 * the prerouting hook and {@code srcnat} only for postrouting; the others for every hook.
 */
public enum StandardPriority {
    RAW("raw", -300, null),
    MANGLE("mangle", -150, null),
    DSTNAT("dstnat", -100, Hook.PREROUTING),
    FILTER("filter", 0, null),
    SECURITY("security", 50, null),
    SRCNAT("srcnat", 100, Hook.POSTROUTING);

    /** nft prints a priority as NAME + N / NAME - N when it lies this close to a standard value. */
    static final int PRINT_RANGE = 10;

    private final String keyword;
    private final int value;
    private final Hook onlyHook;

    StandardPriority(String keyword, int value, Hook onlyHook) {
        this.keyword = keyword;
        this.value = value;
        this.onlyHook = onlyHook;
    }

    public String keyword() {
        return keyword;
    }

    public int value() {
        return value;
    }

    /** Whether nft accepts this name for a chain on {@code hook}. */
    public boolean validFor(Hook hook) {
        return onlyHook == null || onlyHook == hook;
    }

    public static Optional<StandardPriority> fromKeyword(String word) {
        for (StandardPriority p : values()) {
            if (p.keyword.equals(word)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * The text nft prints for {@code value} on {@code hook}: a standard name, a name with an offset of at most 10,
     * or the plain number.
     */
    public static String format(int value, Hook hook) {
        for (StandardPriority p : values()) {
            if (!p.validFor(hook)) {
                continue;
            }
            long diff = (long) value - p.value;
            if (diff == 0) {
                return p.keyword;
            }
            if (Math.abs(diff) <= PRINT_RANGE) {
                return p.keyword + (diff > 0 ? " + " : " - ") + Math.abs(diff);
            }
        }
        return Integer.toString(value);
    }
}
