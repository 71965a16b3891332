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
 * stripes of both tuples' buckets (their order: the package documentation). A resize replaces {@link #tables}; a
 * reader that misses checks whether the tables changed meanwhile and restarts (Linux's {@code search_restart}).
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

    /** Links a new entry into both tables. Caller holds the stripes of both hashes. */
    void link(Tables t, ConnEntry e) {
        int io = e.hashOrig & t.mask;
        e.nextOrig = t.orig(io);
        t.setOrig(io, e);
        int ir = e.hashReply & t.mask;
        e.nextReply = t.reply(ir);
        t.setReply(ir, e);
    }

    /** Unlinks an entry from both tables. Caller holds the stripes of both hashes. */
    void unlink(Tables t, ConnEntry e) {
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
