package org.conntrack4j.core.impl;

import org.conntrack4j.core.api.ConnectionUpdate;
import org.conntrack4j.core.api.ConntrackTable;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.PacketPath;
import org.conntrack4j.core.api.PluginServices;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.conntrack4j.core.api.Clock;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NewConnection;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.api.Settings;
import org.conntrack4j.core.api.Stats;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.TimeoutPolicy;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.api.Zone;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.HookFunction;
import org.conntrack4j.core.spi.L4Tracker;

/**
 * One engine instance: Linux's {@code nf_conntrack_core.c} for one network namespace.
 *
 * <p>Shared state and its guards: the connection table ({@link ConnTable}: bucket stripes, lock-free readers);
 * the expectation table (its own monitor); the hook chains, listeners and extensions (copy-on-write, volatile);
 * settings (copy-on-write); counters (LongAdders); the expiry scan ({@link Collector}). Locks and their order: the
 * package documentation.
 */
public class Engine implements Conntrack, PacketPath, ConntrackTable, PluginServices {
    /**
     * Buckets examined for an unassured victim when the table is full ({@code NF_CT_EVICTION_RANGE}); a bucket is
     * {@link #EVICTION_SLOTS} slots of the table from the new connection's home slot on.
     */
    static final int EVICTION_RANGE = 8;
    static final int EVICTION_SLOTS = ConnTable.SLOTS_PER_CONN;
    private static final int MAX_REPEATS = 4;

    final Registry registry;
    private final String name;
    private final Clock clock;
    private final int hz;
    final EngineSettings settings;
    final EngineStats stats;
    final ConnTable table;
    final ExpectTable expects;
    final HookChains hooks;
    final EventSink events;
    final Defrag defrag;
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicInteger ids;
    private final SplittableRandom random;
    private final Map<Class<?>, Object> extensions = new ConcurrentHashMap<>();
    private final List<Registration> coreHooks = new ArrayList<>();
    private volatile boolean closed;

    final Collector collector;

    /**
     * A new engine using the trackers, helpers and extensions of {@code registry}. {@code seed} fixes the hash
     * keys and connection ids (a replay passes a constant for reproducible output).
     */
    public Engine(Registry registry, String name, Clock clock, long seed) {
        this(registry, name, clock, seed, (int) CoreSettings.BUCKETS.defaultValue());
    }

    /**
     * An engine whose table starts with {@code buckets} buckets (a valid {@code nf_conntrack_buckets}): an engine
     * made with that setting is allocated at its size instead of being rehashed from the default's 262144.
     */
    public Engine(Registry registry, String name, Clock clock, long seed, int buckets) {
        this.registry = registry;
        this.hooks = new HookChains(registry.log);
        this.name = name;
        this.clock = clock;
        this.hz = clock.hz();
        this.random = new SplittableRandom(seed);
        this.ids = new AtomicInteger(random.nextInt());
        this.settings = new EngineSettings(registry::activeSettingKeys);
        this.stats = new EngineStats(count::get, this::expectCount, this::defragCounters);
        this.table = new ConnTable(buckets, random.nextLong());
        this.lastBuckets = buckets;
        this.expects = new ExpectTable(this);
        this.events = new EventSink(name, registry.rcu, registry.log);
        stats.eventsLost(events.lost::get);
        // Its own seed, so that the connection ids and hash keys drawn above stay what they were.
        this.defrag = new Defrag(this, seed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L);
        this.collector = new Collector(this, hz);
        if (buckets != CoreSettings.BUCKETS.defaultValue()) {
            // the setting says what the table has, so that a change of another setting does not size it back
            settings.set(CoreSettings.BUCKETS, buckets);
        }
        settings.onChange(this::settingsChanged);
        coreHooks.add(registerHook(Family.INET, Hook.PRE_ROUTING, Priority.CONNTRACK, this::hookIn, "conntrack_in (core)"));
        coreHooks.add(registerHook(Family.INET, Hook.LOCAL_OUT, Priority.CONNTRACK, this::hookLocal,
            "conntrack_local (core)"));
        coreHooks.add(registerHook(Family.INET, Hook.POST_ROUTING, Priority.CONNTRACK_CONFIRM, this::confirmHook,
            "confirm (core)"));
        coreHooks.add(registerHook(Family.INET, Hook.LOCAL_IN, Priority.CONNTRACK_CONFIRM, this::confirmHook,
            "confirm (core)"));
        registry.engineCreated(this);
    }

    private int lastBuckets;

    /** Users of defragmentation and its hooks while there are any (guarded by {@link #defragLock}). */
    private final Object defragLock = new Object();
    private int defragUsers;
    private List<Registration> defragHooks;

    /**
     * {@code nf_defrag_ipv4_enable} / {@code nf_defrag_ipv6_enable}: registers the defragmentation hooks
     * (PRE_ROUTING and LOCAL_OUT at {@link Priority#CONNTRACK_DEFRAG}, both families) for a new user; the
     * returned registration drops that user, and the hooks go with the last one. Linux registers them when
     * something in the namespace uses conntrack; {@link EngineFactory} does so for every engine it makes (and
     * the live engine has them), while an engine built bare, as unit tests of single plug-ins do, sees
     * fragments as they come unless it is asked.
     */
    public Registration enableDefrag() {
        synchronized (defragLock) {
            if (defragUsers++ == 0) {
                defragHooks = List.of(
                    registerHook(Family.INET, Hook.PRE_ROUTING, Priority.CONNTRACK_DEFRAG, defrag::hook, "defrag (core)"),
                    registerHook(Family.INET, Hook.LOCAL_OUT, Priority.CONNTRACK_DEFRAG, defrag::hook, "defrag (core)"));
            }
        }
        return new Registration() {
            private boolean done;

            @Override
            public void close() {
                synchronized (defragLock) {
                    if (done) {
                        return;
                    }
                    done = true;
                    if (--defragUsers == 0) {
                        defragHooks.forEach(Registration::close);
                        defragHooks = null;
                    }
                }
            }
        };
    }

