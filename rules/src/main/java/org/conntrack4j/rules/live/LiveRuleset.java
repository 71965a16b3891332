package org.conntrack4j.rules.live;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.NetExtension;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.rules.RulesetInForce;
import org.conntrack4j.rules.RulesetInstallException;
import org.conntrack4j.rules.Rulesets;
import org.conntrack4j.rules.eval.NftRulesets;
import org.conntrack4j.rules.eval.RulesetSwitch;
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
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The ruleset in force in the default engine ({@code conntrack.name=default}).
 *
 * <p>Configuration {@value #PID} (optional): {@code ruleset.file} names an nft file, or {@code ruleset.text} gives
 * the ruleset inline. Each configuration change installs it, replacing the ruleset in force; a configuration
 * without either property removes it. {@code nft:load} and {@code nft:flush} replace or remove it by hand.
 * Errors are logged (with source, line and column) through the Log Service, never thrown out of the component;
 * the ruleset in force then stays. A configured ruleset that failed because a helper or NAT was missing is tried again when a
 * helper or extension service arrives. NAT chains live in the engine's NAT: when NAT leaves, the ruleset in force
 * keeps its filter chains and lets go of the NAT's objects (so that the NAT bundle can be unloaded); when NAT
 * comes back or is replaced (its bundle updated), the ruleset in force is installed again into the new one (its
 * counters restart).
 *
 * <p>Replacing is atomic ({@link RulesetInForce}): every ruleset installed here sits behind one
 * {@link RulesetSwitch}; the new one is installed passing everything, one write makes it the one in force, then the
 * old one is removed. Shared state: {@link #current}, {@link #currentNat}, {@link #natLeft} and {@link #pending},
 * guarded by this object's monitor.
 */
// Immediate: a ruleset configured in org.conntrack4j.rules must be in force from the start, not from the first
// nft: command that happens to look the component up.
@Component(service = {LiveRuleset.class, RulesetInForce.class}, configurationPid = LiveRuleset.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
public final class LiveRuleset implements RulesetInForce {
    static final String PID = "org.conntrack4j.rules";
    static final String FILE = "ruleset.file";
    static final String TEXT = "ruleset.text";

    @Reference(target = "(conntrack.name=default)")
    Conntrack net;

    @Reference
    NftRulesets rulesets;

    /** The Log Service's logger for this component (its class name), or null while there is none. */
    @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL,
        policy = ReferencePolicy.DYNAMIC)
    volatile Logger log;

    private InstalledRuleset current;
    /** Which installed ruleset acts: the one in force ({@link #current}), or for a moment none while it is replaced. */
    private final RulesetSwitch gate = new RulesetSwitch();
    /** The NAT the ruleset in force registered its nat chains with, or null (none, or it left). */
    private Nat currentNat;
    /** The ruleset in force has nat chains whose NAT left: it is installed again when NAT is back. */
    private boolean natLeft;
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
            if (!releaseDepartedNat() && currentNat != null) {
                // the core may detach the extension after this call: look again then
                scheduleRetry();
            }
        }
    }

    /**
     * If the NAT of the ruleset in force has left the engine, drops every reference to it (the ruleset's nat chain
     * registrations and {@link #currentNat}): they are objects of the NAT bundle and would keep it loaded. The
     * filter chains stay in force; the whole ruleset is installed again when NAT is back. Returns whether it did.
     */
    private boolean releaseDepartedNat() {
        if (current == null || currentNat == null || net.services().extension(Nat.class) == currentNat) {
            return false;
        }
        NftRulesets.releaseNatChains(current);
        currentNat = null;
        natLeft = true;
        warn("nft: NAT left engine " + net.name() + "; the nat chains of the ruleset in force do nothing until "
            + "it is back");
        return true;
    }

    private void configure(Map<String, Object> config) {
        pending = null;
        Object file = config.get(FILE);
        Object text = config.get(TEXT);
        Ruleset rs;
        try {
            if (file != null && !file.toString().isBlank()) {
                Path p = Path.of(file.toString().trim());
                rs = NftParser.parse(p);
            } else if (text != null && !text.toString().isBlank()) {
                rs = rulesets.parse(PID + " " + TEXT, text.toString());
            } else {
                if (current != null) {
                    info("nft: no ruleset configured (" + FILE + ", " + TEXT + "); ruleset removed from engine "
                        + net.name());
                    flush();
                }
                return;
            }
        } catch (IOException e) {
            warn("nft: cannot read " + FILE + " " + file + ": " + e + "; the ruleset in force stays");
            return;
        } catch (RulesetParseException e) {
            warn("nft: " + e.getMessage() + "; the ruleset in force stays");
            return;
        }
        try {
            replace(rs);
        } catch (RulesetInstallException e) {
            pending = rs;
            warn("nft: " + e.getMessage() + "; the ruleset in force stays, and this one is tried again when "
                + "a helper or NAT arrives");
        }
    }

    private void scheduleRetry() {
        synchronized (this) {
            if (!active || pending == null && currentNat == null && !natLeft) {
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
            releaseDepartedNat();
            Nat nat = net.services().extension(Nat.class);
            if (current != null && (currentNat != null || natLeft) && nat != null && nat != currentNat) {
                try {
                    replace(current.ruleset());
                    info("nft: ruleset in force installed again into the new NAT of engine " + net.name());
                } catch (RulesetInstallException e) {
                    warn("nft: " + e.getMessage());
                }
            }
            return;
        }
        try {
            replace(pending);
            info("nft: configured ruleset installed in engine " + net.name());
            pending = null;
        } catch (RulesetInstallException e) {
            debug("nft: still waiting: " + e.getMessage());
        } catch (RuntimeException e) {
            warn("nft: installing the configured ruleset failed", e);
        }
    }

    private void warn(String message) {
        warn(message, null);
    }

    private void warn(String message, Throwable t) {
        Logger l = log;
        if (l != null) {
            l.warn("{}", message, t);
        }
    }

    private void info(String message) {
        Logger l = log;
        if (l != null) {
            l.info("{}", message);
        }
    }

    private void debug(String message) {
        Logger l = log;
        if (l != null) {
            l.debug("{}", message);
        }
    }

    /** Installs {@code rs} into the default engine in place of the ruleset in force. */
    @Override
    public synchronized InstalledRuleset replace(Ruleset rs) throws RulesetInstallException {
        Object token = new Object();
        InstalledRuleset next = rulesets.install(net, rs, gate, token);
        gate.live = token;
        InstalledRuleset old = current;
        current = next;
        currentNat = needsNat(rs) ? net.services().extension(Nat.class) : null;
        natLeft = false;
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
    @Override
    public synchronized boolean flush() {
        pending = null;
        if (current == null) {
            return false;
        }
        gate.live = null;
        current.close();
        current = null;
        currentNat = null;
        natLeft = false;
        return true;
    }

    /** The ruleset in force, or null. */
    @Override
    public synchronized InstalledRuleset current() {
        return current;
    }

    @Override
    public Conntrack net() {
        return net;
    }

    public Rulesets rulesets() {
        return rulesets;
    }
}
