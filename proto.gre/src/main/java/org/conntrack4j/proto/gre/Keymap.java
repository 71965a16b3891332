package org.conntrack4j.proto.gre;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.proto.gre.keymap.GreKeymap;

/**
 * One engine's GRE key map. Linux keeps a list and walks it for every enhanced GRE packet; here the entries are
 * hashed by what a lookup compares (family, addresses, destination key), each bucket an array in the order the
 * entries were added, so that the first entry added wins among equal ones, as in the list.
 *
 * <p>Readers take no lock: they read the published bucket array, whose buckets are replaced whole (copy on
 * write). Writers hold this object's monitor, a leaf: nothing else is called while it is held.
 */
final class Keymap implements GreKeymap {
    /** A map entry ({@code struct nf_ct_gre_keymap}): the tuple of one direction of a master's call. */
    static final class Entry {
        final int family;
        final long srcHi;
        final long srcLo;
        final long dstHi;
        final long dstLo;
        final int srcKey;
        final int dstKey;
        /** Order of addition, kept through a resize. */
        final long seq;

        Entry(Tuple t, long seq) {
            this.family = t.family;
            this.srcHi = t.srcHi;
            this.srcLo = t.srcLo;
            this.dstHi = t.dstHi;
            this.dstLo = t.dstLo;
            this.srcKey = t.srcPort;
            this.dstKey = t.dstPort;
            this.seq = seq;
        }

        /** {@code gre_key_cmpfn}: family, addresses and destination key; never the source key. */
        boolean matches(Tuple t) {
            return srcLo == t.srcLo && dstLo == t.dstLo && dstKey == t.dstPort && srcHi == t.srcHi && dstHi == t.dstHi
                && family == t.family;
        }

        int hash() {
            return Keymap.hash(family, srcHi, srcLo, dstHi, dstLo, dstKey);
        }
    }

    /**
     * A master, compared by identity and held weakly: the entries of a master that died after its helper left stay
     * until purged (Linux keeps them until the namespace goes), and must not keep the dead connection, and what it
     * carries of other bundles (its tracker's state, NAT's binding), reachable meanwhile.
     */
    private static final class MasterRef extends WeakReference<Connection> {
        private final int hash;

        MasterRef(Connection master) {
            super(master);
            hash = System.identityHashCode(master);
        }

        boolean dead() {
            Connection c = get();
            return c == null || c.isDying();
        }

        @Override
        public boolean equals(Object o) {
            if (o == this) {
                return true;
            }
            Connection c = get();
            return o instanceof MasterRef && ((MasterRef) o).hash == hash && c != null && ((MasterRef) o).get() == c;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** The published buckets; a resize publishes new ones. */
    private static final class Table {
        final AtomicReferenceArray<Entry[]> buckets;
        final int mask;

        Table(int size) {
            buckets = new AtomicReferenceArray<>(size);
            mask = size - 1;
        }
    }

    private static final int MIN_BUCKETS = 16;

    private volatile Table table = new Table(MIN_BUCKETS);
    /** The entries of each master, by direction; guarded by this. */
    private final Map<MasterRef, Entry[]> byMaster = new HashMap<>();
    private int size;
    private long nextSeq;
    /** Masters above which the next addition first drops the entries of dead ones. */
    private int purgeAt = MIN_BUCKETS;

    static int hash(int family, long srcHi, long srcLo, long dstHi, long dstLo, int dstKey) {
        long h = srcLo * 0x9E3779B97F4A7C15L ^ dstLo * 0xC2B2AE3D27D4EB4FL ^ srcHi * 31 ^ dstHi * 37;
        h += (long) dstKey << 8 | family;
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ h >>> 32);
    }

    @Override
    public int sourceKey(Tuple t) {
        Table tab = table;
        Entry[] b = tab.buckets.get(hash(t.family, t.srcHi, t.srcLo, t.dstHi, t.dstLo, t.dstPort) & tab.mask);
        if (b != null) {
            for (Entry e : b) {
                if (e.matches(t)) {
                    return e.srcKey;
                }
            }
        }
        return 0;
    }

