package org.conntrack4j.core.impl;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.spi.ListenerService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The live engine, registered by Declarative Services as the {@link Conntrack} service
 * ({@code conntrack.name=default}): an engine on the core's registry with the monotonic clock, defragmentation,
 * its own expiry thread, the {@link ConntrackListener} services as its listeners (whiteboard), and settings from
 * Configuration Admin (PID {@value #PID}: property names are setting names, {@code nf_conntrack_udp_timeout = 60};
 * names no plug-in declares yet are kept and apply when one does).
 *
 * <p>Threads: one daemon thread runs the expiry, a slice at a time ({@link Collector}); it is stopped in
 * {@link #deactivate}, before the engine closes. Shared state: the listener registrations (this object's monitor, a leaf).
 */
@Component(service = Conntrack.class, property = "conntrack.name=default", configurationPid = LiveEngine.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class LiveEngine extends Engine {
    static final String PID = "org.conntrack4j.core";
    /** How often the expiry thread looks whether a run is due. */
    private static final long EXPIRY_POLL_MS = 100;

    private final Map<ConntrackListener, Registration> listeners = new IdentityHashMap<>();
    private final ScheduledExecutorService expiry;

    @Activate
    public LiveEngine(
        @Reference(target = "(component.name=org.conntrack4j.core.impl.CoreComponent)") ConntrackFactory core,
        Map<String, Object> config) {
        super(((CoreComponent) core).registry(), "default", new LiveClock(250), System.nanoTime());
        enableDefrag();
        applySettings(config, true);
        expiry = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "conntrack-expiry");
            t.setDaemon(true);
            return t;
        });
        expiry.scheduleWithFixedDelay(this::expireDue, EXPIRY_POLL_MS, EXPIRY_POLL_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * The expiry thread's work: the slices that are due, one at a time, yielding between them so that on a busy
     * machine the packet threads get the processor (a slice holds no lock the packet path waits for).
     */
    private void expireDue() {
        try {
            while (!Thread.currentThread().isInterrupted() && expireSlice()) {
                Thread.yield();
            }
        } catch (RuntimeException ex) {
            registry.log.warn("expiry run failed", ex);
        } catch (Error ex) {
            // The executor would keep it in the task's future, unseen, and never run the expiry again: the
            // process's uncaught exception handler hears of it (a command then ends with its fatal status).
            Thread t = Thread.currentThread();
            t.getUncaughtExceptionHandler().uncaughtException(t, ex);
            throw ex;
        }
    }

    @Modified
    void modified(Map<String, Object> config) {
        applySettings(config, true);
    }

    @Deactivate
    void deactivate() {
        expiry.shutdownNow();
        try {
            expiry.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            listeners.values().forEach(Registration::close);
            listeners.clear();
        }
        close();
    }

    /** Applies configuration properties named like settings; values for names no plug-in declares yet are kept. */
    private void applySettings(Map<String, Object> config, boolean report) {
        for (Map.Entry<String, Object> c : config.entrySet()) {
            String k = c.getKey();
            if (!isSettingName(k)) {
                continue;
            }
            try {
                long v = Long.parseLong(String.valueOf(c.getValue()).trim());
                if (report && settings.key(k) == null) {
                    registry.log.info("configuration " + PID + ": " + k
                        + " is not declared by any plug-in yet; kept for later");
                }
                settings.set(k, v);
            } catch (IllegalArgumentException ex) {
                registry.log.warn("configuration " + PID + ": " + k + ": " + ex.getMessage(), null);
            }
        }
    }

    /**
     * Is this configuration property meant as a setting? The component's own properties (its service property
     * {@code conntrack.name}, reference targets such as {@code $000.target}) and the framework's are not.
     */
    private static boolean isSettingName(String k) {
        return !(k.startsWith("component.") || k.startsWith("service.") || k.startsWith("felix.")
            || k.startsWith("osgi.") || k.startsWith("conntrack.") || k.startsWith("$") || k.endsWith(".target")
            || k.equals("objectClass"));
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindListener")
    synchronized void bindListener(ConntrackListener l, Map<String, Object> props) {
        boolean sync = ListenerService.SYNC.equals(props.get(ConntrackListener.DELIVERY));
        listeners.put(l, addListener(l, sync));
    }

    synchronized void unbindListener(ConntrackListener l) {
        Registration r = listeners.remove(l);
        if (r != null) {
            r.close();
        }
    }
}
