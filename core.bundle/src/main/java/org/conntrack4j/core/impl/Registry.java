package org.conntrack4j.core.impl;

import org.conntrack4j.core.api.CoreSettings;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.PluginInfo;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.L4Tracker;
import org.conntrack4j.core.spi.NetExtension;

/**
 * What is plugged in, shared by every engine: L4 trackers, helpers and extensions, and the list of live engines.
 * The packet path reads only {@link #dispatch}, an immutable array indexed by protocol number, published as a
 * whole.
 *
 * <p>This object's monitor guards the lists, the publication and the generation only, and nothing else is taken or
 * called while it is held. A change that takes something away publishes the new state, releases the monitor, waits
 * out in-flight packets and makes the connections not yet confirmed fail their confirmation
 * ({@link #newGeneration}), and then cleans up in every engine: connections of a departed tracker, expectations and
 * helper references of a departed helper, attachments of a departed extension. Extensions attach to and detach from
 * engines outside the monitor too. See the package documentation for the lock order.
 */
public final class Registry {
    /** The core's log, shared by the engines on this registry. */
    final CoreLog log = new CoreLog();

    /** One registered plug-in service with its whiteboard properties. */
    static final class Reg<T> {
        final T svc;
        final String name;
        final int proto;
        final boolean v4;
        final boolean v6;
        final long serviceId;
        final int ranking;
        final String bundle;

        Reg(T svc, String name, int proto, boolean v4, boolean v6, long serviceId, int ranking, String bundle) {
            this.svc = svc;
            this.name = name;
            this.proto = proto;
            this.v4 = v4;
            this.v6 = v6;
            this.serviceId = serviceId;
            this.ranking = ranking;
            this.bundle = bundle;
        }

        String families() {
            return v4 && v6 ? "ipv4,ipv6" : v4 ? "ipv4" : "ipv6";
        }
    }

    /** The trackers in use per family, indexed by protocol (null: generic). Immutable once published. */
    static final class Dispatch {
        final L4Tracker[] v4 = new L4Tracker[256];
        final L4Tracker[] v6 = new L4Tracker[256];
        final boolean[] err4 = new boolean[256];
        final boolean[] err6 = new boolean[256];
    }

    /** The protocols whose serving tracker changed in a publication, and the trackers that served them before. */
    private static final class Handover {
        final List<int[]> changed = new ArrayList<>();
        final List<L4Tracker> previous = new ArrayList<>();
        List<Engine> engines;
    }

    /** Higher ranking first, then the earlier registration. */
    private static final Comparator<Reg<?>> PRECEDENCE = Comparator.<Reg<?>>comparingInt(r -> -r.ranking)
        .thenComparingLong(r -> r.serviceId);

    final Rcu rcu = new Rcu();
    volatile Dispatch dispatch = new Dispatch();
    /**
     * Linux's {@code nf_conntrack_ext_genid}: advanced by {@link #newGeneration} whenever a plug-in change is about
     * to destroy or strip connections. A new connection records the value when it is created
     * ({@link ConnEntry#generation}); confirmation refuses one whose value is stale, because it may hold a plug-in
     * that has gone (its first packet was between two hooks, outside any read section, while the clean-up walked a
     * table it was not yet in). A connection reads it in the read section in which it picked its tracker, before it
     * looks for an expectation (which may hand it a helper): what it picks from then on was still reachable at that
     * moment, so a departure of any of it advances the generation past the recorded value. Read when a connection
     * is created and when it is confirmed, never on the established path. Written under this object's monitor.
     */
    volatile int generation = 1;
    private volatile List<Reg<Helper>> helperView = List.of();

    private final List<Reg<L4Tracker>> trackers = new ArrayList<>();
    private final List<Reg<Helper>> helpers = new ArrayList<>();
    private final List<Reg<NetExtension>> extensions = new ArrayList<>();
    private final Map<Reg<NetExtension>, Map<Engine, Registration>> attachments = new IdentityHashMap<>();
    private final List<Engine> engines = new ArrayList<>();
    private long nextLocalId = Long.MAX_VALUE / 2;

