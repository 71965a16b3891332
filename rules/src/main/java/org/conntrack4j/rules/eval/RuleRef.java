package org.conntrack4j.rules.eval;

import org.conntrack4j.rules.nft.Chain;
import org.conntrack4j.rules.nft.Match;
import org.conntrack4j.rules.nft.Operand;
import org.conntrack4j.rules.nft.Rule;
import org.conntrack4j.rules.nft.RuleElement;
import org.conntrack4j.rules.nft.Table;

/**
 * What a replay names as the decider of a packet's verdict ({@code Packet.verdictBy}): a rule (its table, chain,
 * position, handle and text as {@code nft -a list ruleset} prints them) or a base chain's policy. The text is made
 * once at install, so that pointing a packet at it allocates nothing.
 *
 * <p>Handles are the ones Linux gives a ruleset loaded whole by {@code nft -f} into a fresh table (checked with
 * nft 1.0.6 on Linux 6.18): one counter per table, first the chains in order, then the objects, then the named sets,
 * then each chain's rules in order, every anonymous set of two elements or more ({@code { 21, 2121 }}) taking the
 * number before its rule's.
 */
final class RuleRef {
    private final String text;

    private RuleRef(String text) {
        this.text = text;
    }

    /** The rule at {@code position} (1-based) of chain {@code c} with its {@code handle}. */
    static RuleRef rule(Table t, Chain c, int position, int handle, Rule r) {
        // a counter's counts change as packets go; the ones written in the ruleset would mislead
        String text = COUNTS.matcher(r.toString()).replaceAll("counter");
        return new RuleRef(where(t, c) + " rule " + position + " (handle " + handle + "): " + text);
    }

    private static final java.util.regex.Pattern COUNTS = java.util.regex.Pattern.compile(
        "\\bcounter packets \\d+ bytes \\d+");

    /** The policy of base chain {@code c}. */
    static RuleRef policy(Table t, Chain c, String policy) {
        return new RuleRef(where(t, c) + " policy " + policy);
    }

    private static String where(Table t, Chain c) {
        return "table " + t.family().keyword() + " " + t.name() + " chain " + c.name();
    }

    /** The handles of {@code t}'s rules, chain by chain in the order of {@link Table#chains()}. */
    static int[][] handles(Table t) {
        int next = t.chains().size() + t.objects().size() + t.sets().size();
        int[][] out = new int[t.chains().size()][];
        for (int c = 0; c < out.length; c++) {
            Chain chain = t.chains().get(c);
            out[c] = new int[chain.rules().size()];
            for (int i = 0; i < out[c].length; i++) {
                next += anonymousSets(chain.rules().get(i));
                out[c][i] = ++next;
            }
        }
        return out;
    }

    private static int anonymousSets(Rule r) {
        int n = 0;
        for (RuleElement e : r.elements()) {
            // a one-element set is taken as its element (nft does the same), so it never becomes a set
            if (e instanceof Match m && m.value() instanceof Operand.SetOf) {
                n++;
            }
        }
        return n;
    }

    @Override
    public String toString() {
        return text;
    }
}
