package org.conntrack4j.rules.eval;

/**
 * Which of the rulesets installed behind it is in force: the one whose token {@link #live} holds. One volatile
 * write switches every base chain at once; each chain reads it once per packet.
 */
public final class RulesetSwitch {
    /** The token of the ruleset in force, or null for none. */
    public volatile Object live;
}
