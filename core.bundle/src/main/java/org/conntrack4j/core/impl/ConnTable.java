package org.conntrack4j.core.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The confirmed connections, findable by either tuple: two chained hash tables of the same size, one keyed
 * by the original tuple (chained through {@code nextOrig}), one by the reply tuple ({@code nextReply}).
 * A lookup hashes the tuple once and probes the same bucket index in both.
 *
 * <p>Concurrency: readers walk chains without locks (chain heads and links are volatile; an entry being
 * unlinked keeps its own link, so a reader standing on it goes on correctly). Writers hold the bucket lock
 * stripes of both tuples' buckets (their order: the package documentation). A resize replaces {@link #tables}; a
 * reader that misses checks whether the tables changed meanwhile and restarts (Linux's {@code search_restart}).
 *
 * <p>Each zone id also keeps its confirmed connections in {@link #ZONE_LISTS} doubly linked lists (through
 * {@code zonePrev} and {@code zoneNext}; the list is picked by the top bits of the original hash), so that flushing a
 * zone costs what the zone holds, not what the table holds (OVS keeps a table per zone for the same reason). Each
 * list's own monitor guards its links; it is a leaf taken inside the bucket stripes (package documentation).
 * Several lists per zone, so that new connections of one zone from several threads seldom meet on one monitor.
 *
 * <p>Hashing mixes every tuple field with per-table random multipliers, so that collisions cannot be chosen
 * from outside (Linux uses siphash with a random key for the same reason).
 */
final class ConnTable {
    static final int STRIPES = 1024;
    private static final VarHandle ARR = MethodHandles.arrayElementVarHandle(ConnEntry[].class);

    /**
     * The bucket heads of both tables in one array, original at {@code 2i} and reply at {@code 2i + 1}: a lookup
     * that misses the original table finds the reply bucket in the same cache line. Replaced as a whole by a
     * resize.
     */
    static final class Tables {
        final ConnEntry[] heads;
        final int mask;

        Tables(int size) {
            heads = new ConnEntry[2 * size];
            mask = size - 1;
        }

        int size() {
            return mask + 1;
        }

        ConnEntry orig(int bucket) {
            return (ConnEntry) ARR.getAcquire(heads, bucket << 1);
        }

        ConnEntry reply(int bucket) {
            return (ConnEntry) ARR.getAcquire(heads, (bucket << 1) | 1);
        }

        void setOrig(int bucket, ConnEntry e) {
            ARR.setRelease(heads, bucket << 1, e);
        }

        void setReply(int bucket, ConnEntry e) {
            ARR.setRelease(heads, (bucket << 1) | 1, e);
        }
    }

    /** Lists per zone id; a power of two. */
    static final int ZONE_LISTS = 16;
    private static final VarHandle PAGE = MethodHandles.arrayElementVarHandle(ZoneList[][].class);
    private static final VarHandle LIST = MethodHandles.arrayElementVarHandle(ZoneList[].class);

    /** One of a zone's lists: its head, guarded by its own monitor (as are the links of its entries). */
    static final class ZoneList {
        ConnEntry head;
    }

    /**
     * The zone lists, made on first use: page {@code id >> 8} holds the lists of zone ids {@code id & ~0xff} and up,
     * {@link #ZONE_LISTS} per zone, so that an engine that uses one zone pays for 256 of them, not for 65536.
     */
    private final ZoneList[][] zonePages = new ZoneList[256][];

    private final Object[] locks = new Object[STRIPES];
    /**
     * Odd while a resize relinks entries (Linux's {@code nf_conntrack_generation} seqcount): a reader that
     * missed must not conclude "absent" while it is odd or after it changed, since relinked entries may have
     * been skipped.
     */
    private volatile int generation;
    private final long k1;
    private final long k2;
    private final long k3;
    private final long k4;
    private final long k5;
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
        tables = new Tables(sizeFor(buckets));
    }

    static int sizeFor(int buckets) {
        int n = Math.max(16, Math.min(buckets, 1 << 26));
        return Integer.highestOneBit(n - 1) << 1;
    }

    int hash(int meta, long sHi, long sLo, long dHi, long dLo, int ports) {
        long h = sLo * k1 ^ dLo * k2 ^ (sHi + dHi * 31) * k3 ^ ((long) ports << 32 | (meta & 0xffffffffL)) * k4;
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

    /** Links a new entry into both tables and its zone's list. Caller holds the stripes of both hashes. */
    void link(Tables t, ConnEntry e) {
        int io = e.hashOrig & t.mask;
        e.nextOrig = t.orig(io);
        t.setOrig(io, e);
        int ir = e.hashReply & t.mask;
        e.nextReply = t.reply(ir);
        t.setReply(ir, e);
        ZoneList l = zoneList(e.zone(), e.hashOrig >>> 28, true);
        synchronized (l) {
            ConnEntry h = l.head;
            e.zonePrev = null;
            e.zoneNext = h;
            if (h != null) {
                h.zonePrev = e;
            }
            l.head = e;
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
                for (ConnEntry e = l.head; e != null; e = e.zoneNext) {
                    out.add(e);
                }
            }
        }
    }

    /** Unlinks an entry from both tables and its zone's list. Caller holds the stripes of both hashes. */
    void unlink(Tables t, ConnEntry e) {
        ZoneList l = zoneList(e.zone(), e.hashOrig >>> 28, false);
        if (l != null) {
            synchronized (l) {
                ConnEntry prev = e.zonePrev;
                ConnEntry next = e.zoneNext;
                if (prev != null) {
                    prev.zoneNext = next;
                } else if (l.head == e) {
                    l.head = next;
                }
                if (next != null) {
                    next.zonePrev = prev;
                }
                e.zonePrev = null;
                e.zoneNext = null;
            }
        }
        int io = e.hashOrig & t.mask;
        ConnEntry p = t.orig(io);
        if (p == e) {
            t.setOrig(io, e.nextOrig);
        } else {
            while (p != null && p.nextOrig != e) {
                p = p.nextOrig;
            }
            if (p != null) {
                p.nextOrig = e.nextOrig;
            }
        }
        int ir = e.hashReply & t.mask;
        p = t.reply(ir);
        if (p == e) {
            t.setReply(ir, e.nextReply);
        } else {
            while (p != null && p.nextReply != e) {
                p = p.nextReply;
            }
            if (p != null) {
                p.nextReply = e.nextReply;
            }
        }
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

    /** Rebuilds the tables with a new size, holding every stripe. */
    void resize(int buckets) {
        lockAll(0, () -> {
            Tables old = tables;
            Tables t = new Tables(sizeFor(buckets));
            if (t.size() == old.size()) {
                return;
            }
            generation++;
            for (int i = 0; i < old.size(); i++) {
                ConnEntry e = old.orig(i);
                while (e != null) {
                    ConnEntry next = e.nextOrig;
                    int io = e.hashOrig & t.mask;
                    e.nextOrig = t.orig(io);
                    t.setOrig(io, e);
                    e = next;
                }
            }
            for (int i = 0; i < old.size(); i++) {
                ConnEntry e = old.reply(i);
                while (e != null) {
                    ConnEntry next = e.nextReply;
                    int ir = e.hashReply & t.mask;
                    e.nextReply = t.reply(ir);
                    t.setReply(ir, e);
                    e = next;
                }
            }
            tables = t;
            generation++;
        });
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

    /** Calls {@code c} for every entry (through the original table); weakly consistent. */
    void forEach(Consumer<ConnEntry> c) {
        Tables t = tables;
        for (int i = 0; i < t.size(); i++) {
            for (ConnEntry e = t.orig(i); e != null; e = e.nextOrig) {
                c.accept(e);
            }
        }
    }

    /** Calls {@code c} for the entries of buckets [from, to) of the original table; returns the table size. */
    int forRange(int from, int to, Consumer<ConnEntry> c) {
        Tables t = tables;
        int n = t.size();
        for (int i = from; i < Math.min(to, n); i++) {
            for (ConnEntry e = t.orig(i); e != null; e = e.nextOrig) {
                c.accept(e);
            }
        }
        return n;
    }
}
