package org.conntrack4j.testkit;

import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Clock;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.PluginInfo;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.EngineFactory;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.L4Tracker;
import org.conntrack4j.core.spi.NetExtension;

/**
 * What a framework would have registered with the core: trackers, helpers and extensions (NAT), shared by every
 * engine made from it, as the whiteboard services are. Adding one is its service arriving; closing the returned
 * registration is its service leaving, with the core's clean-up (connections destroyed, expectations removed,
 * helpers detached) as in a framework.
 *
 * <p>How the kit gets an engine without a framework: it depends on the core bundle's jar, the same jar a framework
 * installs, and reaches the engine's classes in this one class; nothing else in the kit, and nothing in its
 * public API, names them. A test written against the kit therefore compiles against the exported packages alone
 * and runs the real engine. {@link #factory()} makes engines as the core's {@link ConntrackFactory} service does
 * (defragmentation before conntrack); {@link Rig} makes a bare one as plug-in unit tests want (fragments reach
 * conntrack as they come unless {@link Rig#defrag()} is asked).
 */
public final class Plugins {
    private final Registry registry = new Registry();

    /** A tracker for {@code l4proto} in both families, ranking 0. */
    public Registration addTracker(L4Tracker t, int l4proto) {
        return addTracker(t, l4proto, true, true, 0);
    }

    /** A tracker with its whiteboard properties ({@code conntrack.l4proto}, families, {@code service.ranking}). */
    public Registration addTracker(L4Tracker t, int l4proto, boolean ipv4, boolean ipv6, int ranking) {
        registry.addTracker(t, l4proto, ipv4, ipv6, registry.localId(), ranking, bundle(t));
        return once(() -> registry.removeTracker(t));
    }

    public Registration addHelper(Helper h) {
        return addHelper(h, 0);
    }

    public Registration addHelper(Helper h, int ranking) {
        registry.addHelper(h, registry.localId(), ranking, bundle(h));
        return once(() -> registry.removeHelper(h));
    }

    /** An extension under its {@code conntrack.extension.name} ({@code nat}). */
    public Registration addExtension(NetExtension x, String name) {
        registry.addExtension(x, name, registry.localId(), 0, bundle(x));
        return once(() -> registry.removeExtension(x));
    }

    /**
     * Where the engines' messages go (the core logs plug-in failures it survives: a hook function or listener that
     * threw, a tracker's destroy that failed): an OSGi Log Service logger such as a {@link LogRecorder}; null,
     * the default: nowhere.
     */
    public Plugins logTo(org.osgi.service.log.Logger logger) {
        registry.logTo(logger);
        return this;
    }

    /** Engines on these plug-ins as the core's factory service makes them (defragmentation on). */
    public ConntrackFactory factory() {
        return new ConntrackFactory() {
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
        };
    }

    /** A bare engine (no defragmentation) with a fixed seed: reproducible ids and hash order. */
    Conntrack bareEngine(String name, Clock clock, long seed) {
        return new Engine(registry, name, clock, seed);
    }

    /** {@code nf_defrag_ipv4/ipv6_enable} for a bare engine. */
    static Registration enableDefrag(Conntrack net) {
        return ((Engine) net).enableDefrag();
    }

    /** The providing "bundle" as listings show it: the plug-in's package. */
    private static String bundle(Object plugin) {
        return plugin.getClass().getPackageName();
    }

    private static Registration once(Runnable r) {
        return new Registration() {
            private boolean done;

            @Override
            public synchronized void close() {
                if (!done) {
                    done = true;
                    r.run();
                }
            }
        };
    }
}
