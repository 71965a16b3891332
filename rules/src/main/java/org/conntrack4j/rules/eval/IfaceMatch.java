package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;

/**
 * {@code iifname}/{@code oifname} (names, {@code "eth*"} prefixes) and {@code iif}/{@code oif} (indexes, or names).
 * A packet without that device has the name {@code ""} and index 0, as {@code nft_meta} stores them, so
 * {@code oifname != "wan"} matches a packet before routing.
 *
 * <p>{@code iif NAME}: nft resolves the name to an index when the rule is loaded; here the name is compared
 * per packet, because engines may receive their devices after the ruleset (the replay does). Both agree while
 * a device keeps its name and index.
 */
final class IfaceMatch extends Expr {
    private final boolean out;
    private final String[] names;
    private final String[] prefixes;
    private final long[] indexes;
    private final boolean negate;

    IfaceMatch(boolean out, String[] names, String[] prefixes, long[] indexes, boolean negate) {
        this.out = out;
        this.names = names;
        this.prefixes = prefixes;
        this.indexes = indexes;
        this.negate = negate;
    }

    @Override
    int eval(Packet p, long info) {
        NetDevice d = out ? p.out : p.in;
        String name = d == null ? "" : d.name();
        long index = d == null ? 0 : d.index() & 0xffffffffL;
        return matches(name, index) != negate ? CONTINUE : BREAK;
    }

    private boolean matches(String name, long index) {
        for (String n : names) {
            if (n.equals(name)) {
                return true;
            }
        }
        for (String pre : prefixes) {
            if (name.startsWith(pre)) {
                return true;
            }
        }
        for (long i : indexes) {
            if (i == index) {
                return true;
            }
        }
        return false;
    }
}