    // ---- trackers ------------------------------------------------------------------------------------------

    /** Adds a tracker; {@code serviceId} orders equal rankings (use {@link #localId()} outside OSGi). */
    public void addTracker(L4Tracker t, int proto, boolean v4, boolean v6, long serviceId, int ranking, String bundle) {
        if (proto < 0 || proto > 255) {
            throw new IllegalArgumentException("tracker " + t.name() + ": protocol " + proto + " outside 0..255");
        }
        Handover h;
        synchronized (this) {
            trackers.add(new Reg<>(t, t.name(), proto, v4, v6, serviceId, ranking, bundle));
            h = republishTrackers();
        }
        settingsChanged(h.engines);
        handOver(h);
    }

    public void removeTracker(L4Tracker t) {
        Handover h;
        synchronized (this) {
            if (!trackers.removeIf(r -> r.svc == t)) {
                return;
            }
            h = republishTrackers();
        }
        settingsChanged(h.engines);
        handOver(h);
    }

    /**
     * Sends the core's messages (plug-in failures the engines survive) to {@code logger}, an OSGi Log Service logger;
     * null: nowhere. The core component gives its own; outside a framework whoever builds the registry may.
     */
    public void logTo(org.osgi.service.log.Logger logger) {
        log.set(logger);
    }

    /** A service id for plug-ins added without OSGi, after every real one. */
    public synchronized long localId() {
        return nextLocalId++;
    }

    /** Publishes the dispatch for the current trackers; returns what changed. Caller holds the monitor. */
    private Handover republishTrackers() {
        Dispatch old = dispatch;
        Dispatch d = new Dispatch();
        List<Reg<L4Tracker>> sorted = new ArrayList<>(trackers);
        sorted.sort(PRECEDENCE);
        for (Reg<L4Tracker> r : sorted) {
            if (r.v4 && d.v4[r.proto] == null) {
                d.v4[r.proto] = r.svc;
                d.err4[r.proto] = r.svc.hasErrorHandler();
            }
            if (r.v6 && d.v6[r.proto] == null) {
                d.v6[r.proto] = r.svc;
                d.err6[r.proto] = r.svc.hasErrorHandler();
            }
        }
        dispatch = d;
        Handover h = new Handover();
        h.engines = new ArrayList<>(engines);
        for (int p = 0; p < 256; p++) {
            if (old.v4[p] != d.v4[p]) {
                h.changed.add(new int[] {Family.IPV4, p});
                h.previous.add(old.v4[p] == null ? GenericTrackerImpl.INSTANCE : old.v4[p]);
            }
            if (old.v6[p] != d.v6[p]) {
                h.changed.add(new int[] {Family.IPV6, p});
                h.previous.add(old.v6[p] == null ? GenericTrackerImpl.INSTANCE : old.v6[p]);
            }
        }
        return h;
    }

    /** Destroys the connections of the trackers that stopped serving, once no packet can be using them. */
    private void handOver(Handover h) {
        if (h.changed.isEmpty()) {
            return;
        }
        newGeneration();
        for (Engine e : h.engines) {
            for (int i = 0; i < h.changed.size(); i++) {
                e.killTracked(h.changed.get(i)[0], h.changed.get(i)[1], h.previous.get(i));
            }
        }
    }

    /**
     * The preamble of Linux's {@code nf_ct_iterate_destroy}, for a plug-in that packets can no longer reach (taken
     * out of the dispatch or the helper list, its expectations gone): waits out the read sections that might still
     * have picked it, advances {@link #generation} so that connections created until then are refused at
     * confirmation, and waits out the confirmations that checked the old value, so that every connection they
     * inserted is in the table when the caller's clean-up walks it. Called with no lock held.
     */
    void newGeneration() {
        rcu.synchronize();
        synchronized (this) {
            generation++;
        }
        rcu.synchronize();
    }

