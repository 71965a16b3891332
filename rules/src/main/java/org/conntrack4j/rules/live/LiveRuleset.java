package org.conntrack4j.rules.live;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.NetExtension;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.rules.RulesetInstallException;
import org.conntrack4j.rules.Rulesets;
import org.conntrack4j.rules.nft.ChainType;
import org.conntrack4j.rules.nft.NftParser;
import org.conntrack4j.rules.nft.Ruleset;
import org.conntrack4j.rules.nft.RulesetParseException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The ruleset in force in the default engine ({@code conntrack.name=default}).
 *
 * <p>Configuration {@value #PID} (optional): {@code ruleset.file} names an nft file, or {@code ruleset.text} gives
 * the ruleset inline. Each configuration change installs it, replacing the ruleset in force; a configuration
 * without either property removes it. {@code nft:load} and {@code nft:flush} replace or remove it by hand.
 * Errors are logged (with source, line and column), never thrown out of the component; the ruleset in force
 * then stays. A configured ruleset that failed because a helper or NAT was missing is tried again when a
 * helper or extension service arrives. NAT chains live in the engine's NAT: when NAT is replaced (its bundle
 * updated), the ruleset in force is installed again into the new one (its counters restart).
 *
 * <p>Replacing installs the new ruleset before removing the old one: for a moment both run (a packet may see
 * both), never neither. Shared state: {@link #current} and {@link #pending}, guarded by this object's monitor.
 */
@Component(service = LiveRuleset.class, configurationPid = LiveRuleset.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class LiveRuleset {
    static final String PID = "org.conntrack4j.rules";
    static final String FILE = "ruleset.file";
    static final String TEXT = "ruleset.text";
    private static final Logger LOG = Logger.getLogger(LiveRuleset.class.getName());

    @Reference(target = "(conntrack.name=default)")
    Conntrack net;

    @Reference
    Rulesets rulesets;

    private InstalledRuleset current;
    /** The NAT the ruleset in force registered its nat chains with, or null. */
    private Nat currentNat;
    /** A configured ruleset waiting for a plug-in, or null. */
    private Ruleset pending;
    private boolean active;
    private ScheduledExecutorService retry;

    @Activate
    synchronized void activate(Map<String, Object> config) {
        active = true;
        configure(config);
    }

    @Modified
    synchronized void modified(Map<String, Object> config) {
        configure(config);
    }

    @Deactivate
    synchronized void deactivate() {
        active = false;
        pending = null;
        if (retry != null) {
            retry.shutdownNow();
            retry = null;
        }
        flush();
    }

    /** A new helper may be what a pending ruleset waits for. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "helperGone")
    void helperArrived(Helper h) {
        scheduleRetry();
    }

    void helperGone(Helper h) {
    }

    /** NAT arrives as an extension service; the core attaches it to the engines. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        unbind = "extensionGone")
    void extensionArrived(NetExtension x) {
        scheduleRetry();
    }

    void extensionGone(NetExtension x) {
        synchronized (this) {
            if (current != null && currentNat != null && net.extension(Nat.class) != currentNat) {
                LOG.warning("nft: NAT left engine " + net.name() + "; the nat chains of the ruleset in force do nothing "
                    + "until it is back");
            }
        }
    }

    private void configure(Map<String, Object> config) {
        pending = null;
        Object file = config.get(FILE);
        Object text = config.get(TEXT);
        Ruleset rs;
        try {
            if (file != null && !file.toString().isBlank()) {
                Path p = Path.of(file.toString().trim());
                rs = NftParser.parse(p.toString(), Files.readString(p));
            } else if (text != null && !text.toString().isBlank()) {
                rs = rulesets.parse(PID + " " + TEXT, text.toString());
            } else {
                if (current != null) {
                    LOG.info("nft: no ruleset configured (" + FILE + ", " + TEXT + "); ruleset removed from engine "
                        + net.name());
                    flush();
                }
                return;
            }
        } catch (IOException e) {
            LOG.warning("nft: cannot read " + FILE + " " + file + ": " + e + "; the ruleset in force stays");
            return;
        } catch (RulesetParseException e) {
            LOG.warning("nft: " + e.getMessage() + "; the ruleset in force stays");
            return;
        }
        try {
            replace(rs);
        } catch (RulesetInstallException e) {
            pending = rs;
            LOG.warning("nft: " + e.getMessage() + "; the ruleset in force stays, and this one is tried again when "
                + "a helper or NAT arrives");
        }
    }

    private void scheduleRetry() {
        synchronized (this) {
            if (!active || pending == null && currentNat == null) {
                return;
            }
            if (retry == null) {
                retry = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "nft ruleset retry");
                    t.setDaemon(true);
                    return t;
                });
            }
            // after the service event: the core attaches a new extension to the engines in its own callback
            retry.schedule(this::retryPending, 200, TimeUnit.MILLISECONDS);
        }
    }

    synchronized void retryPending() {
        if (!active) {
            return;
        }
        if (pending == null) {
            Nat nat = net.extension(Nat.class);
            if (current != null && currentNat != null && nat != null && nat != currentNat) {
                try {
                    replace(current.ruleset());
                    LOG.info("nft: ruleset in force installed again into the new NAT of engine " + net.name());
                } catch (RulesetInstallException e) {
                    LOG.warning("nft: " + e.getMessage());
                }
            }
            return;
        }
        try {
            replace(pending);
            LOG.info("nft: configured ruleset installed in engine " + net.name());
            pending = null;
        } catch (RulesetInstallException e) {
            LOG.fine("nft: still waiting: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "nft: installing the configured ruleset failed", e);
        }
    }

    /** Installs {@code rs} into the default engine in place of the ruleset in force. */
    public synchronized InstalledRuleset replace(Ruleset rs) throws RulesetInstallException {
        InstalledRuleset next = rulesets.install(net, rs);
        InstalledRuleset old = current;
        current = next;
        currentNat = needsNat(rs) ? net.extension(Nat.class) : null;
        if (old != null) {
            old.close();
        }
        return next;
    }

    private static boolean needsNat(Ruleset rs) {
        return rs.tables().stream().flatMap(t -> t.chains().stream())
            .anyMatch(c -> c.baseSpec().map(b -> b.type() == ChainType.NAT).orElse(false));
    }

    /** Removes the ruleset in force; returns whether there was one. */
    public synchronized boolean flush() {
        pending = null;
        if (current == null) {
            return false;
        }
        current.close();
        current = null;
        currentNat = null;
        return true;
    }

    /** The ruleset in force, or null. */
    public synchronized InstalledRuleset current() {
        return current;
    }

    public Conntrack net() {
        return net;
    }

    public Rulesets rulesets() {
        return rulesets;
    }
}
