package org.conntrack4j.rules;

import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.rules.nft.Ruleset;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The ruleset in force in the live engine ({@code conntrack.name=default}), the one {@code nft:list},
 * {@code nft:load} and the configuration {@code org.conntrack4j.rules} act on. Registered as an OSGi service by the
 * rules bundle. Thread-safe.
 *
 * <p>Replacing is atomic, as {@code nft -f} is: the new ruleset's chains are registered first but pass every packet
 * untouched until one switch makes them the ruleset in force and the old ones pass everything, then the old ones are
 * removed. Each base chain a packet traverses belongs to the old ruleset or to the new one, never to both or
 * neither (a packet in flight may meet the old ruleset at one hook and the new one at the next, as in Linux).
 */
@ProviderType
public interface RulesetInForce {
    /** The engine it acts on. */
    Conntrack net();

    /** The ruleset in force, or null. */
    InstalledRuleset current();

    /**
     * Makes {@code ruleset} the ruleset in force, atomically.
     *
     * @throws RulesetInstallException when a statement needs a plug-in the engine lacks; the ruleset in force stays
     */
    InstalledRuleset replace(Ruleset ruleset) throws RulesetInstallException;

    /** Removes the ruleset in force; returns whether there was one. */
    boolean flush();
}