    @Override
    public synchronized int add(Connection master, int dir, Tuple t) {
        if (dir != 0 && dir != 1) {
            throw new IllegalArgumentException("direction " + dir);
        }
        if (master.isDying()) {
            // a kill marks its master dying before its helper destroys the master's entries under this monitor:
            // an entry added now would outlive the master (Linux drops it when the master's last reference goes)
            return ADDED;
        }
        MasterRef key = new MasterRef(master);
        Entry[] own = byMaster.get(key);
        if (own != null && own[dir] != null) {
            // only the same mapping again is fine: a call set up again (its reply sent twice)
            return own[dir].matches(t) ? KNOWN : TAKEN;
        }
        if (own == null) {
            if (byMaster.size() >= purgeAt) {
                purgeDead();
            }
            own = new Entry[2];
            byMaster.put(key, own);
        }
        Entry e = new Entry(t, nextSeq++);
        own[dir] = e;
        size++;
        if (size > 2 * (table.mask + 1)) {
            rebuild(Integer.highestOneBit(size) * 2);
        } else {
            link(table, e);
        }
        return ADDED;
    }

    @Override
    public synchronized void destroy(Connection master) {
        Entry[] own = byMaster.remove(new MasterRef(master));
        if (own != null) {
            unlinkAll(own);
        }
    }

    /** Forgets everything (the map leaves its engine). */
    synchronized void clear() {
        byMaster.clear();
        size = 0;
        table = new Table(MIN_BUCKETS);
    }

    /** Entries in the map (tests). */
    synchronized int size() {
        return size;
    }

    private void unlinkAll(Entry[] own) {
        for (Entry e : own) {
            if (e != null) {
                unlink(table, e);
                size--;
            }
        }
    }

    /**
     * Drops the entries of masters that died while their helper could not remove them (it had left), so that the
     * map never outgrows the live masters by much. Runs when the count of masters doubled since the last time.
     */
    private void purgeDead() {
        for (Iterator<Map.Entry<MasterRef, Entry[]>> it = byMaster.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<MasterRef, Entry[]> m = it.next();
            if (m.getKey().dead()) {
                Entry[] own = m.getValue();
                it.remove();
                unlinkAll(own);
            }
        }
        purgeAt = Math.max(MIN_BUCKETS, 2 * byMaster.size());
    }

    private static void link(Table tab, Entry e) {
        int i = e.hash() & tab.mask;
        Entry[] b = tab.buckets.get(i);
        Entry[] nb = b == null ? new Entry[1] : Arrays.copyOf(b, b.length + 1);
        nb[nb.length - 1] = e;
        tab.buckets.set(i, nb);
    }

    private static void unlink(Table tab, Entry e) {
        int i = e.hash() & tab.mask;
        Entry[] b = tab.buckets.get(i);
        if (b == null) {
            return;
        }
        for (int k = 0; k < b.length; k++) {
            if (b[k] == e) {
                if (b.length == 1) {
                    tab.buckets.set(i, null);
                } else {
                    Entry[] nb = new Entry[b.length - 1];
                    System.arraycopy(b, 0, nb, 0, k);
                    System.arraycopy(b, k + 1, nb, k, b.length - k - 1);
                    tab.buckets.set(i, nb);
                }
                return;
            }
        }
    }

    /** Rehashes every entry into {@code buckets} buckets, in the order they were added, and publishes them. */
    private void rebuild(int buckets) {
        List<Entry> all = new ArrayList<>(size);
        for (Entry[] own : byMaster.values()) {
            for (Entry e : own) {
                if (e != null) {
                    all.add(e);
                }
            }
        }
        all.sort(Comparator.comparingLong(e -> e.seq));
        Table tab = new Table(Math.max(MIN_BUCKETS, buckets));
        for (Entry e : all) {
            link(tab, e);
        }
        table = tab;
    }

    @Override
    public synchronized String toString() {
        return "GreKeymap[" + size + " entries of " + byMaster.size() + " masters]";
    }
}
