package org.conntrack4j.rules;

import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.rules.nft.Ruleset;
import org.conntrack4j.rules.nft.RulesetParseException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Parses nftables rulesets and installs them into engines. Registered as an OSGi service; outside OSGi use
 * {@code new org.conntrack4j.rules.eval.NftRulesets()}.
 *
 * <p>Installing compiles the ruleset into pre-built matchers and statements: evaluating a packet allocates
 * nothing. Each filter base chain becomes a hook function of the engine ({@link org.conntrack4j.core.api.PacketPath#registerHook}), each
 * nat base chain a NAT chain ({@code Nat.registerChain}); regular chains are reached by jump and goto. Several
 * rulesets may be installed in one engine; their chains run by priority as Linux runs the chains of several
 * tables.
 *
 * <p>Thread-safe.
 */
@ProviderType
public interface Rulesets {
    /**
     * Parses ruleset text ({@code nft -f} input, or what {@code nft list ruleset} prints).
     *
     * @param sourceName names the text in error messages ({@code ruleset.nft})
     * @throws RulesetParseException naming {@code SOURCE:LINE:COLUMN} of the problem
     */
    Ruleset parse(String sourceName, String text) throws RulesetParseException;

    /**
     * Installs {@code ruleset} into {@code net}; closing the result removes it again.
     *
     * @throws RulesetInstallException when a statement needs a plug-in that {@code net} lacks (NAT for a nat
     *     chain, a helper for a {@code ct helper} object); nothing is installed then
     */
    InstalledRuleset install(Conntrack net, Ruleset ruleset) throws RulesetInstallException;

    /** {@link #parse} then {@link #install}. */
    default InstalledRuleset install(Conntrack net, String sourceName, String text)
        throws RulesetParseException, RulesetInstallException {
        return install(net, parse(sourceName, text));
    }
}
