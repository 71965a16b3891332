package org.conntrack4j.core.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
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
    private static final Logger LOG = Logger.getLogger(CoreComponent.class.getName());

    private final Registry registry = new Registry();

    /** The registry, for the live engine (same bundle). */
    Registry registry() {
        return registry;
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
