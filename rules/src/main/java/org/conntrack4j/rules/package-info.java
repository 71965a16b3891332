/**
 * nftables rulesets for conntrack4j engines: parse the supported subset ({@link org.conntrack4j.rules.Rulesets#parse}),
 * install it into an engine ({@link org.conntrack4j.rules.Rulesets#install}), list it with live counters and see
 * which connections its NAT rules bound ({@link org.conntrack4j.rules.InstalledRuleset}); the live engine's ruleset in
 * force, replaced atomically ({@link org.conntrack4j.rules.RulesetInForce}, since 1.1); the ruleset with live counters
 * ({@link org.conntrack4j.rules.InstalledRuleset#liveRuleset}, since 1.2).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.conntrack4j.rules;
