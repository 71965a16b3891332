package org.conntrack4j.shell;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Bundles that are installed and cannot resolve (a vendor bundle dropped into deploy/ that imports a package nobody
 * exports), reported as soon as they are seen: a warning in the log with the resolver's own words (the missing
 * requirement), and a line each in {@code ct:trackers}. Without this such a bundle sits {@code Installed} in silence:
 * FileInstall starts what resolves and says nothing of the rest.
 *
 * <p>A bundle is looked at {@link #SETTLE_MS} after it was installed, updated or unresolved, so that bundles dropped
 * together (a helper and the library it needs) have been installed and resolved together first. The framework has no
 * call that explains a failed resolution; starting the bundle transiently does (its exception carries the missing
 * requirement) and changes nothing when it fails, which it does for a bundle the resolver just refused.
 *
 * <p>Threads: bundle events arrive on the framework's threads and only schedule; the checks run on one thread of this
 * component, stopped when it deactivates. {@link #problems} is a concurrent map read by the commands.
 */
@Component(service = Unresolved.class)
public final class Unresolved implements BundleListener {
    static final long SETTLE_MS = 1500;

    @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL,
        policy = ReferencePolicy.DYNAMIC)
    volatile Logger log;

    /** Bundle id to the resolver's message. */
    private final Map<Long, String> problems = new ConcurrentHashMap<>();
    private BundleContext context;
    private ScheduledExecutorService checks;

    @Activate
    void activate(BundleContext bundleContext) {
        context = bundleContext;
        checks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "conntrack4j-unresolved");
            t.setDaemon(true);
            return t;
        });
        context.addBundleListener(this);
        for (Bundle b : context.getBundles()) {
            if (b.getState() == Bundle.INSTALLED) {
                later(b);
            }
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        context.removeBundleListener(this);
        checks.shutdownNow();
        checks.awaitTermination(5, TimeUnit.SECONDS);
        problems.clear();
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        Bundle b = event.getBundle();
        switch (event.getType()) {
            case BundleEvent.INSTALLED, BundleEvent.UPDATED, BundleEvent.UNRESOLVED -> later(b);
            case BundleEvent.RESOLVED, BundleEvent.UNINSTALLED -> problems.remove(b.getBundleId());
            default -> {
            }
        }
    }

    private void later(Bundle b) {
        try {
            checks.schedule(() -> check(b), SETTLE_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // the component is going away
        }
    }

    private void check(Bundle b) {
        if (b.getState() != Bundle.INSTALLED || b.getHeaders("").get("Fragment-Host") != null) {
            problems.remove(b.getBundleId());
            return;
        }
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        if (wiring.resolveBundles(List.of(b))) {
            problems.remove(b.getBundleId());
            return;
        }
        String why;
        try {
            b.start(Bundle.START_TRANSIENT);
            problems.remove(b.getBundleId());
            return;
        } catch (BundleException | IllegalStateException | SecurityException e) {
            why = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        if (!why.equals(problems.put(b.getBundleId(), why))) {
            Logger l = log;
            String line = "bundle " + name(b) + " cannot resolve: " + why;
            if (l != null) {
                l.warn(line);
            } else {
                System.err.println("conntrack4j: " + line);
            }
        }
    }

    /** Symbolic name, version and where it came from. */
    static String name(Bundle b) {
        return b.getSymbolicName() + " " + b.getVersion() + " (" + b.getLocation() + ")";
    }

    /** The bundles that cannot resolve now, by name, with the resolver's message. */
    Map<String, String> problems() {
        Map<String, String> out = new TreeMap<>();
        problems.forEach((id, why) -> {
            Bundle b = context.getBundle(id);
            if (b != null) {
                out.put(name(b), why);
            }
        });
        return out;
    }
}
