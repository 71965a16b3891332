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
import java.util.logging.Level;
import java.util.logging.Logger;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.PluginInfo;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.L4Tracker;
import org.conntrack4j.core.spi.NetExtension;

/**
 * What is plugged in, shared by every engine: L4 trackers, helpers and extensions, and the list of live
 * engines. The packet path reads only {@link #dispatch}, an immutable array indexed by protocol number,
 * published as a whole.
 *
 * <p>Changes are serialised by this object's monitor. A change that takes something away first publishes
 * the new state, then waits out in-flight packets ({@link Rcu#synchronize}), then cleans up in every engine:
 * connections of a departed tracker, expectations and helper references of a departed helper, attachments of
 * a departed extension. Lock order: registry, then an engine's table stripes or expectation table.
 */
public final class Registry {
    private static final Logger LOG = Logger.getLogger(Registry.class.getName());

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

    /** Higher ranking first, then the earlier registration. */
    private static final Comparator<Reg<?>> PRECEDENCE = Comparator.<Reg<?>>comparingInt(r -> -r.ranking)
        .thenComparingLong(r -> r.serviceId);

    final Rcu rcu = new Rcu();
    volatile Dispatch dispatch = new Dispatch();
    private volatile List<Reg<Helper>> helperView = List.of();

    private final List<Reg<L4Tracker>> trackers = new ArrayList<>();
    private final List<Reg<Helper>> helpers = new ArrayList<>();
    private final List<Reg<NetExtension>> extensions = new ArrayList<>();
    private final Map<Reg<NetExtension>, Map<Engine, Registration>> attachments = new IdentityHashMap<>();
    private final List<Engine> engines = new ArrayList<>();
    private long nextLocalId = Long.MAX_VALUE / 2;

    // ---- trackers ------------------------------------------------------------------------------------------

    /** Adds a tracker; {@code serviceId} orders equal rankings (use {@link #localId()} outside OSGi). */
    public synchronized void addTracker(L4Tracker t, int proto, boolean v4, boolean v6, long serviceId, int ranking,
        String bundle) {
        if (proto < 0 || proto > 255) {
            throw new IllegalArgumentException("tracker " + t.name() + ": protocol " + proto + " outside 0..255");
        }
        trackers.add(new Reg<>(t, t.name(), proto, v4, v6, serviceId, ranking, bundle));
        republishTrackers();
    }

    public synchronized void removeTracker(L4Tracker t) {
        if (trackers.removeIf(r -> r.svc == t)) {
            republishTrackers();
        }
    }

    /** A service id for plug-ins added without OSGi, after every real one. */
    public synchronized long localId() {
        return nextLocalId++;
    }

    private void republishTrackers() {
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
        List<int[]> changed = new ArrayList<>();
        List<L4Tracker> previous = new ArrayList<>();
        for (int p = 0; p < 256; p++) {
            if (old.v4[p] != d.v4[p]) {
                changed.add(new int[] {Family.IPV4, p});
                previous.add(old.v4[p] == null ? GenericTracker.INSTANCE : old.v4[p]);
            }
            if (old.v6[p] != d.v6[p]) {
                changed.add(new int[] {Family.IPV6, p});
                previous.add(old.v6[p] == null ? GenericTracker.INSTANCE : old.v6[p]);
            }
        }
        if (changed.isEmpty()) {
            return;
        }
        // Packets already past the dispatch may still use the previous tracker: let them finish first.
        rcu.synchronize();
        for (Engine e : engines) {
            for (int i = 0; i < changed.size(); i++) {
                e.killTracked(changed.get(i)[0], changed.get(i)[1], previous.get(i));
            }
        }
    }

    L4Tracker tracker(int family, int proto) {
        Dispatch d = dispatch;
        L4Tracker t = (family == Family.IPV6 ? d.v6 : d.v4)[proto & 0xff];
        return t == null ? GenericTracker.INSTANCE : t;
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    public synchronized void addHelper(Helper h, long serviceId, int ranking, String bundle) {
        helpers.add(new Reg<>(h, h.name(), h.protocol(), h.supports(Family.IPV4), h.supports(Family.IPV6),
            serviceId, ranking, bundle));
        publishHelpers();
    }

    public synchronized void removeHelper(Helper h) {
        if (!helpers.removeIf(r -> r.svc == h)) {
            return;
        }
        publishHelpers();
        rcu.synchronize();
        for (Engine e : engines) {
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

    public synchronized void addExtension(NetExtension x, String name, long serviceId, int ranking, String bundle) {
        Reg<NetExtension> r = new Reg<>(x, name, -1, true, true, serviceId, ranking, bundle);
        extensions.add(r);
        Map<Engine, Registration> m = new HashMap<>();
        attachments.put(r, m);
        for (Engine e : engines) {
            attach(r, e, m);
        }
    }

    public synchronized void removeExtension(NetExtension x) {
        for (Reg<NetExtension> r : new ArrayList<>(extensions)) {
            if (r.svc == x) {
                extensions.remove(r);
                Map<Engine, Registration> m = attachments.remove(r);
                if (m != null) {
                    m.values().forEach(Registry::closeQuietly);
                }
            }
        }
    }

    private void attach(Reg<NetExtension> r, Engine e, Map<Engine, Registration> m) {
        try {
            m.put(e, r.svc.attach(e));
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "extension " + r.name + " failed to attach to engine " + e.name(), ex);
        }
    }

    private static void closeQuietly(Registration reg) {
        try {
            reg.close();
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "extension detach failed", ex);
        }
    }

    // ---- engines -------------------------------------------------------------------------------------------

    synchronized void engineCreated(Engine e) {
        engines.add(e);
        for (Reg<NetExtension> r : extensions) {
            attach(r, e, attachments.get(r));
        }
    }

    synchronized void engineClosed(Engine e) {
        engines.remove(e);
        for (Map<Engine, Registration> m : attachments.values()) {
            Registration reg = m.remove(e);
            if (reg != null) {
                closeQuietly(reg);
            }
        }
    }

    synchronized List<Engine> engines() {
        return new ArrayList<>(engines);
    }

    // ---- listings ------------------------------------------------------------------------------------------

    synchronized Collection<SettingKey> activeSettingKeys() {
        Set<SettingKey> keys = new LinkedHashSet<>(CoreSettings.ALL);
        for (Reg<L4Tracker> r : trackers) {
            keys.addAll(r.svc.settings());
        }
        return keys;
    }

    synchronized List<PluginInfo> trackerInfo() {
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

    synchronized List<PluginInfo> helperInfo() {
        List<PluginInfo> out = new ArrayList<>();
        for (Reg<Helper> r : helperView) {
            boolean active = helper(r.name, r.v4 ? Family.IPV4 : Family.IPV6, r.proto) == r.svc;
            out.add(new PluginInfo(r.name, r.proto, r.families(), r.bundle, r.serviceId, r.ranking, active));
        }
        return out;
    }

    synchronized List<PluginInfo> extensionInfo() {
        List<PluginInfo> out = new ArrayList<>();
        for (Reg<NetExtension> r : extensions) {
            out.add(new PluginInfo(r.name, -1, r.families(), r.bundle, r.serviceId, r.ranking, true));
        }
        return out;
    }
}
