package org.conntrack4j.core.text;

import java.util.Collection;
import java.util.Locale;

/**
 * Names as a user types them: a setting's sysctl as Linux spells it, and the closest valid name to a mistyped one
 * (an unknown option or sysctl is refused with a suggestion, never ignored). Stateless.
 *
 * @since 1.1
 */
public final class Names {
    /** Farther than this many edits from every candidate, a name gets no suggestion (it is not a typo of one). */
    private static final int MAX_EDITS = 3;

    private Names() {
    }

    /**
     * The full sysctl of a setting named as {@link org.conntrack4j.core.api.Settings} names it: the IPv4 reassembly
     * limits live under {@code net.ipv4.} ({@code net.ipv4.ipfrag_time}), conntrack's own under
     * {@code net.netfilter.} ({@code net.netfilter.nf_conntrack_max}).
     */
    public static String sysctl(String setting) {
        return (setting.startsWith("ipfrag_") ? "net.ipv4." : "net.netfilter.") + setting;
    }

    /**
     * The setting a sysctl names, the reverse of {@link #sysctl}: without its {@code net.netfilter.} or
     * {@code net.ipv4.} prefix, trimmed; a name without either is returned trimmed.
     */
    public static String setting(String sysctl) {
        String n = sysctl.trim();
        if (n.startsWith("net.netfilter.")) {
            return n.substring("net.netfilter.".length());
        }
        return n.startsWith("net.ipv4.") ? n.substring("net.ipv4.".length()) : n;
    }

    /**
     * The candidate closest to {@code name} by edit distance (insertions, deletions, substitutions; case ignored),
     * the first of equals in iteration order; null when none is within a few edits (or within a third of the
     * name's length for short names).
     */
    public static String closest(String name, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        int limit = Math.min(MAX_EDITS, Math.max(1, name.length() / 3));
        String n = name.toLowerCase(Locale.ROOT);
        for (String c : candidates) {
            int d = distance(n, c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return bestDistance <= limit ? best : null;
    }

    /** {@code " (did you mean X?)"} for the closest candidate, or an empty string. */
    public static String suggestion(String name, Collection<String> candidates) {
        String c = closest(name, candidates);
        return c == null ? "" : " (did you mean " + c + "?)";
    }

    /** Levenshtein distance, two rows. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
