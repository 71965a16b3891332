/**
 * nftables rulesets for conntrack4j engines: parse the supported subset ({@link org.conntrack4j.rules.Rulesets#parse}),
 * install it into an engine ({@link org.conntrack4j.rules.Rulesets#install}), list it with live counters and see
 * which connections its NAT rules bound ({@link org.conntrack4j.rules.InstalledRuleset}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.conntrack4j.rules;
