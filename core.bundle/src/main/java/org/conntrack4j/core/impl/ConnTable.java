package org.conntrack4j.core.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The confirmed connections, findable by either tuple: one open-addressing table (linear probing) whose slots hold
 * both directions' tuples of every connection. A slot is a 16-bit tag in {@link Tables#tags} (empty, deleted, being
 * written, or a few bits of the tuple's hash with the direction) and the entry in {@link Tables#refs}; a lookup
 * scans the tags from the tuple's home slot to the first empty one and looks at an entry only where the tag
 * matches, so that a miss costs a cache line of tags instead of one cache miss per entry of a chain. Tuple hashes
 * do not depend on the direction, so a lookup finds the original and the reply direction in one probe sequence.
 *
 * <p>Concurrency: readers take no lock. Entries never move while the arrays are in use: a deletion leaves a
 * tombstone (reused by later insertions), and only a rebuild ({@link #resize}, {@link #ensureRoom}) places them
 * anew, into new arrays published through {@link #tables}; a reader that misses checks whether a rebuild ran
 * meanwhile and restarts (Linux's {@code search_restart}). Writers hold the bucket lock stripes of both tuples'
 * hashes (their order: the package documentation), so one key is never inserted twice; slots are claimed with a
 * compare-and-set, since neighbouring keys of other stripes probe through the same slots. A writer publishes the
 * entry before its tag, and a reader checks the whole tuple of every entry it looks at, so a slot reused between
 * its two reads can only yield an entry that really has the tuple.
 *
 * <p>Each zone id also keeps its confirmed connections in {@link #ZONE_LISTS} lists (the list is picked by the top
 * bits of the original hash), so that flushing a zone costs what the zone holds, not what the table holds (OVS keeps
 * a table per zone for the same reason). A list is a dense array, each entry knowing its index in it: removal moves
 * the last entry into the hole. Not links between entries: a kill would write into two neighbouring entries (old
 * ones, whose dirtied cards the collector's next young collection scans) and a flush would chase one pointer per
 * entry. Each list's own monitor guards it and the indexes; it is a leaf taken inside the bucket stripes (package
 * documentation). Several lists per zone, so that new connections of one zone from several threads seldom meet on
 * one monitor.
 *
 * <p>Hashing mixes every tuple field with per-table random multipliers, so that collisions cannot be chosen
 * from outside (Linux uses siphash with a random key for the same reason).
 */
final class ConnTable {
    static final int STRIPES = 1024;
    private static final VarHandle ARR = MethodHandles.arrayElementVarHandle(ConnEntry[].class);
    private static final VarHandle TAG = MethodHandles.arrayElementVarHandle(short[].class);

    /** A slot never used since the arrays were made: a probe ends here. */
    static final int EMPTY = 0;
    /** A slot whose entry was removed: probes go on past it, an insertion may reuse it. */
    static final int DELETED = 1;
    /** A slot claimed by an insertion that has not published its tag yet. */
    static final int CLAIMED = 2;
    /**
     * Set in every live tag, which also holds the direction in bit 0 and the hash's top 13 bits in its own top bits
     * (the home slot comes from the low bits: the tag tells apart entries of one probe sequence).
     */
    private static final int LIVE = 4;
    /** Slots per connection the table is sized for: the original and the reply tuple. */
    static final int SLOTS_PER_CONN = 2;

    /** The tag of a live slot holding the tuple of direction {@code dir} whose hash is {@code hash}. */
    static int tag(int hash, int dir) {
        return (short) (hash >>> 16 & ~7 | LIVE | dir);
    }

    /** Is {@code v} the tag of a live slot with hash {@code hash}, either direction? */
    static boolean matches(int v, int hash) {
        return (v | 1) == tag(hash, 1);
    }

    /** Is {@code v} the tag of a live slot (not empty, deleted or claimed)? Tags may be negative. */
    static boolean live(int v) {
        return (v & LIVE) != 0;
    }

    /** The direction of a live tag. */
    static int dir(int v) {
        return v & 1;
    }

    /**
     * The slots: tags and entries at the same index. Replaced as a whole by a rebuild; the arrays of a replaced
     * {@code Tables} are never written again.
     */
    static final class Tables {
        final short[] tags;
        final ConnEntry[] refs;
        final int mask;
        /** Slots not {@link #EMPTY}; a rebuild is due beyond {@link #limit}. */
        final AtomicInteger used = new AtomicInteger();
        final int limit;

        Tables(int slots) {
            tags = new short[slots];
            refs = new ConnEntry[slots];
            mask = slots - 1;
            limit = slots / 4 * 3;
        }

        int size() {
            return mask + 1;
        }

        int tag(int i) {
            return (short) TAG.getAcquire(tags, i);
        }

        ConnEntry ref(int i) {
            return (ConnEntry) ARR.getAcquire(refs, i);
        }

        /** Puts {@code e} in the first free slot of {@code hash}'s probe sequence. Caller holds the hash's stripe. */
        void claim(int hash, int dir, ConnEntry e) {
            for (int i = hash & mask, n = 0; n <= mask; i = (i + 1) & mask, n++) {
                int v = tag(i);
                while ((v == EMPTY || v == DELETED) && !TAG.compareAndSet(tags, i, (short) v, (short) CLAIMED)) {
                    v = tag(i);
                }
                if (v == EMPTY || v == DELETED) {
                    if (v == EMPTY) {
                        used.incrementAndGet();
                    }
                    ARR.setRelease(refs, i, e);
                    TAG.setRelease(tags, i, (short) ConnTable.tag(hash, dir));
                    return;
                }
            }
            // ensureRoom keeps a quarter of the slots empty; only a broken invariant gets here
            throw new IllegalStateException("connection table has no free slot");
        }

        /** The slot holding {@code e}'s tuple of direction {@code dir}, or -1. */
        int slotOf(ConnEntry e, int dir) {
            int hash = dir == 0 ? e.hashOrig : e.hashReply;
            int want = ConnTable.tag(hash, dir);
            for (int i = hash & mask, n = 0; n <= mask; i = (i + 1) & mask, n++) {
                int v = tag(i);
                if (v == EMPTY) {
                    return -1;
                }
                if (v == want && ref(i) == e) {
                    return i;
                }
            }
            return -1;
        }

        /** Leaves a tombstone where {@code e}'s tuple of direction {@code dir} was. Caller holds the stripe. */
        void remove(ConnEntry e, int dir) {
            int i = slotOf(e, dir);
            if (i >= 0) {
                TAG.setRelease(tags, i, (short) DELETED);
                ARR.setRelease(refs, i, null);
            }
        }
    }

    /** Lists per zone id; a power of two. */
    static final int ZONE_LISTS = 16;
    private static final VarHandle PAGE = MethodHandles.arrayElementVarHandle(ZoneList[][].class);
    private static final VarHandle LIST = MethodHandles.arrayElementVarHandle(ZoneList[].class);

    /**
     * One of a zone's lists: its entries in {@code items[0, size)}, each at its {@link ConnEntry#zoneSlot}; guarded by
     * its own monitor. The array grows by doubling and halves when a quarter full, so a flushed zone gives its memory
     * back.
     */
    static final class ZoneList {
        private static final int MIN = 16;
        ConnEntry[] items = new ConnEntry[MIN];
        int size;

        void add(ConnEntry e) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            items[size] = e;
            e.zoneSlot = size++;
        }

        void remove(ConnEntry e) {
            int i = e.zoneSlot;
            if (i < 0 || i >= size || items[i] != e) {
                return;
            }
            ConnEntry last = items[--size];
            items[i] = last;
            last.zoneSlot = i;
            items[size] = null;
            e.zoneSlot = -1;
            if (items.length > MIN && size < items.length / 4) {
                items = Arrays.copyOf(items, items.length / 2);
            }
        }
    }

    /**
     * The zone lists, made on first use: page {@code id >> 8} holds the lists of zone ids {@code id & ~0xff} and up,
     * {@link #ZONE_LISTS} per zone, so that an engine that uses one zone pays for 256 of them, not for 65536.
     */
    private final ZoneList[][] zonePages = new ZoneList[256][];

    private final Object[] locks = new Object[STRIPES];
    /**
     * Odd while a rebuild places entries anew (Linux's {@code nf_conntrack_generation} seqcount): a reader that
     * missed must not conclude "absent" while it is odd or after it changed, since it may have read arrays that a
     * rebuild replaced before an entry was inserted into the new ones.
     */
    private volatile int generation;
    private final long k1;
    private final long k2;
    private final long k3;
    private final long k4;
    private final long k5;
    /** The slots {@code nf_conntrack_buckets} asks for ({@link #SLOTS_PER_CONN} per bucket); written under every stripe. */
    private int minSlots;
    volatile Tables tables;

    ConnTable(int buckets, long seed) {
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
        SplittableRandom r = new SplittableRandom(seed);
        k1 = r.nextLong() | 1;
        k2 = r.nextLong() | 1;
        k3 = r.nextLong() | 1;
        k4 = r.nextLong() | 1;
        k5 = r.nextLong() | 1;
        minSlots = SLOTS_PER_CONN * sizeFor(buckets);
        tables = new Tables(minSlots);
    }

    static int sizeFor(int buckets) {
        int n = Math.max(16, Math.min(buckets, 1 << 26));
        return Integer.highestOneBit(n - 1) << 1;
    }

    int hash(int meta, long sHi, long sLo, long dHi, long dLo, int ports) {
        long h = sLo * k1 ^ dLo * k2 ^ ((long) ports << 32 | (meta & 0xffffffffL)) * k4;
        if ((sHi | dHi) != 0) {
            // IPv4 addresses have no high parts, whose term would be zero
            h ^= (sHi + dHi * 31) * k3;
        }
        h ^= h >>> 33;
        h *= k5;
        return (int) (h ^ h >>> 32);
    }

    /** The lock stripe of a hash. */
    static int stripe(int hash) {
        return hash & (STRIPES - 1);
    }

    Object lock(int stripe) {
        return locks[stripe];
    }

    /**
     * Puts a new entry's two tuples into the slots and the entry into its zone's list. Caller holds the stripes of
     * both hashes, and made room first ({@link #ensureRoom}).
     */
    void link(Tables t, ConnEntry e) {
        t.claim(e.hashOrig, 0, e);
        t.claim(e.hashReply, 1, e);
        ZoneList l = zoneList(e.zone(), e.hashOrig >>> 28, true);
        synchronized (l) {
            l.add(e);
        }
    }

    /** The list {@code k} of zone {@code zone}; made when {@code make}, else null when there is none yet. */
    private ZoneList zoneList(int zone, int k, boolean make) {
        ZoneList[] page = (ZoneList[]) PAGE.getAcquire(zonePages, zone >>> 8);
        if (page == null) {
            if (!make) {
                return null;
            }
            PAGE.compareAndSet(zonePages, zone >>> 8, null, new ZoneList[256 * ZONE_LISTS]);
            page = (ZoneList[]) PAGE.getAcquire(zonePages, zone >>> 8);
        }
        int i = (zone & 0xff) * ZONE_LISTS + k;
        ZoneList l = (ZoneList) LIST.getAcquire(page, i);
        if (l == null && make) {
            LIST.compareAndSet(page, i, null, new ZoneList());
            l = (ZoneList) LIST.getAcquire(page, i);
        }
        return l;
    }

    /** List {@code k} of zone {@code zone}, or null: for tests. */
    ZoneList zoneListForTest(int zone, int k) {
        return zoneList(zone, k, false);
    }

    /**
     * Adds the entries of zone id {@code zone} to {@code out}; a snapshot per list, weakly consistent as
     * {@link #forEach}. Costs what the zone holds: nothing for a zone that never had a connection.
     */
    void zoneEntries(int zone, List<ConnEntry> out) {
        ZoneList[] page = (ZoneList[]) PAGE.getAcquire(zonePages, zone >>> 8);
        if (page == null) {
            return;
        }
        for (int k = 0; k < ZONE_LISTS; k++) {
            ZoneList l = (ZoneList) LIST.getAcquire(page, (zone & 0xff) * ZONE_LISTS + k);
            if (l == null) {
                continue;
            }
            synchronized (l) {
                // newest first: a caller that removes them in this order takes each from the end of the array
                for (int i = l.size - 1; i >= 0; i--) {
                    out.add(l.items[i]);
                }
            }
        }
    }

    /** Removes an entry's two tuples from the slots and the entry from its zone's list. Caller holds both stripes. */
    void unlink(Tables t, ConnEntry e) {
        ZoneList l = zoneList(e.zone(), e.hashOrig >>> 28, false);
        if (l != null) {
            synchronized (l) {
                l.remove(e);
            }
        }
        t.remove(e, 0);
        t.remove(e, 1);
    }

    /** The resize generation before a lookup; pass it to {@link #missIsFinal}. */
    int generation() {
        int g;
        while (((g = generation) & 1) != 0) {
            Thread.onSpinWait();
        }
        return g;
    }

    /** After a miss: was no resize running since {@code gen} was read (so the miss can be trusted)? */
    boolean missIsFinal(int gen) {
        return generation == gen;
    }

    /**
     * Makes sure one more connection fits in the slots without crossing the rebuild limit: rebuilds (at a size that
     * leaves the live slots at most half of it, or at the configured size, whichever is more) when it would cross it.
     * Called with no stripe held.
     */
    void ensureRoom() {
        Tables t = tables;
        if (t.used.get() + SLOTS_PER_CONN > t.limit) {
            lockAll(0, () -> {
                if (tables.used.get() + SLOTS_PER_CONN > tables.limit) {
                    rebuild(minSlots);
                }
            });
        }
    }

    /** Sets the size {@code nf_conntrack_buckets} asks for, and rebuilds at it (or larger, for what is there). */
    void resize(int buckets) {
        lockAll(0, () -> {
            minSlots = SLOTS_PER_CONN * sizeFor(buckets);
            rebuild(minSlots);
        });
    }

    /** Places every entry anew into fresh arrays of at least {@code slots}. Caller holds every stripe. */
    private void rebuild(int slots) {
        Tables old = tables;
        int live = 0;
        for (int i = 0; i < old.size(); i++) {
            if (live(old.tags[i])) {
                live++;
            }
        }
        int n = slots;
        while (n < (1 << 30) && (live + SLOTS_PER_CONN) * 2 > n) {
            n <<= 1;
        }
        if (n == old.size() && old.used.get() == live) {
            return;
        }
        Tables t = new Tables(n);
        generation++;
        for (int i = 0; i < old.size(); i++) {
            int v = old.tags[i];
            ConnEntry e = old.refs[i];
            if (live(v) && e != null) {
                t.claim(dir(v) == 0 ? e.hashOrig : e.hashReply, dir(v), e);
            }
        }
        tables = t;
        generation++;
    }

    private void lockAll(int i, Runnable r) {
        if (i == STRIPES) {
            r.run();
            return;
        }
        synchronized (locks[i]) {
            lockAll(i + 1, r);
        }
    }

    /** Calls {@code c} for every entry (through its original tuple's slot); weakly consistent. */
    void forEach(Consumer<ConnEntry> c) {
        Tables t = tables;
        for (int i = 0; i < t.size(); i++) {
            visit(t, i, c);
        }
    }

    /**
     * Calls {@code c} for the entries whose original tuple is in the slots of buckets [from, to), a bucket being
     * {@link #SLOTS_PER_CONN} slots (so that the collector's slices keep their size); returns the buckets there are.
     */
    int forRange(int from, int to, Consumer<ConnEntry> c) {
        Tables t = tables;
        int n = t.size() / SLOTS_PER_CONN;
        for (int i = from * SLOTS_PER_CONN; i < Math.min(to, n) * SLOTS_PER_CONN; i++) {
            visit(t, i, c);
        }
        return n;
    }

    private static void visit(Tables t, int i, Consumer<ConnEntry> c) {
        int v = t.tag(i);
        if (live(v) && dir(v) == 0) {
            ConnEntry e = t.ref(i);
            if (e != null) {
                c.accept(e);
            }
        }
    }
}
