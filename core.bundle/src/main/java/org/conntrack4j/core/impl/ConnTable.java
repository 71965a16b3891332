package org.conntrack4j.core.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The confirmed connections, findable by either tuple: two chained hash tables of the same size, one keyed
 * by the original tuple (chained through {@code nextOrig}), one by the reply tuple ({@code nextReply}).
 * A lookup hashes the tuple once and probes the same bucket index in both.
 *
 * <p>Concurrency: readers walk chains without locks (chain heads and links are volatile; an entry being
 * unlinked keeps its own link, so a reader standing on it goes on correctly). Writers hold the bucket lock
 * stripes of both tuples' buckets, taken in ascending stripe order (lock order: stripe i before stripe j for
 * i &lt; j; a resize takes all stripes in ascending order). A resize replaces {@link #tables}; a reader that
 * misses checks whether the tables changed meanwhile and restarts (Linux's {@code search_restart}).
 *
 * <p>Hashing mixes every tuple field with per-table random multipliers, so that collisions cannot be chosen
 * from outside (Linux uses siphash with a random key for the same reason).
 */
final class ConnTable {
    static final int STRIPES = 1024;
    private static final VarHandle ARR = MethodHandles.arrayElementVarHandle(ConnEntry[].class);

    /** Both bucket arrays of one size; replaced as a whole by a resize. */
    static final class Tables {
        final ConnEntry[] orig;
        final ConnEntry[] reply;
        final int mask;

        Tables(int size) {
            orig = new ConnEntry[size];
            reply = new ConnEntry[size];
            mask = size - 1;
        }
    }

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

    long hash(int meta, long sHi, long sLo, long dHi, long dLo, int ports) {
        long h = sLo * k1 ^ dLo * k2 ^ (sHi + dHi * 31) * k3 ^ ((long) ports << 32 | (meta & 0xffffffffL)) * k4;
        h ^= h >>> 33;
        h *= k5;
        h ^= h >>> 29;
        return h;
    }

    /** The lock stripe of a hash. */
    static int stripe(long hash) {
        return (int) (hash & (STRIPES - 1));
    }

    Object lock(int stripe) {
        return locks[stripe];
    }

    static ConnEntry head(ConnEntry[] a, int i) {
        return (ConnEntry) ARR.getAcquire(a, i);
    }

    private static void setHead(ConnEntry[] a, int i, ConnEntry e) {
        ARR.setRelease(a, i, e);
    }

    /** Links a new entry into both tables. Caller holds the stripes of both hashes. */
    void link(Tables t, ConnEntry e) {
        int io = (int) (e.hashOrig & t.mask);
        e.nextOrig = head(t.orig, io);
        setHead(t.orig, io, e);
        int ir = (int) (e.hashReply & t.mask);
        e.nextReply = head(t.reply, ir);
        setHead(t.reply, ir, e);
    }

    /** Unlinks an entry from both tables. Caller holds the stripes of both hashes. */
    void unlink(Tables t, ConnEntry e) {
        int io = (int) (e.hashOrig & t.mask);
        ConnEntry p = head(t.orig, io);
        if (p == e) {
            setHead(t.orig, io, e.nextOrig);
        } else {
            while (p != null && p.nextOrig != e) {
                p = p.nextOrig;
            }
            if (p != null) {
                p.nextOrig = e.nextOrig;
            }
        }
        int ir = (int) (e.hashReply & t.mask);
        p = head(t.reply, ir);
        if (p == e) {
            setHead(t.reply, ir, e.nextReply);
        } else {
            while (p != null && p.nextReply != e) {
                p = p.nextReply;
            }
            if (p != null) {
                p.nextReply = e.nextReply;
            }
        }
    }

    /** Runs {@code r} holding the stripes of both hashes, in lock order. */
    void withLocks(long h1, long h2, Runnable r) {
        int s1 = (int) (h1 & (STRIPES - 1));
        int s2 = (int) (h2 & (STRIPES - 1));
        Object a = locks[Math.min(s1, s2)];
        Object b = locks[Math.max(s1, s2)];
        synchronized (a) {
            synchronized (b) {
                r.run();
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
            if (t.orig.length == old.orig.length) {
                return;
            }
            generation++;
            for (int i = 0; i < old.orig.length; i++) {
                ConnEntry e = head(old.orig, i);
                while (e != null) {
                    ConnEntry next = e.nextOrig;
                    int io = (int) (e.hashOrig & t.mask);
                    e.nextOrig = head(t.orig, io);
                    setHead(t.orig, io, e);
                    e = next;
                }
            }
            for (int i = 0; i < old.reply.length; i++) {
                ConnEntry e = head(old.reply, i);
                while (e != null) {
                    ConnEntry next = e.nextReply;
                    int ir = (int) (e.hashReply & t.mask);
                    e.nextReply = head(t.reply, ir);
                    setHead(t.reply, ir, e);
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
        for (int i = 0; i < t.orig.length; i++) {
            for (ConnEntry e = head(t.orig, i); e != null; e = e.nextOrig) {
                c.accept(e);
            }
        }
    }

    /** Calls {@code c} for the entries of buckets [from, to) of the original table; returns the table size. */
    int forRange(int from, int to, Consumer<ConnEntry> c) {
        Tables t = tables;
        int n = t.orig.length;
        for (int i = from; i < Math.min(to, n); i++) {
            for (ConnEntry e = head(t.orig, i); e != null; e = e.nextOrig) {
                c.accept(e);
            }
        }
        return n;
    }
}
