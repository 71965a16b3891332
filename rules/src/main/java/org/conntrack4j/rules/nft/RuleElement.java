package org.conntrack4j.rules.nft;

/** One item of a rule, in the order written: a {@link Match} or a {@link Statement}. */
public sealed interface RuleElement permits Match, Statement {
}
