package org.conntrack4j.core.impl;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.conntrack4j.core.api.Clock;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.PluginInfo;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.L4Tracker;
import org.conntrack4j.core.spi.NetExtension;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
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
 * The core bundle's component: tracks the plug-in services (whiteboard) into the {@link Registry}, creates
 * the default (live) engine and registers it as the {@link Conntrack} service, runs its expiry, and applies
 * settings from Configuration Admin (PID {@value #PID}: property names are setting names,
 * {@code nf_conntrack_udp_timeout = 60}).
 *
 * <p>Threads: one daemon thread runs the live engine's expiry; it is stopped in {@link #deactivate}.
 * Shared state: the registry (its own monitor); the live engine and listener registrations (this object's
 * monitor).
 */
@Component(immediate = true, service = ConntrackFactory.class, configurationPid = CoreComponent.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class CoreComponent implements ConntrackFactory {
    static final String PID = "org.conntrack4j.core";
    private static final Logger LOG = Logger.getLogger(CoreComponent.class.getName());

    private final Registry registry = new Registry();
    private final Map<ConntrackListener, Boolean> listeners = new IdentityHashMap<>();
    private final Map<ConntrackListener, Registration> listenerRegs = new IdentityHashMap<>();
    private Engine live;
    private ServiceRegistration<Conntrack> liveReg;
    private ScheduledExecutorService expiry;
    /** The last configuration: re-applied when a tracker arrives, so that its settings given earlier take effect. */
    private volatile Map<String, Object> config = Map.of();

    @Activate
    void activate(BundleContext ctx, Map<String, Object> config) {
        Engine e = new Engine(registry, "default", new LiveClock(250), System.nanoTime());
        e.enableDefrag();
        this.config = Map.copyOf(config);
        applySettings(e, config, true);
        synchronized (this) {
            live = e;
            listeners.forEach((l, sync) -> listenerRegs.put(l, e.addListener(l, sync)));
        }
        expiry = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "conntrack-expiry");
            t.setDaemon(true);
            return t;
        });
        expiry.scheduleWithFixedDelay(() -> {
            try {
                e.expire();
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "expiry run failed", ex);
            }
        }, 100, 100, TimeUnit.MILLISECONDS);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("conntrack.name", "default");
        liveReg = ctx.registerService(Conntrack.class, e, props);
    }

    @Modified
    void modified(Map<String, Object> config) {
        this.config = Map.copyOf(config);
        Engine e;
        synchronized (this) {
            e = live;
        }
        if (e != null) {
            applySettings(e, config, true);
        }
    }

    @Deactivate
    void deactivate() {
        if (liveReg != null) {
            liveReg.unregister();
            liveReg = null;
        }
        if (expiry != null) {
            expiry.shutdownNow();
            try {
                expiry.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            expiry = null;
        }
        Engine e;
        synchronized (this) {
            e = live;
            live = null;
            listenerRegs.values().forEach(Registration::close);
            listenerRegs.clear();
        }
        if (e != null) {
            e.close();
        }
    }

    /**
     * Applies configuration properties named like settings. Names no registered plug-in defines yet are kept
     * (re-applied when a tracker arrives) and only reported when {@code warnUnknown}.
     */
    private static void applySettings(Engine e, Map<String, Object> config, boolean warnUnknown) {
        for (Map.Entry<String, Object> c : config.entrySet()) {
            String k = c.getKey();
            if (k.startsWith("component.") || k.startsWith("service.") || k.startsWith("felix.") || k.startsWith("osgi.")
                || k.equals("objectClass")) {
                continue;
            }
            if (org.conntrack4j.core.api.SettingKey.byName(k) == null) {
                if (warnUnknown) {
                    LOG.info("configuration " + PID + ": " + k + " is not defined by any plug-in yet; kept for later");
                }
                continue;
            }
            try {
                e.settings().set(k, Long.parseLong(String.valueOf(c.getValue()).trim()));
            } catch (IllegalArgumentException ex) {
                LOG.warning("configuration " + PID + ": " + k + ": " + ex.getMessage());
            }
        }
    }

    // ---- whiteboard ------------------------------------------------------------------------------------------

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindTracker")
    void bindTracker(L4Tracker t, ServiceReference<L4Tracker> ref) {
        Object p = ref.getProperty(L4Tracker.PROTOCOL);
        int proto;
        try {
            proto = p instanceof Number ? ((Number) p).intValue() : Integer.parseInt(String.valueOf(p).trim());
        } catch (NumberFormatException ex) {
            LOG.warning("tracker " + t.name() + " from " + bundle(ref) + " ignored: property " + L4Tracker.PROTOCOL
                + " is not a protocol number: " + p);
            return;
        }
        List<String> fams = strings(ref.getProperty(L4Tracker.FAMILY));
        boolean v4 = fams.isEmpty() || fams.contains("ipv4");
        boolean v6 = fams.isEmpty() || fams.contains("ipv6");
        try {
            registry.addTracker(t, proto, v4, v6, serviceId(ref), ranking(ref), bundle(ref));
        } catch (IllegalArgumentException ex) {
            LOG.warning("tracker from " + bundle(ref) + " ignored: " + ex.getMessage());
            return;
        }
        Engine e;
        synchronized (this) {
            e = live;
        }
        if (e != null) {
            applySettings(e, config, false);
        }
    }

    void unbindTracker(L4Tracker t) {
        registry.removeTracker(t);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindHelper")
    void bindHelper(Helper h, ServiceReference<Helper> ref) {
        registry.addHelper(h, serviceId(ref), ranking(ref), bundle(ref));
    }

    void unbindHelper(Helper h) {
        registry.removeHelper(h);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindExtension")
    void bindExtension(NetExtension x, ServiceReference<NetExtension> ref) {
        Object n = ref.getProperty(NetExtension.NAME);
        registry.addExtension(x, n == null ? x.getClass().getSimpleName() : n.toString(), serviceId(ref), ranking(ref),
            bundle(ref));
    }

    void unbindExtension(NetExtension x) {
        registry.removeExtension(x);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindListener")
    synchronized void bindListener(ConntrackListener l, ServiceReference<ConntrackListener> ref) {
        boolean sync = "sync".equals(ref.getProperty(ConntrackListener.DELIVERY));
        listeners.put(l, sync);
        if (live != null) {
            listenerRegs.put(l, live.addListener(l, sync));
        }
    }

    synchronized void unbindListener(ConntrackListener l) {
        listeners.remove(l);
        Registration r = listenerRegs.remove(l);
        if (r != null) {
            r.close();
        }
    }

    private static long serviceId(ServiceReference<?> ref) {
        Object id = ref.getProperty(Constants.SERVICE_ID);
        return id instanceof Number ? ((Number) id).longValue() : 0;
    }

    private static int ranking(ServiceReference<?> ref) {
        Object r = ref.getProperty(Constants.SERVICE_RANKING);
        return r instanceof Integer ? (Integer) r : 0;
    }

    private static String bundle(ServiceReference<?> ref) {
        return ref.getBundle() == null ? "?" : ref.getBundle().getSymbolicName() + " " + ref.getBundle().getVersion();
    }

    private static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof String[]) {
            for (String s : (String[]) v) {
                out.add(s.trim().toLowerCase());
            }
        } else if (v instanceof Iterable) {
            for (Object o : (Iterable<?>) v) {
                out.add(String.valueOf(o).trim().toLowerCase());
            }
        } else if (v != null) {
            for (String s : v.toString().split(",")) {
                out.add(s.trim().toLowerCase());
            }
        }
        return out;
    }

    // ---- ConntrackFactory --------------------------------------------------------------------------------------

    @Override
    public Conntrack create(String name, Clock clock, Map<String, String> settings, boolean ignoreUnknown) {
        return EngineFactory.create(registry, name, clock, settings, ignoreUnknown);
    }

    @Override
    public List<PluginInfo> trackers() {
        return registry.trackerInfo();
    }

    @Override
    public List<PluginInfo> helpers() {
        return registry.helperInfo();
    }

    @Override
    public List<PluginInfo> extensions() {
        return registry.extensionInfo();
    }
}
