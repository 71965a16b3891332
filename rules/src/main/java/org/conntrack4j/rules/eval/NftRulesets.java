package org.conntrack4j.rules.eval;

import java.util.List;
import java.util.Objects;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.rules.NatRule;
import org.conntrack4j.rules.RulesetInstallException;
import org.conntrack4j.rules.Rulesets;
import org.conntrack4j.rules.nft.NftParser;
import org.conntrack4j.rules.nft.Ruleset;
import org.conntrack4j.rules.nft.RulesetParseException;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The {@link Rulesets} implementation: registered as the OSGi service, and usable as plain Java
 * ({@code new NftRulesets()}) by tests and the replay outside a framework. Stateless but for where {@code log}
 * statements write: the Log Service's logger {@value LogExpr#LOGGER} of this bundle in a framework (taken when a
 * ruleset is installed), the logger given to {@link #NftRulesets(Logger)}, or nowhere.
 */
// also as itself, for the live ruleset of this bundle, which installs behind a switch
@Component(service = {Rulesets.class, NftRulesets.class})
public final class NftRulesets implements Rulesets {
    private final Logger packetLog;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile LoggerFactory loggers;

    /** {@code log} statements write to the Log Service when there is one, else nowhere. */
    public NftRulesets() {
        this(null);
    }

    /** {@code log} statements write to {@code packetLog} (at DEBUG). */
    public NftRulesets(Logger packetLog) {
        this.packetLog = packetLog;
    }

    private Logger packetLog() {
        LoggerFactory f = loggers;
        return packetLog != null ? packetLog : f != null ? f.getLogger(LogExpr.LOGGER, Logger.class) : null;
    }

    @Override
    public Ruleset parse(String sourceName, String text) throws RulesetParseException {
        return NftParser.parse(sourceName, text);
    }

    @Override
    public InstalledRuleset install(Conntrack net, Ruleset ruleset) throws RulesetInstallException {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(ruleset, "ruleset");
        return new Installer(net, ruleset, packetLog()).install();
    }

    /**
     * Installs {@code ruleset} into {@code net} behind {@code gate}: its base chains act only while
     * {@code gate.live == token} and let every packet pass untouched otherwise, so that whoever owns the switch
     * replaces one ruleset by another in one step.
     */
    public InstalledRuleset install(Conntrack net, Ruleset ruleset, RulesetSwitch gate, Object token)
        throws RulesetInstallException {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(ruleset, "ruleset");
        return new Installer(net, ruleset, packetLog(), Objects.requireNonNull(gate), Objects.requireNonNull(token))
            .install();
    }

    /**
     * The {@code nft:nat} listing for an engine: the NAT rules of {@code installed} (may be null: nothing
     * installed) and the connections each bound, then bindings made otherwise.
     */
    public static String natListing(Conntrack net, InstalledRuleset installed) {
        List<NatRule> rules = installed == null ? List.of() : installed.natRules();
        return InstalledRulesetImpl.natListing(net, rules);
    }

    /**
     * For a ruleset installed by this class whose NAT left the engine: drops its references to that NAT's chain
     * registrations, keeping its filter chains in force (see {@code InstalledRulesetImpl#releaseNatChains}).
     */
    public static void releaseNatChains(InstalledRuleset installed) {
        if (installed instanceof InstalledRulesetImpl) {
            ((InstalledRulesetImpl) installed).releaseNatChains();
        }
    }
}