    private static void settingsChanged(List<Engine> engines) {
        for (Engine e : engines) {
            e.settings.rebuild();
        }
    }

    L4Tracker tracker(int family, int proto) {
        Dispatch d = dispatch;
        L4Tracker t = (family == Family.IPV6 ? d.v6 : d.v4)[proto & 0xff];
        return t == null ? GenericTrackerImpl.INSTANCE : t;
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    public void addHelper(Helper h, long serviceId, int ranking, String bundle) {
        List<Engine> es;
        synchronized (this) {
            helpers.add(new Reg<>(h, h.name(), h.protocol(), h.supports(Family.IPV4), h.supports(Family.IPV6),
                serviceId, ranking, bundle));
            publishHelpers();
            es = new ArrayList<>(engines);
        }
        settingsChanged(es);
    }

    public void removeHelper(Helper h) {
        List<Engine> es;
        synchronized (this) {
            if (!helpers.removeIf(r -> r.svc == h)) {
                return;
            }
            publishHelpers();
            es = new ArrayList<>(engines);
        }
        settingsChanged(es);
        // Linux's nf_conntrack_helper_unregister: once no packet can find it in the list, its expectations go
        // (no new connection is assigned it through one), then the generation moves on (unconfirmed connections
        // that hold it are refused), then the connections in the table let go of it.
        rcu.synchronize();
        for (Engine e : es) {
            e.unexpect(h);
        }
        newGeneration();
        for (Engine e : es) {
            e.unhelp(h);
        }
    }

    private void publishHelpers() {
        List<Reg<Helper>> sorted = new ArrayList<>(helpers);
        sorted.sort(PRECEDENCE);
        helperView = List.copyOf(sorted);
    }

    Helper helper(String name, int family, int proto) {
        for (Reg<Helper> r : helperView) {
            if (r.name.equals(name) && r.proto == proto && (family == Family.IPV6 ? r.v6 : r.v4)) {
                return r.svc;
            }
        }
        return null;
    }

    /** Is this helper still registered (a connection's helper may have just left)? */
    boolean helperRegistered(Helper h) {
        for (Reg<Helper> r : helperView) {
            if (r.svc == h) {
                return true;
            }
        }
        return false;
    }

    // ---- extensions ------------------------------------------------------------------------------------------

    public void addExtension(NetExtension x, String name, long serviceId, int ranking, String bundle) {
        Reg<NetExtension> r = new Reg<>(x, name, -1, true, true, serviceId, ranking, bundle);
        List<Engine> es;
        synchronized (this) {
            extensions.add(r);
            attachments.put(r, new HashMap<>());
            es = new ArrayList<>(engines);
        }
        settingsChanged(es);
        for (Engine e : es) {
            attach(r, e);
        }
    }

    public void removeExtension(NetExtension x) {
        List<Registration> detach = new ArrayList<>();
        List<Engine> es;
        synchronized (this) {
            for (Reg<NetExtension> r : new ArrayList<>(extensions)) {
                if (r.svc == x) {
                    extensions.remove(r);
                    Map<Engine, Registration> m = attachments.remove(r);
                    if (m != null) {
                        detach.addAll(m.values());
                    }
                }
            }
            es = new ArrayList<>(engines);
        }
        detach.forEach(this::closeQuietly);
        settingsChanged(es);
    }

    /**
     * Attaches an extension to an engine (outside the monitor: the extension's code runs here) and records the
     * attachment, unless the extension or the engine went away meanwhile: then it is detached at once.
     */
    private void attach(Reg<NetExtension> r, Engine e) {
        Registration reg;
        try {
            reg = r.svc.attach(e);
        } catch (RuntimeException ex) {
            log.warn("extension " + r.name + " failed to attach to engine " + e.name(), ex);
            return;
        }
        synchronized (this) {
            Map<Engine, Registration> m = attachments.get(r);
            if (m != null && engines.contains(e) && !m.containsKey(e)) {
                m.put(e, reg);
                return;
            }
        }
        closeQuietly(reg);
    }

    private void closeQuietly(Registration reg) {
        try {
            reg.close();
        } catch (RuntimeException ex) {
            log.warn("extension detach failed", ex);
        }
    }

    // ---- engines -------------------------------------------------------------------------------------------

    void engineCreated(Engine e) {
        List<Reg<NetExtension>> xs;
        synchronized (this) {
            engines.add(e);
            xs = new ArrayList<>(extensions);
        }
        for (Reg<NetExtension> r : xs) {
            attach(r, e);
        }
    }

    void engineClosed(Engine e) {
        List<Registration> detach = new ArrayList<>();
        synchronized (this) {
            engines.remove(e);
            for (Map<Engine, Registration> m : attachments.values()) {
                Registration reg = m.remove(e);
                if (reg != null) {
                    detach.add(reg);
                }
            }
        }
        detach.forEach(this::closeQuietly);
    }

    synchronized List<Engine> engines() {
        return new ArrayList<>(engines);
    }

    // ---- listings ------------------------------------------------------------------------------------------

    /** The core's settings and those every registered plug-in declares: what engines list and resolve by name. */
    synchronized Collection<SettingKey> activeSettingKeys() {
        Set<SettingKey> keys = new LinkedHashSet<>(CoreSettings.ALL);
        for (Reg<L4Tracker> r : trackers) {
            keys.addAll(declared(r));
        }
        for (Reg<Helper> r : helpers) {
            keys.addAll(declared(r));
        }
        for (Reg<NetExtension> r : extensions) {
            keys.addAll(declared(r));
        }
        return keys;
    }

    /** A plug-in's {@code settings()}; a plug-in that fails to say gets none (logged). */
    private List<SettingKey> declared(Reg<?> r) {
        try {
            Object svc = r.svc;
            List<SettingKey> ks = svc instanceof L4Tracker ? ((L4Tracker) svc).settings()
                : svc instanceof Helper ? ((Helper) svc).settings() : ((NetExtension) svc).settings();
            return ks == null ? List.of() : ks;
        } catch (RuntimeException ex) {
            log.warn("settings() of " + r.name + " from " + r.bundle + " failed", ex);
            return List.of();
        }
    }

    public synchronized List<PluginInfo> trackerInfo() {
        Dispatch d = dispatch;
        List<PluginInfo> out = new ArrayList<>();
        List<Reg<L4Tracker>> sorted = new ArrayList<>(trackers);
        sorted.sort(Comparator.<Reg<L4Tracker>>comparingInt(r -> r.proto).thenComparing(PRECEDENCE));
        for (Reg<L4Tracker> r : sorted) {
            boolean active = r.v4 && d.v4[r.proto] == r.svc || r.v6 && d.v6[r.proto] == r.svc;
            out.add(new PluginInfo(r.name, r.proto, r.families(), r.bundle, r.serviceId, r.ranking, active));
        }
        out.add(new PluginInfo("generic", -1, "ipv4,ipv6", "core (every other protocol)", 0, 0, true));
        return out;
    }

    public synchronized List<PluginInfo> helperInfo() {
        List<PluginInfo> out = new ArrayList<>();
        for (Reg<Helper> r : helperView) {
            boolean active = helper(r.name, r.v4 ? Family.IPV4 : Family.IPV6, r.proto) == r.svc;
            out.add(new PluginInfo(r.name, r.proto, r.families(), r.bundle, r.serviceId, r.ranking, active));
        }
        return out;
    }

    public synchronized List<PluginInfo> extensionInfo() {
        List<PluginInfo> out = new ArrayList<>();
        for (Reg<NetExtension> r : extensions) {
            out.add(new PluginInfo(r.name, -1, r.families(), r.bundle, r.serviceId, r.ranking, true));
        }
        return out;
    }
}
