package org.conntrack4j.core.impl;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ExpectPolicy;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.spi.Helper;

/**
 * One engine's expectations ({@code nf_conntrack_expect.c}): hashed by the expected destination, and listed
 * per master (newest first) for the per-master limits.
 *
 * <p>Every method runs under this table's monitor (Linux's {@code nf_conntrack_expect_lock}); lock order:
 * a connection's monitor may be held when calling in, never the other way round. Events are handed to
 * the engine while the lock is held, so they leave in the order the changes happened.
 */
final class ExpectTable {
    private static final int BUCKETS = 1024;

    private final Engine net;
    @SuppressWarnings("unchecked")
    private final List<Expectation>[] buckets = new List[BUCKETS];
    /** Written under the monitor, read without it: a new connection checks it before taking the lock, as Linux does. */
    private volatile int count;
    private int nextId = 1;

    ExpectTable(Engine net) {
        this.net = net;
    }

    int count() {
        return count;
    }

    private static int bucket(Tuple t) {
        long h = t.dstLo * 0x9E3779B97F4A7C15L ^ t.dstHi * 0xC2B2AE3D27D4EB4FL ^ ((long) t.dstPort << 8 | t.proto) * 31;
        return (int) (h ^ h >>> 31) & (BUCKETS - 1);
    }

    private boolean expired(Expectation e, long now) {
        return e.deadline() - now <= 0;
    }

    /**
     * The expectation a new connection's original tuple matches ({@code nf_ct_find_expectation}); unlinks it
     * unless permanent. Expired entries met on the way are removed.
     */
    synchronized Expectation find(Tuple t, int zone, long now) {
        if (count == 0) {
            return null;
        }
        List<Expectation> b = buckets[bucket(t)];
        if (b == null) {
            return null;
        }
        Expectation found = null;
        for (Iterator<Expectation> it = b.iterator(); it.hasNext(); ) {
            Expectation e = it.next();
            if (expired(e, now)) {
                it.remove();
                unlinkRest(e);
                continue;
            }
            if ((e.flags() & Expectation.FLAG_INACTIVE) == 0 && e.matches(t) && e.master().zone() == zone) {
                found = e;
                break;
            }
        }
        if (found == null) {
            return null;
        }
        // The master must be in the table: the peer cannot know of an expectation whose announcement never
        // left; and it must not be on its way out.
        if (!found.master().isConfirmed() || found.master().isDying()) {
            return null;
        }
        if ((found.flags() & Expectation.FLAG_PERMANENT) == 0) {
            unlink(found);
        }
        return found;
    }

    /** {@code nf_ct_expect_related}: 0, or the negative codes documented on Conntrack#expectRelated. */
    synchronized int insert(Expectation exp, long expectMax, long now, int hz) {
        ConnEntry master = (ConnEntry) exp.master();
        Helper helper = master.helper();
        if (helper == null) {
            return -4;
        }
        List<Expectation> b = buckets[bucket(exp.tuple())];
        if (b != null) {
            for (Iterator<Expectation> it = new ArrayList<>(b).iterator(); it.hasNext(); ) {
                Expectation i = it.next();
                if (expired(i, now)) {
                    unlink(i);
                    continue;
                }
                if (i.master() == exp.master() && sameExpect(i, exp)) {
                    if (i.expectClass() != exp.expectClass()) {
                        return -1;
                    }
                    unlink(i);
                    break;
                } else if (clash(i, exp)) {
                    return -2;
                }
            }
        }
        List<ExpectPolicy> policies = helper.expectPolicies();
        ExpectPolicy p = exp.expectClass() < policies.size() ? policies.get(exp.expectClass()) : null;
        if (p != null && p.maxExpected() > 0 && expecting(master, exp.expectClass()) >= p.maxExpected()) {
            evictOldest(master, exp.expectClass(), now, p);
        }
        if (count >= expectMax) {
            return -3;
        }
        exp.setDeadline(now + (p == null ? 0 : (long) p.timeoutSeconds() * hz));
        exp.setId(nextId++);
        master.expsForInsert().add(0, exp);
        List<Expectation> bl = buckets[bucket(exp.tuple())];
        if (bl == null) {
            bl = new ArrayList<>(2);
            buckets[bucket(exp.tuple())] = bl;
        }
        bl.add(0, exp);
        count++;
        exp.setLive(true);
        net.stats.inc(EngineStats.I_EXPECT_CREATE);
        net.expectEvent(org.conntrack4j.core.api.CtEvent.EXP_NEW, exp);
        return 0;
    }