    private void settingsChanged() {
        int b = (int) settings.get(CoreSettings.BUCKETS);
        if (b != lastBuckets) {
            lastBuckets = b;
            table.resize(b);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public long now() {
        return clock.jiffies();
    }

    @Override
    public Settings settings() {
        return settings;
    }

    @Override
    public Stats stats() {
        return stats;
    }

    @Override
    public PacketPath packets() {
        return this;
    }

    @Override
    public ConntrackTable table() {
        return this;
    }

    @Override
    public PluginServices services() {
        return this;
    }

    int expectCount() {
        return expects.count();
    }

    private Map<String, Long> defragCounters() {
        return defrag.counters();
    }

    // ---- hooks -------------------------------------------------------------------------------------------

    @Override
    public Registration registerHook(int family, int hook, int priority, HookFunction fn, String owner) {
        List<HookChains.Entry> added = hooks.add(family, hook, priority, fn, owner);
        return new Registration() {
            private boolean done;

            @Override
            public synchronized void close() {
                if (!done) {
                    done = true;
                    hooks.remove(added);
                    registry.rcu.synchronize();
                }
            }
        };
    }

    @Override
    public int runHook(int hook, Packet p) {
        Rcu.Slot s = registry.rcu.enter();
        try {
            p.hook = hook;
            p.net = this;
            int v = hooks.run(hook, p);
            if (v == Verdict.DROP && p.ct != null && !p.ct.isConfirmed()) {
                // the connection dies with its first packet (Linux frees it with the skb)
                unconfirmedDone((ConnEntry) p.ct);
            }
            return v;
        } finally {
            registry.rcu.exit(s);
        }
    }

    @Override
    public List<String> describeHooks(int family) {
        return hooks.describe(family);
    }

    private int hookIn(Packet p) {
        return conntrackIn(p);
    }

    /** {@code ipv4_conntrack_local}: locally generated fragments are left alone. */
    private int hookLocal(Packet p) {
        if (p.family == Family.IPV4 && p.length() >= 20 && (p.u16(6) & 0x3fff) != 0) {
            return Verdict.ACCEPT;
        }
        return conntrackIn(p);
    }

    // ---- nf_conntrack_in --------------------------------------------------------------------------------

    @Override
    public int in(Packet p) {
        Rcu.Slot s = registry.rcu.enter();
        try {
            p.net = this;
            return conntrackIn(p);
        } finally {
            registry.rcu.exit(s);
        }
    }

    /*
     * The packet path is split so that the common case of each step is a small method the JIT inlines into its
     * caller (C2 inlines hot methods of up to 325 bytecodes): what is rare (a tracker's error handler, invalid and
     * dropped packets with their counters, a second bucket for a zone of one direction, a new connection) is in
     * methods of its own, called only when it happens.
     */
    int conntrackIn(Packet p) {
        if (hasNfct(p)) {
            // left alone without reading the clock (the live one asks the system for the time)
            return Verdict.ACCEPT;
        }
        return conntrackIn(p, registry.dispatch, clock.jiffies());
    }

    /** Linux's {@code skb->_nfct} test: the packet has its connection already, or is marked untracked. */
    private static boolean hasNfct(Packet p) {
        return p.ct != null || p.ctinfo == CtInfo.UNTRACKED;
    }

    /**
     * {@link #conntrackIn(Packet)} with the trackers {@code d} and the time {@code now} given: a batch reads them once
     * (as OVS passes one {@code now} to a batch), inside the one read section that keeps {@code d} valid.
     */
    private int conntrackIn(Packet p, Registry.Dispatch d, long now) {
        if (hasNfct(p)) {
            return Verdict.ACCEPT;
        }
        // a rule's zone template is used for this lookup and leaves the packet (nf_conntrack_in: skb->_nfct = 0)
        p.zone &= ~Zone.TEMPLATE;
        int l4 = L3.l4(p, 0, p.family);
        if (l4 < 0) {
            return unusable();
        }
        int proto = l4 >>> 16;
        int dataoff = l4 & 0xffff;
        p.l4proto = proto;
        p.l4off = dataoff;
        boolean v6 = p.family == Family.IPV6;
        L4Tracker t = (v6 ? d.v6 : d.v4)[proto];
        if (t == null) {
            t = GenericTrackerImpl.INSTANCE;
        } else if ((v6 ? d.err6 : d.err4)[proto]) {
            int ret = trackerError(p, t, dataoff);
            if (ret >= 0) {
                return ret;
            }
        }
        return track(p, proto, dataoff, t, now);
    }

    /**
     * The lookup (or creation) of the packet's connection ({@code resolve_normal_ct}) and its tracker's verdict,
     * repeated when it asks. The lookup is written here rather than in a method of its own: this method is too big
     * to be inlined, so that it is the one call of every packet whichever part of the path the JIT compiles first (a
     * separate lookup method, compiled on its own first, was a second call).
     */
    private int track(Packet p, int proto, int dataoff, L4Tracker t, long now) {
        Tuple tu = p.tuple;
        for (int repeats = 0; ; repeats++) {
            tu.proto = proto;
            tu.dir = Direction.ORIGINAL;
            L3.addresses(p, 0, p.family, tu);
            if (!t.pktToTuple(p, dataoff, tu)) {
                return refused(p, -Verdict.ACCEPT);
            }
            // the tuple's bucket in the zone of the original direction, then, for a zone of one direction, in the
            // reply direction's; an entry of either table compares the zone ids of its own direction
            int zone = p.zone;
            int mo = meta(tu, Zone.idFor(zone, Direction.ORIGINAL));
            int mr = meta(tu, Zone.idFor(zone, Direction.REPLY));
            int ports = tu.srcPort << 16 | tu.dstPort;
            int h = table.hash(mo, tu.srcHi, tu.srcLo, tu.dstHi, tu.dstLo, ports);
            ConnEntry e = find(mo, mr, tu, h, now, false);
            if (e != null && e.origMatches(mo, tu.srcHi, tu.srcLo, tu.dstHi, tu.dstLo, ports)) {
                int st = e.status();
                p.ct = e;
                p.ctinfo = (st & Status.SEEN_REPLY) != 0 ? CtInfo.ESTABLISHED
                    : (st & Status.EXPECTED) != 0 ? CtInfo.RELATED : CtInfo.NEW;
            } else if (resolveOther(p, t, tu, zone, mo, mr, h, now, e) < 0) {
                return tableFull();
            }
            ConnEntry ct = (ConnEntry) p.ct;
            if (ct == null) {
                return refused(p, -Verdict.ACCEPT);
            }
            int ret = ct.tracker.packet(this, ct, p, dataoff, p.ctinfo);
            if (ret > 0) {
                // a plain read first: the atomic set is needed only by the first reply
                if (p.ctinfo == CtInfo.ESTABLISHED_REPLY && (ct.status() & Status.SEEN_REPLY) == 0
                    && ct.testAndSetClear(Status.SEEN_REPLY)) {
                    cacheEvent(ct, CtEvent.REPLY);
                }
                return ret;
            }
            if (!ct.isConfirmed()) {
                // the tracker refused a new connection's first packet: Linux frees it with its last reference here
                // (nf_ct_put), and its destructor releases its NAT binding (one set up by an expectation already)
                unconfirmedDone(ct);
            }
            p.ct = null;
            p.ctinfo = 0;
            if (ret != -Verdict.REPEAT || repeats >= MAX_REPEATS) {
                return refused(p, ret);
            }
        }
    }

    /**
     * The tracker's error handler ({@code l4proto->error}): the verdict when the packet goes no further (counted as
     * an error), or -1 when the lookup is to be done.
     */
    private int trackerError(Packet p, L4Tracker t, int dataoff) {
        int ret = t.error(this, p, dataoff);
        if (ret <= 0) {
            stats.inc(EngineStats.I_ERROR);
            stats.invalidReason(p.reason);
            return -ret;
        }
        // The error handler may have attached a connection (RELATED) or marked the packet untracked.
        if (hasNfct(p)) {
            return Verdict.ACCEPT;
        }
        return -1;
    }

    /** A packet conntrack cannot read (truncated, a later fragment): counted invalid, no reason, let through. */
    private int unusable() {
        stats.inc(EngineStats.I_INVALID);
        return Verdict.ACCEPT;
    }

    /** A new connection that found the table full, nothing to evict: counted, dropped. */
    private int tableFull() {
        stats.inc(EngineStats.I_DROP);
        return Verdict.DROP;
    }

    /**
     * Counts an invalid packet (no connection, or its tracker refused it with {@code ret}, 0 or a negated verdict)
     * and returns its verdict.
     */
    private int refused(Packet p, int ret) {
        if (ret == Verdict.DROP) {
            stats.inc(EngineStats.I_DROP);
        }
        stats.inc(EngineStats.I_INVALID);
        stats.invalidReason(p.reason);
        return ret == -Verdict.REPEAT ? Verdict.DROP : -ret;
    }

    /** Family, protocol and zone id, as {@link ConnEntry#metaFor} gives them for one direction. */
    private static int meta(Tuple t, int zoneId) {
        return (t.family & 0xff) | (t.proto & 0xff) << 8 | (zoneId & 0xffff) << 16;
    }

    /** The hash of {@code t} in zone {@code zoneId} ({@code hash_conntrack}). */
    int hash(Tuple t, int zoneId) {
        return table.hash(meta(t, zoneId), t.srcHi, t.srcLo, t.dstHi, t.dstLo, t.srcPort << 16 | t.dstPort);
    }

    /**
     * The rest of {@link #track}'s lookup when the first bucket did not hold the original direction: the packet's
     * tuple is a reply, or is in the reply direction's bucket, or is a new connection. Returns 0 ({@code p.ct} set,
     * or null for "no connection") or -1 when the table is full.
     */
    private int resolveOther(Packet p, L4Tracker t, Tuple tu, int zone, int mo, int mr, int h, long now, ConnEntry found) {
        int ports = tu.srcPort << 16 | tu.dstPort;
        ConnEntry e = found;
        if (e == null && mr != mo) {
            int h2 = table.hash(mr, tu.srcHi, tu.srcLo, tu.dstHi, tu.dstLo, ports);
            e = find(mo, mr, tu, h2, now, false);
        }
        boolean reply = e != null && !e.origMatches(mo, tu.srcHi, tu.srcLo, tu.dstHi, tu.dstLo, ports);
        int ctinfo;
        if (e != null && !reply) {
            int st = e.status();
            ctinfo = (st & Status.SEEN_REPLY) != 0 ? CtInfo.ESTABLISHED
                : (st & Status.EXPECTED) != 0 ? CtInfo.RELATED : CtInfo.NEW;
        } else {
            if (e != null) {
                ctinfo = CtInfo.ESTABLISHED_REPLY;
            } else {
                e = initConntrack(p, tu, zone, h, t, now);
                if (e == null) {
                    return 0;
                }
                if (e == TABLE_FULL) {
                    return -1;
                }
                int st = e.status();
                ctinfo = (st & Status.EXPECTED) != 0 ? CtInfo.RELATED : CtInfo.NEW;
            }
        }
        p.ct = e;
        p.ctinfo = ctinfo;
        return 0;
    }

    /**
     * The connection whose original tuple (compared with meta {@code mo}) or reply tuple (meta {@code mr}) is
     * {@code tu}, among the slots of hash {@code h}: Linux's lookup of the original then the reply table at one
     * bucket, in one probe. An entry of the direction asked first ({@code preferReply}) wins over one of the other.
     * Expired entries met on the way are destroyed ({@code nf_ct_gc_expired}).
     */
    private ConnEntry find(int mo, int mr, Tuple tu, int h, long now, boolean preferReply) {
        int ports = tu.srcPort << 16 | tu.dstPort;
        while (true) {
            int gen = table.generation();
            ConnTable.Tables t = table.tables;
            ConnEntry other = null;
            for (int i = h & t.mask, n = 0; n <= t.mask; i = (i + 1) & t.mask, n++) {
                int v = t.tag(i);
                if (v == ConnTable.EMPTY) {
                    break;
                }
                if (!ConnTable.matches(v, h)) {
                    continue;
                }
                ConnEntry e = t.ref(i);
                if (e == null) {
                    continue;
                }
                if (e.timeout() - now <= 0) {
                    gcExpired(e, now);
                    continue;
                }
                boolean orig = ConnTable.dir(v) == Direction.ORIGINAL;
                if (orig ? e.origMatches(mo, tu.srcHi, tu.srcLo, tu.dstHi, tu.dstLo, ports)
                    : e.replyMatches(mr, tu.srcHi, tu.srcLo, tu.dstHi, tu.dstLo, ports)) {
                    if (orig != preferReply) {
                        return e;
                    }
                    if (other == null) {
                        other = e;
                    }
                }
            }
            if (other != null || table.missIsFinal(gen)) {
                return other;
            }
            stats.inc(EngineStats.I_SEARCH_RESTART);
        }
    }

    /** Returned by initConntrack for "table full and nothing to evict" (null means "no connection"). */
    private static final ConnEntry TABLE_FULL = ConnEntry.of(null, new Tuple(), new Tuple(), 0, 0, 0, null, 0);

    private ConnEntry initConntrack(Packet p, Tuple tu, int zone, int h, L4Tracker t, long now) {
        Tuple rep = p.tuple2;
        rep.invertL3(tu);
        if (!t.invertTuple(rep, tu)) {
            return null;
        }
        long max = settings.get(CoreSettings.MAX);
        if (max > 0 && count.get() + 1 > max && !earlyDrop(h, now)) {
            collector.requestEarlyDrop();
            return TABLE_FULL;
        }
        // The generation is read before the expectation lookup below: see Registry.generation.
        ConnEntry e = ConnEntry.of(this, tu, rep, zone, h, ids.incrementAndGet(), t, registry.generation);
        e.hashReply = hash(rep, Zone.idFor(zone, Direction.REPLY));
        if (settings.get(CoreSettings.ACCT) != 0) {
            e.ext().acct = new long[4];
        }
        if (settings.get(CoreSettings.TIMESTAMP) != 0) {
            e.ext().tstamp = true;
        }
        ExpectEntry exp = expects.count() > 0 ? expects.find(tu, Zone.id(zone), now) : null;
        if (exp != null) {
            e.setStatus(Status.EXPECTED);
            e.ext().master = exp.master();
            Helper assign = exp.assignHelper();
            if (assign != null) {
                e.setHelper(assign, assign.newData(e));
                e.setStatus(Status.HELPER);
            }
            e.setMark(exp.master().mark());
            stats.inc(EngineStats.I_EXPECT_NEW);
            if (exp.expectFn() != null) {
                exp.expectFn().accept(e, exp);
            }
        }
        return e;
    }

    /**
     * {@code early_drop}: kills the unassured connections of the first of {@link #EVICTION_RANGE} buckets (runs of
     * {@link #EVICTION_SLOTS} slots from the home slot of {@code h}) that has any, each found by its original tuple.
     */
    private boolean earlyDrop(int h, long now) {
        ConnTable.Tables t = table.tables;
        int home = h & t.mask;
        for (int b = 0; b < EVICTION_RANGE; b++) {
            int drops = 0;
            for (int k = 0; k < EVICTION_SLOTS; k++) {
                int i = (home + b * EVICTION_SLOTS + k) & t.mask;
                int v = t.tag(i);
                ConnEntry e = ConnTable.live(v) && ConnTable.dir(v) == Direction.ORIGINAL ? t.ref(i) : null;
                if (e == null) {
                    continue;
                }
                if (e.timeout() - now <= 0) {
                    gcExpired(e, now);
                    continue;
                }
                if (e.hasStatus(Status.ASSURED | Status.DYING)) {
                    continue;
                }
                if (kill(e)) {
                    drops++;
                }
            }
            if (drops > 0) {
                stats.add(EngineStats.I_EARLY_DROP, drops);
                return true;
            }
        }
        return false;
    }

    /** {@code nf_ct_gc_expired}: destroys a confirmed connection whose time is up at {@code now}. */
    void gcExpired(ConnEntry e, long now) {
        if (e.isConfirmed() && !e.isDying() && e.timeout() - now <= 0) {
            kill(e);
        }
    }

    // ---- nf_confirm ---------------------------------------------------------------------------------------

    @Override
    public int confirm(Packet p) {
        Rcu.Slot s = registry.rcu.enter();
        try {
            p.net = this;
            int v = confirmHook(p);
            if (v == Verdict.DROP && p.ct != null && !p.ct.isConfirmed()) {
                unconfirmedDone((ConnEntry) p.ct);
            }
            return v;
        } finally {
            registry.rcu.exit(s);
        }
    }

    @Override
    public void inConfirm(Packet[] pkts, int off, int n, int[] verdicts) {
        Objects.checkFromIndexSize(off, n, pkts.length);
        Objects.checkFromIndexSize(off, n, verdicts.length);
        Rcu.Slot s = registry.rcu.enter();
        try {
            Registry.Dispatch d = registry.dispatch;
            long now = clock.jiffies();
            // each packet's steps are written in the loop, not in a method of their own: such a method, hotter than
            // the loop, was compiled on its own first and then called for every packet, being too big to inline
            for (int i = off, end = off + n; i < end; i++) {
                Packet p = pkts[i];
                p.net = this;
                int v = conntrackIn(p, d, now);
                if (v == Verdict.ACCEPT) {
                    v = confirmHook(p);
                }
                if (v == Verdict.DROP && p.ct != null && !p.ct.isConfirmed()) {
                    unconfirmedDone((ConnEntry) p.ct);
                }
                verdicts[i] = v;
            }
        } finally {
            registry.rcu.exit(s);
        }
    }

    int confirmHook(Packet p) {
        ConnEntry ct = (ConnEntry) p.ct;
        if (ct == null) {
            return Verdict.ACCEPT;
        }
        int st = ct.status();
        if (ct.extOrNull() == null && (st & Status.SEQ_ADJUST) == 0) {
            // no helper (it lives in the extension) and no sequence adjustment: the common case, kept small; a
            // connection confirmed before and alive has only its cached events left, decided by this one status read
            if ((st & (Status.CONFIRMED | Status.DYING)) == Status.CONFIRMED) {
                deliverEvents(ct);
                return Verdict.ACCEPT;
            }
            return doConfirm(p, ct);
        }
        return confirmHelped(p, ct);
    }

    /** {@link #confirmHook} for a connection that may have a helper or sequence adjustment. */
    private int confirmHelped(Packet p, ConnEntry ct) {
        Helper helper = ct.helper();
        if (helper != null && !ct.isConfirmed() && ct.generation() != registry.generation) {
            // Linux's nf_ct_ext_find finds nothing in a stale unconfirmed connection: a departed helper is not
            // called, and confirmNew refuses the connection
            helper = null;
        }
        boolean seqadj = ct.hasStatus(Status.SEQ_ADJUST);
        if ((helper == null && !seqadj) || p.ctinfo == CtInfo.RELATED_REPLY) {
            return doConfirm(p, ct);
        }
        int protoff;
        if (ct.family() == Family.IPV4) {
            protoff = (p.u8(0) & 0x0f) << 2;
        } else {
            int l4 = L3.ipv6L4(p, 40, p.u8(6));
            if (l4 < 0) {
                return doConfirm(p, ct);
            }
            protoff = l4 & 0xffff;
        }
        if (helper != null) {
            int ret = helper.help(this, p, protoff, ct, p.ctinfo);
            if (ret != Verdict.ACCEPT) {
                return ret;
            }
        }
        if (seqadj && !ct.tracker.seqAdjust(this, ct, p, protoff, p.ctinfo)) {
            stats.inc(EngineStats.I_DROP);
            return Verdict.DROP;
        }
        return doConfirm(p, ct);
    }

    private int doConfirm(Packet p, ConnEntry ct) {
        ConnEntry c = ct;
        if (!c.isConfirmed()) {
            int ret = confirmNew(p, c);
            if (ret != Verdict.ACCEPT) {
                return ret;
            }
            c = (ConnEntry) p.ct;
        }
        if (c != null) {
            deliverCached(c);
        }
        return Verdict.ACCEPT;
    }

    /** {@code __nf_conntrack_confirm}: inserts a new connection into the table, or resolves a clash. */
    private int confirmNew(Packet p, ConnEntry ct) {
        if (CtInfo.direction(p.ctinfo) != Direction.ORIGINAL) {
            return Verdict.ACCEPT;
        }
        ConnEntry clash;
        table.ensureRoom();
        int s1 = ConnTable.stripe(ct.hashOrig);
        int s2 = ConnTable.stripe(ct.hashReply);
        synchronized (table.lock(Math.min(s1, s2))) {
            synchronized (table.lock(Math.max(s1, s2))) {
                if (ct.isDying()) {
                    stats.inc(EngineStats.I_INSERT_FAILED);
                    return Verdict.DROP;
                }
                if (ct.generation() != registry.generation) {
                    // nf_ct_ext_valid_pre: a plug-in it may hold left after it was created (Registry.generation)
                    stats.inc(EngineStats.I_INSERT_FAILED);
                    return Verdict.DROP;
                }
                ConnTable.Tables t = table.tables;
                clash = clashIn(t, ct, true);
                if (clash == null) {
                    clash = clashIn(t, ct, false);
                }
                if (clash == null) {
                    linkConfirmed(t, ct);
                }
            }
        }
        if (clash != null) {
            return resolveClash(p, ct, clash);
        }
        if (ct.helper() != null) {
            cacheEvent(ct, CtEvent.HELPER);
        }
        cacheEvent(ct, ct.master() != null ? CtEvent.RELATED : CtEvent.NEW);
        return Verdict.ACCEPT;
    }

    /**
     * Confirms a connection and links it into the table: its timeout, relative until now, starts; so does its
     * timestamp. Called with both of its stripes locked, no clash found.
     */
    private void linkConfirmed(ConnTable.Tables t, ConnEntry ct) {
        ct.setTimeout(ct.timeout() + clock.jiffies());
        ConnEntry.Ext x = ct.extOrNull();
        if (x != null && x.tstamp) {
            x.tstampStart = clock.wallNanos();
        }
        ct.setStatus(Status.CONFIRMED);
        table.link(t, ct);
        count.incrementAndGet();
    }

    /**
     * Looks for an entry whose original or reply tuple equals {@code ct}'s original (or reply) tuple: a connection
     * inserted meanwhile with the same flow, or NAT having picked a taken reply tuple. An entry matching by its
     * original tuple wins over one matching by its reply tuple. (Linux also refuses an insertion into a chain longer
     * than 8-63 entries, {@code chaintoolong}; probes of this table stay short at any size, as the table grows
     * before it is three quarters full, so that counter stays 0.)
     */
    private ConnEntry clashIn(ConnTable.Tables t, ConnEntry ct, boolean orig) {
        int h = orig ? ct.hashOrig : ct.hashReply;
        int dir = orig ? Direction.ORIGINAL : Direction.REPLY;
        // nf_ct_key_equal: an entry's zone is compared in the direction of the entry found (of both connections)
        int mo = ct.metaFor(Direction.ORIGINAL);
        int mr = ct.metaFor(Direction.REPLY);
        long sHi = ct.srcHi(dir);
        long sLo = ct.srcLo(dir);
        long dHi = ct.dstHi(dir);
        long dLo = ct.dstLo(dir);
        int ports = ct.srcPort(dir) << 16 | ct.dstPort(dir);
        ConnEntry byReply = null;
        for (int i = h & t.mask, n = 0; n <= t.mask; i = (i + 1) & t.mask, n++) {
            int v = t.tag(i);
            if (v == ConnTable.EMPTY) {
                break;
            }
            ConnEntry e = ConnTable.matches(v, h) ? t.ref(i) : null;
            if (e == null) {
                continue;
            }
            if (ConnTable.dir(v) == Direction.ORIGINAL) {
                if (e.origMatches(mo, sHi, sLo, dHi, dLo, ports)) {
                    return e;
                }
            } else if (byReply == null && e.replyMatches(mr, sHi, sLo, dHi, dLo, ports)) {
                byReply = e;
            }
        }
        return byReply;
    }

    /**
     * {@code nf_ct_resolve_clash}: for trackers that allow it, a packet that lost the race to an identical
     * connection continues with the winner; otherwise it is dropped. (Linux's further "clash harder" step,
     * inserting the loser with a different NAT reply, is not done.)
     */
    private int resolveClash(Packet p, ConnEntry loser, ConnEntry winner) {
        if (loser.tracker.allowClash() && !winner.isDying()
            && (winner.status() & Status.NAT_DONE_MASK) == (loser.status() & Status.NAT_DONE_MASK)
            && winner.sameOrig(loser) && winner.sameReply(loser)) {
            p.ct = winner;
            p.ctinfo = winner.hasStatus(Status.SEEN_REPLY) ? CtInfo.ESTABLISHED : CtInfo.NEW;
            stats.inc(EngineStats.I_CLASH_RESOLVE);
            // the loser is freed as Linux frees it: out of NAT's by-source table, its tracker and expectations told
            unconfirmedDone(loser);
            return Verdict.ACCEPT;
        }
        stats.inc(EngineStats.I_INSERT_FAILED);
        return Verdict.DROP;
    }

    // ---- timeouts, kill, events ------------------------------------------------------------------------------

    @Override
    public void refresh(Connection c, long extraJiffies) {
        ConnEntry ct = (ConnEntry) c;
        int st = ct.status();
        if ((st & Status.FIXED_TIMEOUT) != 0) {
            return;
        }
        long t = (st & Status.CONFIRMED) != 0 ? extraJiffies + clock.jiffies() : extraJiffies;
        // __nf_ct_refresh_acct writes only a changed timeout: packets of one flow within a tick leave the entry's
        // cache line clean, so other cores reading it keep their copy
        if (ct.timeout() != t) {
            ct.setTimeout(t);
        }
    }

    @Override
    public void refresh(Connection c, Packet p, long extraJiffies) {
        account((ConnEntry) c, p);
        refresh(c, extraJiffies);
    }

    @Override
    public boolean kill(Connection c, Packet p) {
        account((ConnEntry) c, p);
        return kill(c);
    }

    /** {@code nf_ct_acct_update}: one packet of {@code p}'s length in the direction of its ctinfo. */
    private static void account(ConnEntry ct, Packet p) {
        long[] acct = ct.acct();
        if (acct != null) {
            int dir = CtInfo.direction(p.ctinfo);
            synchronized (acct) {
                acct[dir * 2]++;
                acct[dir * 2 + 1] += p.length();
            }
        }
    }

    @Override
    public boolean kill(Connection c) {
        ConnEntry ct = (ConnEntry) c;
        if (!ct.testAndSetClear(Status.DYING)) {
            return false;
        }
        ConnEntry.Ext x = ct.extOrNull();
        if (x != null && x.tstamp) {
            x.tstampStop = clock.wallNanos();
        }
        if (eventsOn()) {
            events.deliver(new ConntrackEvent(ConntrackEvent.DESTROY, 1 << CtEvent.DESTROY, clock.wallNanos(),
                snapshot(ct, clock.jiffies(), SNAP_DESTROY)));
        }
        Helper h = ct.helper();
        if (h != null) {
            try {
                h.destroy(ct);
            } catch (RuntimeException e) {
                registry.log.warn("helper destroy failed", e);
            }
        }
        if (ct.isConfirmed()) {
            int s1 = ConnTable.stripe(ct.hashOrig);
            int s2 = ConnTable.stripe(ct.hashReply);
            synchronized (table.lock(Math.min(s1, s2))) {
                synchronized (table.lock(Math.max(s1, s2))) {
                    table.unlink(table.tables, ct);
                }
            }
            count.decrementAndGet();
        }
        if (ct.extOrNull() != null) {
            expects.removeForMaster(ct);
        }
        try {
            ct.tracker.destroy(ct);
        } catch (RuntimeException e) {
            registry.log.warn("tracker destroy failed", e);
        }
        natDone(ct);
        return true;
    }

    /**
     * A connection that was never confirmed dies with its first packet, or lost a clash: NAT and its tracker are
     * told and its expectations go, as Linux's {@code nf_ct_destroy} does for every connection freed (GRE's drops its
     * master's key map entries then). One that was killed meanwhile was told by the kill.
     */
    private void unconfirmedDone(ConnEntry ct) {
        natDone(ct);
        if (ct.extOrNull() != null) {
            // a helper may have expected related connections on its first packet (TFTP, SIP), as nf_ct_destroy knows
            expects.removeForMaster(ct);
        }
        if (!ct.isDying()) {
            try {
                ct.tracker.destroy(ct);
            } catch (RuntimeException e) {
                registry.log.warn("tracker destroy failed", e);
            }
        }
    }

    /**
     * Tells NAT that a connection with a source binding is dead ({@code remove_nat_bysrc}). NAT's table of sources
     * must not keep it: a dead connection still refers to its tracker, its tracker's state and its helper, and
     * would keep their bundles loaded after they left. Called with no table stripe or expectation lock held; the
     * registry's monitor may be (a departing tracker's connections): NAT's own locks come after both.
     */
    private void natDone(ConnEntry ct) {
        if (!ct.hasStatus(Status.SRC_NAT_DONE)) {
            return;
        }
        Nat nat = extension(Nat.class);
        if (nat != null) {
            try {
                nat.connectionDone(ct);
            } catch (RuntimeException e) {
                registry.log.warn("NAT connectionDone failed", e);
            }
        }
    }

    boolean eventsOn() {
        return events.active() && settings.get(CoreSettings.EVENTS) != 0;
    }

    @Override
    public void cacheEvent(Connection ct, int event) {
        if (eventsOn()) {
            ((ConnEntry) ct).cacheEventBits(1 << event);
        }
    }

    /** {@code nf_ct_deliver_cached_events}. */
    private void deliverCached(ConnEntry ct) {
        if ((ct.status() & (Status.CONFIRMED | Status.DYING)) == Status.CONFIRMED) {
            deliverEvents(ct);
        }
    }

    /** {@link #deliverCached} once the connection is known to be confirmed and alive. */
    private void deliverEvents(ConnEntry ct) {
        int bits = ct.takeEvents();
        if (bits == 0 || !events.active()) {
            return;
        }
        int type = (bits & (1 << CtEvent.NEW | 1 << CtEvent.RELATED)) != 0 ? ConntrackEvent.NEW : ConntrackEvent.UPDATE;
        events.deliver(new ConntrackEvent(type, bits, clock.wallNanos(), snapshot(ct, clock.jiffies(), SNAP_EVENT)));
    }

    /** Delivers an event now, as {@code nf_conntrack_event} does (used when a helper is detached). */
    void eventNow(ConnEntry ct, int event) {
        if (eventsOn() && ct.isConfirmed()) {
            events.deliver(new ConntrackEvent(ConntrackEvent.UPDATE, 1 << event, clock.wallNanos(),
                snapshot(ct, clock.jiffies(), SNAP_EVENT)));
        }
    }

    void expectEvent(int type, ExpectEntry e) {
        if (eventsOn()) {
            events.deliver(new ExpectationEvent(type, clock.wallNanos(), expectSnapshot(e, clock.jiffies())));
        }
    }

    /** What a snapshot is for: a {@code conntrack -L} line, a NEW or UPDATE event, a DESTROY event. */
    static final int SNAP_LIST = 0;
    static final int SNAP_EVENT = 1;
    static final int SNAP_DESTROY = 2;

    /**
     * A snapshot as ctnetlink fills it for {@code kind}: counters and the start/stop times go into the table and
     * into DESTROY events only.
     */
    ConnectionSnapshot snapshot(ConnEntry e, long now, int kind) {
        Tuple o = e.tuple(Direction.ORIGINAL, new Tuple());
        Tuple r = e.tuple(Direction.REPLY, new Tuple());
        StringBuilder sb = new StringBuilder(32);
        e.tracker.formatTuple(sb, o);
        String ol4 = sb.toString();
        sb.setLength(0);
        e.tracker.formatTuple(sb, r);
        String rl4 = sb.toString();
        long left = e.expires(now) / hz;
        long timeout = kind == SNAP_DESTROY && left == 0 ? -1 : left;
        Helper h = e.helper();
        long[] acct = null;
        long delta = -1;
        ConnEntry.Ext x = e.extOrNull();
        if (x != null && kind != SNAP_EVENT) {
            long[] counters = x.acct;
            if (counters != null) {
                synchronized (counters) {
                    acct = counters.clone();
                }
            }
            if (x.tstamp) {
                // conntrack prints whole seconds of the stop (or of now) less whole seconds of the start
                long stop = x.tstampStop != 0 ? x.tstampStop : clock.wallNanos();
                delta = Math.floorDiv(stop, 1_000_000_000L) - Math.floorDiv(x.tstampStart, 1_000_000_000L);
            }
        }
        List<ExpectEntry> exps = e.exps();
        int use = 1 + (exps == null ? 0 : exps.size());
        ConnectionSnapshot s = new ConnectionSnapshot(o, r, ol4, rl4, IpProto.ctName(e.protocol()), e.status(), timeout,
            e.tracker.stateName(e), h == null ? null : h.name(), e.mark(), e.zone(), e.id, use, acct, delta,
            e.zoneDir(), e.labelsLo(), e.labelsHi());
        return delta < 0 ? s : s.withTimestamps(x.tstampStart, x.tstampStop);
    }

    ExpectationSnapshot expectSnapshot(ExpectEntry x, long now) {
        Tuple t = x.tuple;
        ConnEntry m = x.master();
        L4Tracker tr = registry.tracker(t.family, t.proto);
        StringBuilder sb = new StringBuilder(32);
        tr.formatTuple(sb, t);
        String tl4 = sb.toString();
        Tuple mask = new Tuple();
        mask.family = t.family;
        mask.proto = t.proto;
        mask.srcHi = x.maskSrcHi();
        mask.srcLo = x.maskSrcLo();
        mask.dstHi = t.family == Family.IPV4 ? 0 : -1L;
        mask.dstLo = t.family == Family.IPV4 ? 0xffffffffL : -1L;
        mask.srcPort = x.maskSrcPort();
        mask.dstPort = 0xffff;
        sb.setLength(0);
        tr.formatTuple(sb, mask);
        String ml4 = sb.toString();
        Tuple mt = m.tuple(Direction.ORIGINAL, new Tuple());
        sb.setLength(0);
        m.tracker.formatTuple(sb, mt);
        long left = Math.max(x.deadline() - now, 0) / hz;
        Helper h = x.helper();
        return new ExpectationSnapshot(left, t, tl4, mask, ml4, mt, sb.toString(), x.expectClass(),
            h == null ? null : h.name(), x.flags(), m.zone(), x.id());
    }

    // ---- lookups and tuples -----------------------------------------------------------------------------------

    @Override
    public Connection find(Tuple tu, int zone) {
        // nf_conntrack_find_get: the bucket of the original direction's zone, then, for a zone of one direction,
        // that of the reply direction's (as track does)
        int mo = meta(tu, Zone.idFor(zone, Direction.ORIGINAL));
        int mr = meta(tu, Zone.idFor(zone, Direction.REPLY));
        int h = table.hash(mo, tu.srcHi, tu.srcLo, tu.dstHi, tu.dstLo, tu.srcPort << 16 | tu.dstPort);
        long now = clock.jiffies();
        ConnEntry e = find(mo, mr, tu, h, now, false);
        if (e == null && mr != mo) {
            int h2 = table.hash(mr, tu.srcHi, tu.srcLo, tu.dstHi, tu.dstLo, tu.srcPort << 16 | tu.dstPort);
            e = find(mo, mr, tu, h2, now, false);
        }
        return e;
    }

    @Override
    public boolean tupleTaken(Tuple reply, Connection ignored) {
        // nf_conntrack_tuple_taken: the tuple may be neither another connection's reply nor its original, in the
        // zone of the connection being bound; a connection of the very same flow (same original tuple, inserted
        // meanwhile by another thread) does not count: the clash is resolved at confirmation.
        // The bucket is that of the reply direction's zone; an entry found there compares the zone ids of its own
        // direction, so the reply tuples of connections whose zone is for the original direction only all meet in
        // zone 0.
        ConnEntry self = (ConnEntry) ignored;
        int mo = meta(reply, self == null ? 0 : self.zoneId(Direction.ORIGINAL));
        int mr = meta(reply, self == null ? 0 : self.zoneId(Direction.REPLY));
        int h = table.hash(mr, reply.srcHi, reply.srcLo, reply.dstHi, reply.dstLo, reply.srcPort << 16 | reply.dstPort);
        ConnEntry e = find(mo, mr, reply, h, clock.jiffies(), true);
        if (e == null || e == self) {
            return false;
        }
        if (self != null && e.sameOrig(self)) {
            return false;
        }
        stats.inc(EngineStats.I_FOUND);
        return true;
    }

    @Override
    public boolean tupleFromHeader(Packet p, int nhoff, int family, Tuple out) {
        int l4 = L3.l4(p, nhoff, family);
        if (l4 < 0) {
            return false;
        }
        out.clear();
        out.proto = l4 >>> 16;
        L3.addresses(p, nhoff, family, out);
        return tracker(family, out.proto).pktToTuple(p, l4 & 0xffff, out);
    }

    @Override
    public boolean invertTuple(Tuple inverse, Tuple orig) {
        inverse.invertL3(orig);
        return tracker(orig.family, orig.proto).invertTuple(inverse, orig);
    }

    @Override
    public L4Tracker tracker(int family, int proto) {
        return registry.tracker(family, proto);
    }

    @Override
    public void logInvalid(Packet p, int proto, String reason) {
        p.reason = reason;
        p.logProto = proto;
        long li = settings.get(CoreSettings.LOG_INVALID);
        p.logReason = li != 0 && (li == proto || li == IpProto.RAW) ? reason : null;
    }

    @Override
    public void alterReply(Connection c, Tuple newReply) {
        ConnEntry ct = (ConnEntry) c;
        if (ct.isConfirmed()) {
            throw new IllegalStateException("reply tuple of a confirmed connection cannot change");
        }
        ct.setReply(newReply);
        ct.hashReply = hash(newReply, ct.zoneId(Direction.REPLY));
    }

    @Override
    public SeqAdjImpl seqAdjInit(Connection c) {
        ConnEntry ct = (ConnEntry) c;
        ConnEntry.Ext ext = ct.ext();
        SeqAdjImpl s = ext.seqAdj;
        if (s == null) {
            synchronized (ct) {
                s = ext.seqAdj;
                if (s == null) {
                    s = new SeqAdjImpl();
                    ext.seqAdj = s;
                }
            }
        }
        return s;
    }

    @Override
    public void seqAdjSet(Connection ct, int ctinfo, int seq, int off) {
        if (off == 0) {
            return;
        }
        SeqAdjImpl s = seqAdjInit(ct);
        ct.setStatus(Status.SEQ_ADJUST);
        s.set(CtInfo.direction(ctinfo), seq, off);
    }

    // ---- timeout policies and labels -------------------------------------------------------------------------

    @Override
    public long timeout(Connection c, SettingKey state) {
        ConnEntry.Ext x = ((ConnEntry) c).extOrNull();
        if (x != null) {
            TimeoutPolicy policy = x.timeoutPolicy;
            if (policy != null) {
                long s = policy.seconds(state);
                if (s >= 0) {
                    return s * hz;
                }
            }
        }
        return settings.get(state) * hz;
    }

    @Override
    public boolean setTimeoutPolicy(Connection c, TimeoutPolicy policy) {
        ConnEntry ct = (ConnEntry) c;
        if (ct.isConfirmed()) {
            return false;
        }
        ct.ext().timeoutPolicy = policy;
        return true;
    }

    @Override
    public int clearTimeoutPolicy(TimeoutPolicy policy) {
        int[] n = {0};
        table.forEach(e -> {
            ConnEntry.Ext x = e.extOrNull();
            if (x != null && x.timeoutPolicy == policy) {
                x.timeoutPolicy = null;
                n[0]++;
            }
        });
        return n[0];
    }

    @Override
    public void setClosing(Connection c) {
        ConnEntry ct = (ConnEntry) c;
        if (ct != null && ct.isConfirmed()) {
            ct.tracker.setClosing(this, ct);
        }
    }

    @Override
    public boolean replaceLabels(Connection c, long bitsLo, long bitsHi, long maskLo, long maskHi) {
        ConnEntry ct = (ConnEntry) c;
        if (!ct.replaceLabels(bitsLo, bitsHi, maskLo, maskHi)) {
            return false;
        }
        cacheEvent(ct, CtEvent.LABEL);
        return true;
    }

    // ---- helpers and expectations -----------------------------------------------------------------------------

    @Override
    public Helper helper(String helperName, int family, int proto) {
        return registry.helper(helperName, family, proto);
    }

    @Override
    public boolean assignHelper(Connection c, Helper helper) {
        ConnEntry ct = (ConnEntry) c;
        if (ct.isConfirmed() || ct.hasStatus(Status.HELPER) || helper.protocol() != ct.protocol()) {
            return false;
        }
        ct.setHelper(helper, helper.newData(ct));
        // Linux's nf_ct_helper_ext_add marks the connection as explicitly helped.
        ct.setStatus(Status.HELPER);
        return true;
    }

    @Override
    public int expectRelated(ExpectationRequest req) {
        if (!(req.master() instanceof ConnEntry) || ((ConnEntry) req.master()).net != this) {
            throw new IllegalArgumentException("expectation of another engine's connection");
        }
        return expects.insert(req, (ConnEntry) req.master(), settings.get(CoreSettings.EXPECT_MAX), clock.jiffies(), hz);
    }

    @Override
    public int expecting(Connection master, int cls) {
        return expects.expecting((ConnEntry) master, cls);
    }

    @Override
    public boolean unexpectRelated(ExpectationRequest req) {
        return expects.unexpect(req);
    }

    @Override
    public List<Expectation> expectations(Connection master) {
        if (!(master instanceof ConnEntry) || ((ConnEntry) master).net != this) {
            return List.of();
        }
        return List.copyOf(expects.ofMaster((ConnEntry) master));
    }

    @Override
    public Expectation findExpectation(Tuple tuple, int zone) {
        return expects.count() == 0 ? null : expects.lookup(tuple, zone, clock.jiffies());
    }

    @Override
    public boolean refreshExpectation(Expectation exp, long extraJiffies, int clearFlags) {
        if (!(exp instanceof ExpectEntry) || ((ExpectEntry) exp).master().net != this) {
            return false;
        }
        long now = clock.jiffies();
        return expects.refresh((ExpectEntry) exp, now + extraJiffies, clearFlags, now);
    }

    @Override
    public List<ExpectationSnapshot> expectations() {
        long now = clock.jiffies();
        List<ExpectationSnapshot> out = new ArrayList<>();
        for (ExpectEntry e : expects.all()) {
            out.add(expectSnapshot(e, now));
        }
        return out;
    }

    /** Destroys the expectations of a departed helper, and those that assign it. */
    void unexpect(Helper h) {
        expects.removeIf(e -> e.helper() == h || e.assignHelper() == h);
    }

    /**
     * Detaches a departed helper from the connections in the table (with a HELPER event); then, once its last
     * packets are done, destroys the expectations it inserted for them meanwhile.
     */
    void unhelp(Helper h) {
        table.forEach(e -> {
            if (e.helper() == h) {
                eventNow(e, CtEvent.HELPER);
                detachHelper(e, h);
            }
        });
        registry.rcu.synchronize();
        unexpect(h);
        releaseDeadMasters(null, h);
    }

    /**
     * A dead connection stays reachable as the master of a related one that lives on, as in Linux. Linux's
     * connection holds no code of a module; ours holds its tracker, tracker state and helper, which would keep a
     * departed bundle's classes loaded: the dead masters of live connections let go of them, as do the connections
     * a departing tracker's kill destroys (the generic tracker stands in; no packet reaches a dead connection's
     * tracker any more).
     */
    private static void forgetTracker(ConnEntry dead, L4Tracker tracker) {
        if (tracker != null && dead.tracker == tracker) {
            dead.tracker = GenericTrackerImpl.INSTANCE;
            dead.setProtoState(null);
        }
    }

    private void releaseDeadMasters(L4Tracker tracker, Helper helper) {
        table.forEach(e -> {
            for (Connection c = e.master(); c != null; c = c.master()) {
                ConnEntry m = (ConnEntry) c;
                if (!m.isDying()) {
                    continue;
                }
                forgetTracker(m, tracker);
                if (helper != null && m.helper() == helper) {
                    m.setHelper(null, null);
                }
            }
        });
    }

    /** Tells the helper it is detached from a live connection, then detaches it. */
    private void detachHelper(ConnEntry e, Helper h) {
        try {
            h.destroy(e);
        } catch (RuntimeException ex) {
            registry.log.warn("helper destroy failed", ex);
        }
        e.setHelper(null, null);
    }

    /** Destroys the connections of one protocol created by {@code tracker} (Linux's kill_l4proto). */
    void killTracked(int family, int proto, L4Tracker tracker) {
        List<ConnEntry> killed = new ArrayList<>();
        for (ConnEntry e : entries(x -> x.family() == family && x.protocol() == proto)) {
            if (e.tracker == tracker) {
                kill(e);
                killed.add(e);
            }
        }
        // a packet that found one of them before the kill may still be in the tracker with it
        registry.rcu.synchronize();
        for (ConnEntry e : killed) {
            forgetTracker(e, tracker);
        }
        releaseDeadMasters(tracker, null);
    }

    // ---- extensions ------------------------------------------------------------------------------------------

    @Override
    public <T> T extension(Class<T> type) {
        return type.cast(extensions.get(type));
    }

    @Override
    public <T> Registration provideExtension(Class<T> type, T impl) {
        if (extensions.putIfAbsent(type, impl) != null) {
            throw new IllegalStateException("engine " + name + " already has a " + type.getSimpleName());
        }
        return () -> {
            if (extensions.remove(type, impl)) {
                registry.newGeneration();
            }
        };
    }

    // ---- table administration ---------------------------------------------------------------------------------

    @Override
    public int count() {
        return count.get();
    }

    private List<ConnEntry> entries(Predicate<? super ConnEntry> filter) {
        List<ConnEntry> out = new ArrayList<>();
        table.forEach(e -> {
            if (!e.isDying() && (filter == null || filter.test(e))) {
                out.add(e);
            }
        });
        return out;
    }

    @Override
    public List<ConnectionSnapshot> list(Predicate<? super Connection> filter) {
        long now = clock.jiffies();
        List<ConnectionSnapshot> out = new ArrayList<>();
        for (ConnEntry e : entries(filter)) {
            if (e.timeout() - now > 0) {
                out.add(snapshot(e, now, SNAP_LIST));
            }
        }
        return out;
    }

    @Override
    public ConnectionSnapshot get(Tuple tuple, int zone) {
        Connection c = find(tuple, zone);
        return c == null ? null : snapshot((ConnEntry) c, clock.jiffies(), SNAP_LIST);
    }

    @Override
    public List<Connection> connections(Predicate<? super Connection> filter) {
        return Collections.unmodifiableList(new ArrayList<>(entries(filter)));
    }

    @Override
    public ConnectionSnapshot snapshot(Connection ct) {
        return snapshot((ConnEntry) ct, clock.jiffies(), SNAP_LIST);
    }

    @Override
    public int delete(Predicate<? super Connection> filter) {
        int n = 0;
        for (ConnEntry e : entries(filter)) {
            if (kill(e)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public int delete(int zone, Predicate<? super Connection> filter) {
        if (zone < 0 || zone > 0xffff) {
            return 0;
        }
        List<ConnEntry> inZone = new ArrayList<>();
        table.zoneEntries(zone, inZone);
        int n = 0;
        for (ConnEntry e : inZone) {
            if (!e.isDying() && (filter == null || filter.test(e)) && kill(e)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public int create(NewConnection c) {
        Tuple o = c.original();
        Tuple r = c.reply();
        if (o.family != Family.IPV4 && o.family != Family.IPV6 || o.proto < 0 || o.proto > 255
            || r != null && (r.family != o.family || r.proto != o.proto)
            || (c.status() & Status.EXPECTED) != 0) {
            return NewConnection.INVALID;
        }
        o.dir = Direction.ORIGINAL;
        int zone = c.zone() & ~Zone.TEMPLATE;
        Rcu.Slot slot = registry.rcu.enter();
        try {
            L4Tracker t = registry.tracker(o.family, o.proto);
            if (r == null) {
                r = new Tuple();
                r.invertL3(o);
                if (!t.invertTuple(r, o)) {
                    return NewConnection.INVALID;
                }
            }
            r.dir = Direction.REPLY;
            // ctnetlink_new_conntrack looks the original tuple up first: EEXIST, nothing counted
            if (find(o, zone) != null) {
                return NewConnection.EXISTS;
            }
            long now = clock.jiffies();
            int h = hash(o, Zone.idFor(zone, Direction.ORIGINAL));
            long max = settings.get(CoreSettings.MAX);
            if (max > 0 && count.get() + 1 > max && !earlyDrop(h, now)) {
                collector.requestEarlyDrop();
                return NewConnection.TABLE_FULL;
            }
            ConnEntry e = ConnEntry.of(this, o, r, zone, h, ids.incrementAndGet(), t, registry.generation);
            e.hashReply = hash(r, Zone.idFor(zone, Direction.REPLY));
            if (settings.get(CoreSettings.ACCT) != 0) {
                e.ext().acct = new long[4];
            }
            boolean tstamp = settings.get(CoreSettings.TIMESTAMP) != 0;
            if (tstamp) {
                e.ext().tstamp = true;
            }
            // ctnetlink_create_conntrack's order: helper, NAT, status, sequence adjustment, tracker state, mark,
            // labels, master
            int result = createExtras(c, e, o.family, o.proto, zone);
            if (result == NewConnection.CREATED && c.protoInfo() != null && !t.setProtoInfo(this, e, c.protoInfo())) {
                result = NewConnection.INVALID;
            }
            if (result == NewConnection.CREATED) {
                if (c.hasSeqAdj()) {
                    SeqAdjImpl s = seqAdjInit(e);
                    for (int d = Direction.ORIGINAL; d <= Direction.REPLY; d++) {
                        int[] v = c.seqAdj(d);
                        s.restore(d, v[0], v[1], v[2]);
                    }
                    e.setStatus(Status.SEQ_ADJUST);
                }
                // the bits userspace may set (ctnetlink_change_status on a new entry), then the rest
                e.setStatus(c.status() & ~Status.UNCHANGEABLE_MASK);
                e.setMark(c.mark());
            }
            boolean labelled = (c.labelsLo() | c.labelsHi()) != 0;
            if (labelled) {
                e.replaceLabels(c.labelsLo(), c.labelsHi(), -1L, -1L);
            }
            Tuple mt = c.master();
            if (result == NewConnection.CREATED && mt != null) {
                mt.dir = Direction.ORIGINAL;
                Connection m = mt.family == o.family ? find(mt, zone) : null;
                if (m == null) {
                    result = NewConnection.NOT_FOUND;
                } else {
                    e.setStatus(Status.EXPECTED);
                    e.ext().master = m;
                }
            }
            e.setTimeout(Math.min(c.timeoutSeconds() * hz, Integer.MAX_VALUE));
            if (result == NewConnection.CREATED) {
                result = insertCreated(e);
            }
            if (result != NewConnection.CREATED) {
                unconfirmedDone(e);
                return result;
            }
            if (eventsOn()) {
                int bits = 1 << CtEvent.NEW | 1 << CtEvent.REPLY | 1 << CtEvent.ASSURED | 1 << CtEvent.HELPER
                    | 1 << CtEvent.PROTOINFO | 1 << CtEvent.SEQADJ | 1 << CtEvent.MARK | 1 << CtEvent.SYNPROXY
                    | (labelled ? 1 << CtEvent.LABEL : 0);
                events.deliver(new ConntrackEvent(ConntrackEvent.NEW, bits, clock.wallNanos(),
                    snapshot(e, clock.jiffies(), SNAP_EVENT)));
            }
            return NewConnection.CREATED;
        } finally {
            registry.rcu.exit(slot);
        }
    }

    /**
     * The parts of a {@link #create} a state synchronisation's commit adds: the helper by name, then NAT's bindings,
     * destination first, each missing one a null binding ({@code ctnetlink_setup_nat}), made by the engine's NAT
     * extension while the connection is not confirmed. Returns CREATED, NOT_FOUND (no such helper) or INVALID (NAT
     * could not bind).
     */
    private int createExtras(NewConnection c, ConnEntry e, int family, int proto, int zone) {
        String helperName = c.helper();
        if (helperName != null) {
            Helper h = registry.helper(helperName, family, proto);
            if (h == null || !assignHelper(e, h)) {
                return NewConnection.NOT_FOUND;
            }
        }
        Nat nat = c.hasNat(NatManip.SRC) || c.hasNat(NatManip.DST) ? extension(Nat.class) : null;
        if (nat == null) {
            return NewConnection.CREATED;
        }
        Tuple reply = new Tuple();
        for (int manip : new int[] {NatManip.DST, NatManip.SRC}) {
            NatRange range;
            if (c.hasNat(manip)) {
                int port = c.natPort(manip);
                range = new NatRange(NatRange.MAP_IPS | (port >= 0 ? NatRange.PROTO_SPECIFIED : 0), family,
                    c.natHi(manip), c.natLo(manip), c.natHi(manip), c.natLo(manip), Math.max(port, 0),
                    Math.max(port, 0));
            } else {
                // __nf_nat_alloc_null_binding: this side stays what the reply tuple says
                e.tuple(Direction.REPLY, reply);
                long hi = manip == NatManip.SRC ? reply.dstHi : reply.srcHi;
                long lo = manip == NatManip.SRC ? reply.dstLo : reply.srcLo;
                range = new NatRange(NatRange.MAP_IPS, family, hi, lo, hi, lo, 0, 0);
            }
            if (nat.setup(null, e, range, manip, null) != Verdict.ACCEPT) {
                return NewConnection.INVALID;
            }
        }
        return NewConnection.CREATED;
    }

    /**
     * {@code nf_conntrack_hash_check_insert}: links a connection made by {@link #create}, unless its original or
     * reply tuple is taken (EEXIST: another connection's reply, or a race with a packet or another creation), or a
     * plug-in it holds left since it was made (no chaintoolong: {@link #clashIn}).
     */
    private int insertCreated(ConnEntry ct) {
        table.ensureRoom();
        int s1 = ConnTable.stripe(ct.hashOrig);
        int s2 = ConnTable.stripe(ct.hashReply);
        synchronized (table.lock(Math.min(s1, s2))) {
            synchronized (table.lock(Math.max(s1, s2))) {
                if (ct.generation() != registry.generation) {
                    return NewConnection.INVALID;
                }
                ConnTable.Tables t = table.tables;
                ConnEntry clash = clashIn(t, ct, true);
                if (clash == null) {
                    clash = clashIn(t, ct, false);
                }
                if (clash != null) {
                    // not counted: Linux 6.18 counted neither this nor the lookup's refusal (conntrack -S)
                    return NewConnection.EXISTS;
                }
                linkConfirmed(t, ct);
                stats.inc(EngineStats.I_INSERT);
            }
        }
        return NewConnection.CREATED;
    }

    @Override
    public int flush() {
        return delete(null);
    }

    @Override
    public int update(Connection c, ConnectionUpdate u) {
        ConnEntry ct = (ConnEntry) c;
        if (ct.net != this || !ct.isConfirmed() || ct.isDying()) {
            return ConnectionUpdate.GONE;
        }
        if (u.status() != 0) {
            // ctnetlink_change_status: EXPECTED, CONFIRMED and DYING are the engine's; the update only sets bits
            // (SEEN_REPLY and ASSURED cannot be taken back) and never the ones userspace may not touch.
            int st = ct.status();
            int wanted = st | u.status();
            if (((wanted ^ st) & (Status.EXPECTED | Status.CONFIRMED | Status.DYING)) != 0) {
                return ConnectionUpdate.REFUSED;
            }
        }
        if (u.removesHelper()) {
            // ctnetlink_change_helper with an empty name, first of the changes: never for a sibling connection
            if (ct.master() != null) {
                return ConnectionUpdate.REFUSED;
            }
            Helper h = ct.helper();
            if (h != null) {
                expects.removeForMaster(ct);
                detachHelper(ct, h);
            }
        }
        if (u.timeoutSeconds() >= 0 && !ct.hasStatus(Status.FIXED_TIMEOUT)) {
            ct.setTimeout(clock.jiffies() + Math.min(u.timeoutSeconds() * hz, Integer.MAX_VALUE));
        }
        if (u.status() != 0) {
            ct.setStatus(u.status() & ~Status.UNCHANGEABLE_MASK);
        }
        if (u.hasLabels()) {
            long[] l = u.labels();
            ct.replaceLabels(l[0], l[1], l[2], l[3]);
        }
        if (u.hasMark()) {
            int m = ct.mark();
            int nm = (m & ~u.markMask()) ^ u.mark();
            if (nm != m) {
                ct.setMark(nm);
            }
        }
        if (ct.isDying()) {
            return ConnectionUpdate.GONE;
        }
        if (eventsOn()) {
            int bits = 1 << CtEvent.REPLY | 1 << CtEvent.ASSURED | 1 << CtEvent.HELPER | 1 << CtEvent.LABEL
                | 1 << CtEvent.PROTOINFO | 1 << CtEvent.SEQADJ | 1 << CtEvent.MARK | 1 << CtEvent.SYNPROXY;
            events.deliver(new ConntrackEvent(ConntrackEvent.UPDATE, bits, clock.wallNanos(),
                snapshot(ct, clock.jiffies(), SNAP_EVENT)));
        }
        return ConnectionUpdate.DONE;
    }

    @Override
    public int deleteExpectations(Predicate<? super Expectation> filter) {
        return expects.removeIf(filter);
    }

    /**
     * The expiry work due now ({@link Collector}: every slice of every run that is due, each as of its scheduled
     * time), and the incomplete datagrams whose reassembly timeout has passed (their timers in Linux). Holds no
     * lock across the walk; returns at once if another thread is running the scan.
     */
    @Override
    public void expire() {
        long now = clock.jiffies();
        defrag.expire(now);
        collector.run(now, Integer.MAX_VALUE);
    }

    /** One slice of the expiry work due now; true if more is due (the live expiry thread calls again at once). */
    boolean expireSlice() {
        long now = clock.jiffies();
        defrag.expire(now);
        return collector.run(now, 1);
    }

    // ---- events --------------------------------------------------------------------------------------------------

    @Override
    public Registration addListener(ConntrackListener listener, boolean sync) {
        return events.add(listener, sync ? 0 : EventSink.QUEUE_CAPACITY);
    }

    @Override
    public Registration addListener(ConntrackListener listener, int capacity) {
        return events.add(listener, Math.max(1, capacity));
    }

    // ---- lifecycle -----------------------------------------------------------------------------------------------

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Listeners first: what extensions destroy while detaching is dropped silently, as documented.
        events.close();
        registry.engineClosed(this);
        for (Registration r : coreHooks) {
            r.close();
        }
        synchronized (defragLock) {
            if (defragHooks != null) {
                defragHooks.forEach(Registration::close);
                defragHooks = null;
                defragUsers = 0;
            }
        }
    }

    @Override
    public String toString() {
        return "Engine[" + name + ", " + count.get() + " connections]";
    }
}
