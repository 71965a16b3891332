package org.conntrack4j.nat;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.nat.NatRange;

/**
 * The connections with a source binding, by original source ({@code nf_nat_bysource}): lets a client's next
 * connection reuse the mapping of its earlier ones ({@code find_appropriate_src}), so that a server sees one
 * client behind one address and port.
 *
 * <p>Linux unlinks an entry when the connection is freed. Here the engine tells NAT when it destroys a connection
 * or drops its first packet ({@link #remove}, from {@code Nat.connectionDone}): a dead entry would keep the
 * connection, its tracker and its helper reachable, and their bundles loaded after they left. Entries nobody
 * reports (a first packet that the caller of {@code Conntrack.in} drops itself) are dropped lazily: a destroyed
 * (DYING) connection, or one that stayed unconfirmed for more than a second, is unlinked when an insertion next
 * walks its chain; every insertion also walks one more chain in turn, so such entries never outlive one round of
 * insertions over the table.
 *
 * <p>Concurrency: chain heads and {@link NatBinding#next} are guarded by lock stripes (the chain's index modulo
 * {@link #STRIPES}); lookups take the stripe too (they happen for new connections only). Locks: the core's lock
 * order ({@code org.conntrack4j.core.impl}).
 */
final class BySource {
    static final int STRIPES = 256;

    private final NatBinding[] heads;
    private final int mask;
    private final Object[] locks = new Object[STRIPES];
    private final long k1;
    private final long k2;
    private final long k3;
    private final AtomicInteger sweep = new AtomicInteger();

    BySource(int size, long seed) {
        // as many chains as conntrack has buckets (nf_nat_htable_size), as a power of two: a cap here made every
        // NAT insertion walk chains of 16 connections at a million (each a cache miss)
        int n = Integer.highestOneBit(Math.max(STRIPES, Math.min(size, 1 << 26)) - 1) << 1;
        heads = new NatBinding[n];
        mask = n - 1;
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
        SplittableRandom r = new SplittableRandom(seed);
        k1 = r.nextLong() | 1;
        k2 = r.nextLong() | 1;
        k3 = r.nextLong() | 1;
    }

    /** {@code hash_by_src}: original source address, source "u" field, protocol and zone. */
    long hash(int proto, long srcHi, long srcLo, int srcPort, int zone) {
        long h = srcLo * k1 ^ srcHi * k2 ^ ((long) zone << 24 | (long) proto << 16 | srcPort) * k3;
        h ^= h >>> 31;
        h *= k1;
        return h ^ h >>> 29;
    }

    /** Links a connection that just got its source binding (newest first, as {@code hlist_add_head}). */
    void add(NatBinding b, long now, int hz) {
        Connection ct = b.ct;
        int proto = ct.protocol();
        long srcHi = ct.srcHi(Direction.ORIGINAL);
        long srcLo = ct.srcLo(Direction.ORIGINAL);
        int srcPort = ct.srcPort(Direction.ORIGINAL);
        int i = (int) (hash(proto, srcHi, srcLo, srcPort, ct.zone()) & mask);
        synchronized (locks[i & (STRIPES - 1)]) {
            if (b.linked) {
                return;
            }
            prune(i, now, hz);
            b.srcProto = proto;
            b.srcHi = srcHi;
            b.srcLo = srcLo;
            b.srcPort = srcPort;
            b.linkedAt = now;
            b.linked = true;
            b.next = heads[i];
            heads[i] = b;
        }
        int j = sweep.getAndIncrement() & mask;
        synchronized (locks[j & (STRIPES - 1)]) {
            prune(j, now, hz);
        }
    }

    /** Unlinks the connection of {@code b} if it is linked ({@code nf_nat_cleanup_conntrack}). */
    void remove(NatBinding b) {
        Connection ct = b.ct;
        int i = (int) (hash(ct.protocol(), ct.srcHi(Direction.ORIGINAL), ct.srcLo(Direction.ORIGINAL),
            ct.srcPort(Direction.ORIGINAL), ct.zone()) & mask);
        synchronized (locks[i & (STRIPES - 1)]) {
            if (!b.linked) {
                return;
            }
            NatBinding prev = null;
            for (NatBinding x = heads[i]; x != null; x = x.next) {
                if (x == b) {
                    if (prev == null) {
                        heads[i] = b.next;
                    } else {
                        prev.next = b.next;
                    }
                    b.linked = false;
                    b.next = null;
                    return;
                }
                prev = x;
            }
        }
    }

    /**
     * {@code find_appropriate_src}: the mapping an earlier connection from the same source ({@code orig}'s
     * protocol, source address and "u" field, in {@code zone}) got, if it lies in {@code range}. Fills
     * {@code result} with that source and {@code orig}'s destination and returns true, or returns false.
     */
    boolean findMapping(Conntrack net, Tuple orig, int zone, NatRange range, Tuple result, Tuple scratch) {
        long h = hash(orig.proto, orig.srcHi, orig.srcLo, orig.srcPort, zone);
        int i = (int) (h & mask);
        synchronized (locks[i & (STRIPES - 1)]) {
            for (NatBinding b = heads[i]; b != null; b = b.next) {
                if (b.srcLo != orig.srcLo || b.srcPort != orig.srcPort || b.srcProto != orig.proto
                    || b.srcHi != orig.srcHi) {
                    continue;
                }
                Connection ct = b.ct;
                // Dead entries wait for the next insertion here; unconfirmed ones belong to packets in flight.
                if (ct.family() != orig.family || ct.zone() != zone || !ct.isConfirmed() || ct.isDying()) {
                    continue;
                }
                ct.tuple(Direction.REPLY, scratch);
                if (!net.services().invertTuple(result, scratch)) {
                    continue;
                }
                result.dstHi = orig.dstHi;
                result.dstLo = orig.dstLo;
                result.dstPort = orig.dstPort;
                result.dir = orig.dir;
                if (TupleSearch.inRange(result, range)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Unlinks the dead entries of chain {@code i}; the caller holds its stripe. */
    private void prune(int i, long now, int hz) {
        NatBinding prev = null;
        for (NatBinding b = heads[i]; b != null; b = b.next) {
            Connection ct = b.ct;
            boolean dead = ct.isDying() || !ct.isConfirmed() && now - b.linkedAt > hz;
            if (!dead) {
                prev = b;
                continue;
            }
            b.linked = false;
            if (prev == null) {
                heads[i] = b.next;
            } else {
                prev.next = b.next;
            }
        }
    }

    /** Number of linked entries (tests and listings); walks the whole table. */
    int size() {
        int n = 0;
        for (int i = 0; i < heads.length; i++) {
            synchronized (locks[i & (STRIPES - 1)]) {
                for (NatBinding b = heads[i]; b != null; b = b.next) {
                    n++;
                }
            }
        }
        return n;
    }
}