    private static int expecting(ConnEntry master, int cls) {
        int n = 0;
        if (master.exps() != null) {
            for (Expectation e : master.exps()) {
                if (e.expectClass() == cls) {
                    n++;
                }
            }
        }
        return n;
    }

    private void evictOldest(ConnEntry master, int cls, long now, ExpectPolicy p) {
        Expectation last = null;
        for (Expectation e : new ArrayList<>(master.exps())) {
            if (expired(e, now)) {
                unlink(e);
                continue;
            }
            if (e.expectClass() == cls) {
                last = e;
            }
        }
        if (last != null && expecting(master, cls) >= p.maxExpected()) {
            unlink(last);
        }
    }

    /** Same tuple and mask ({@code expect_matches}). */
    private static boolean sameExpect(Expectation a, Expectation b) {
        return a.tuple().sameAs(b.tuple()) && a.maskSrcHi() == b.maskSrcHi() && a.maskSrcLo() == b.maskSrcLo()
            && a.maskSrcPort() == b.maskSrcPort();
    }

    /** Could one connection match both ({@code expect_clash}: equal under the intersection of the masks)? */
    private static boolean clash(Expectation a, Expectation b) {
        Tuple x = a.tuple();
        Tuple y = b.tuple();
        long mHi = a.maskSrcHi() & b.maskSrcHi();
        long mLo = a.maskSrcLo() & b.maskSrcLo();
        int mPort = a.maskSrcPort() & b.maskSrcPort();
        return x.family == y.family && x.proto == y.proto && x.dstHi == y.dstHi && x.dstLo == y.dstLo
            && x.dstPort == y.dstPort && ((x.srcHi ^ y.srcHi) & mHi) == 0 && ((x.srcLo ^ y.srcLo) & mLo) == 0
            && ((x.srcPort ^ y.srcPort) & mPort) == 0;
    }

    /** Removes an expectation with a DESTROY event ({@code nf_ct_unlink_expect}). */
    synchronized void unlink(Expectation e) {
        if (!e.isLive()) {
            return;
        }
        List<Expectation> b = buckets[bucket(e.tuple())];
        if (b != null) {
            b.remove(e);
        }
        unlinkRest(e);
    }

    private void unlinkRest(Expectation e) {
        if (!e.isLive()) {
            return;
        }
        e.setLive(false);
        ConnEntry m = (ConnEntry) e.master();
        if (m.exps() != null) {
            m.exps().remove(e);
        }
        count--;
        net.expectEvent(org.conntrack4j.core.api.CtEvent.EXP_DESTROY, e);
        net.stats.inc(EngineStats.I_EXPECT_DELETE);
    }

    /** Removes every expectation of a master ({@code nf_ct_remove_expectations}). */
    synchronized void removeForMaster(Connection master) {
        ConnEntry m = (ConnEntry) master;
        if (m.exps() == null) {
            return;
        }
        for (Expectation e : new ArrayList<>(m.exps())) {
            unlink(e);
        }
    }

    /** Removes the expectations that pass {@code filter}; returns how many. */
    synchronized int removeIf(Predicate<Expectation> filter) {
        int n = 0;
        for (Expectation e : all()) {
            if (filter.test(e)) {
                unlink(e);
                n++;
            }
        }
        return n;
    }

    /** Removes expired expectations of a master ({@code nf_ct_expectation_gc}). */
    synchronized void gcMaster(ConnEntry m, long now) {
        if (m.exps() == null || m.exps().isEmpty()) {
            return;
        }
        for (Expectation e : new ArrayList<>(m.exps())) {
            if (expired(e, now)) {
                unlink(e);
            }
        }
    }

    /** Every live expectation, newest first per bucket. */
    synchronized List<Expectation> all() {
        List<Expectation> out = new ArrayList<>();
        for (List<Expectation> b : buckets) {
            if (b != null) {
                out.addAll(b);
            }
        }
        return out;
    }
}
