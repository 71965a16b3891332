package org.conntrack4j.rules;

import java.util.List;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.rules.nft.Ruleset;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A ruleset installed in an engine. {@link #close()} removes every hook function and NAT chain it registered
 * (waiting until no packet runs them any more); NAT bindings it made stay with their connections, as in Linux.
 */
@ProviderType
public interface InstalledRuleset extends Registration {
    /** The ruleset as installed (counters as written, not live). */
    Ruleset ruleset();

    /** The engine it is installed in. */
    Conntrack net();

    /** Is it removed? */
    boolean isClosed();

    /** The ruleset as {@code nft list ruleset} prints it, with the live {@code counter packets N bytes M} values. */
    String listing();

    /**
     * The ruleset as installed with the live counter values in its {@code counter} statements: what
     * {@link #listing()} prints, for other formats ({@code NftJson}).
     *
     * @since 1.2
     */
    Ruleset liveRuleset();

    /** Every NAT statement of the ruleset, in text order. */
    List<NatRule> natRules();

    /**
     * The NAT statements and, under each, the connections whose binding it made ({@code nft:nat}): one
     * {@code conntrack -L} line per connection. Bindings made by no rule of this ruleset (an earlier ruleset,
     * an expectation) are listed last. Empty when the ruleset has no NAT statement and nothing is bound.
     */
    String natListing();
}
