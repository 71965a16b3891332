/**
 * The evaluator: compiles a parsed ruleset into pre-built matchers and statements and registers its base chains
 * with an engine ({@link org.conntrack4j.rules.eval.NftRulesets}). Private to the bundle; plain Java users (tests,
 * the replay outside a framework) may construct {@code NftRulesets} directly.
 */
package org.conntrack4j.rules.eval;
