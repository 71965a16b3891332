package org.conntrack4j.core.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Clock;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.PluginInfo;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.L4Tracker;
import org.conntrack4j.core.spi.NetExtension;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The core bundle's component: tracks the plug-in services (whiteboard) into the {@link Registry} shared by every
 * engine, and creates engines ({@link ConntrackFactory}). The live engine is a component of its own
 * ({@link LiveEngine}), made from this one's registry.
 *
 * <p>Shared state: the registry (its own monitor). The bind and unbind methods run on the framework's threads and
 * return after the registry has cleaned up behind a departed plug-in.
 */
@Component(immediate = true, service = ConntrackFactory.class)
public final class CoreComponent implements ConntrackFactory {
    /** The name of the core's logger (Log Service levels are set per logger name). */
    static final String LOGGER = "org.conntrack4j.core";

    /** The Log Service in use, or null (this object's monitor). */
    private LoggerFactory logFactory;

    private final Registry registry = new Registry();

    /** The registry, for the live engine (same bundle). */
    Registry registry() {
        return registry;
    }

    // ---- logging -----------------------------------------------------------------------------------------------

    /**
     * The OSGi Log Service, optional and dynamic: the engines log plug-in failures they survive to its logger
     * {@value #LOGGER}, and nowhere while there is none (the core does not depend on it to run).
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindLoggerFactory")
    synchronized void bindLoggerFactory(LoggerFactory f) {
        logFactory = f;
        registry.log.set(f.getLogger(LOGGER, Logger.class));
    }

    /** A greedy replacement binds the new factory before it unbinds the old one: only the one in use clears. */
    synchronized void unbindLoggerFactory(LoggerFactory f) {
        if (logFactory == f) {
            logFactory = null;
            registry.log.set(null);
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
            registry.log.warn("tracker " + t.name() + " from " + bundle(ref) + " ignored: property "
                + L4Tracker.PROTOCOL + " is not a protocol number: " + p, null);
            return;
        }
        List<String> fams = strings(ref.getProperty(L4Tracker.FAMILY));
        boolean v4 = fams.isEmpty() || fams.contains("ipv4");
        boolean v6 = fams.isEmpty() || fams.contains("ipv6");
        try {
            registry.addTracker(t, proto, v4, v6, serviceId(ref), ranking(ref), bundle(ref));
        } catch (IllegalArgumentException ex) {
            registry.log.warn("tracker from " + bundle(ref) + " ignored: " + ex.getMessage(), null);
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
