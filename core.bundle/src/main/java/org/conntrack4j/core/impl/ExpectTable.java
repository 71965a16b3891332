package org.conntrack4j.core.impl;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.ExpectPolicy;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.PluginServices;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.spi.Helper;

/**
 * One engine's expectations ({@code nf_conntrack_expect.c}): hashed by the expected destination, and listed per
 * master (newest first) for the per-master limits.
 *
 * <p>The table's monitor is Linux's {@code nf_conntrack_expect_lock}; its place in the lock order is in the
 * package documentation. Changes made under it are collected and their events delivered after it is released
 * ({@link Changes}), in the order the changes happened.
 */
final class ExpectTable {
    private static final int BUCKETS = 1024;

    private final Engine net;
    @SuppressWarnings("unchecked")
    private final List<ExpectEntry>[] buckets = new List[BUCKETS];
    /** Written under the monitor, read without it: a new connection checks it before taking the lock, as Linux does. */
    private volatile int count;
    private int nextId = 1;

    /** Expectations inserted and removed under the monitor, in order, for their events once it is released. */
    private static final class Changes {
        private List<ExpectEntry> entries;
        private List<Integer> types;

        void add(int type, ExpectEntry e) {
            if (entries == null) {
                entries = new ArrayList<>(2);
                types = new ArrayList<>(2);
            }
            entries.add(e);
            types.add(type);
        }

        void deliver(Engine net) {
            if (entries == null) {
                return;
            }
            for (int i = 0; i < entries.size(); i++) {
                int type = types.get(i);
                net.stats.inc(type == CtEvent.EXP_NEW ? EngineStats.I_EXPECT_CREATE : EngineStats.I_EXPECT_DELETE);
                net.expectEvent(type, entries.get(i));
            }
        }
    }

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

    private static boolean expired(Expectation e, long now) {
        return e.deadline() - now <= 0;
    }

    /**
     * The expectation a new connection's original tuple matches ({@code nf_ct_find_expectation}); unlinks it
     * unless permanent. Expired entries met on the way are removed.
     */
    ExpectEntry find(Tuple t, int zone, long now) {
        if (count == 0) {
            return null;
        }
        Changes changes = new Changes();
        ExpectEntry found = null;
        synchronized (this) {
            List<ExpectEntry> b = buckets[bucket(t)];
            if (b != null) {
                for (Iterator<ExpectEntry> it = b.iterator(); it.hasNext(); ) {
                    ExpectEntry e = it.next();
                    if (expired(e, now)) {
                        it.remove();
                        unlinkRest(e, changes);
                        continue;
                    }
                    if ((e.flags() & Expectation.FLAG_INACTIVE) == 0 && e.matches(t) && e.master().zone() == zone) {
                        found = e;
                        break;
                    }
                }
            }
            // The master must be in the table: the peer cannot know of an expectation whose announcement never
            // left; and it must not be on its way out.
            if (found != null && (!found.master().isConfirmed() || found.master().isDying())) {
                found = null;
            }
            if (found != null && (found.flags() & Expectation.FLAG_PERMANENT) == 0) {
                unlink(found, changes);
            }
        }
        changes.deliver(net);
        return found;
    }

    /** {@code nf_ct_expect_related}: 0, or the negative codes of {@link PluginServices#expectRelated}. */
    int insert(ExpectationRequest req, ConnEntry master, long expectMax, long now, int hz) {
        Helper helper = master.helper();
        ExpectPolicy p = null;
        long lifetime;
        if (helper != null) {
            // the helper's policy is read before the lock is taken: no plug-in code runs under it
            List<ExpectPolicy> policies = helper.expectPolicies();
            p = req.expectClass() < policies.size() ? policies.get(req.expectClass()) : null;
            lifetime = p == null ? 0 : (long) p.timeoutSeconds() * hz;
        } else if (req.timeoutSeconds() >= 0) {
            // a rule's expectation (nft_ct_expect_obj_eval): the master gets the extension that lists its
            // expectations now, before the lock, and the request's own lifetime applies
            master.ext();
            lifetime = req.timeoutSeconds() * hz;
        } else {
            return PluginServices.EXPECT_NO_HELPER;
        }
        Changes changes = new Changes();
        int ret = insertLocked(req, master, helper, p, expectMax, now, now + lifetime, changes);
        changes.deliver(net);
        return ret;
    }

    private synchronized int insertLocked(ExpectationRequest req, ConnEntry master, Helper helper, ExpectPolicy p,
        long expectMax, long now, long deadline, Changes changes) {
        // Linux inserts an expectation of a dying master and the master's last reference removes it again
        // (nf_ct_destroy). Here a kill marks the master dying, then removes the expectations its list holds; the
        // list exists before the bit is read, so either the kill finds this one in it or this finds the bit set and
        // accepts the expectation without keeping it (volatile list and status: one of the two sees the other).
        master.expsForInsert();
        if (master.isDying()) {
            return 0;
        }
        Tuple tuple = req.tuple();
        List<ExpectEntry> b = buckets[bucket(tuple)];
        if (b != null) {
            for (ExpectEntry i : new ArrayList<>(b)) {
                if (expired(i, now)) {
                    unlink(i, changes);
                    continue;
                }
                if (i.master() == master && i.sameAs(req)) {
                    if (i.expectClass() != req.expectClass()) {
                        return PluginServices.EXPECT_EXISTS;
                    }
                    unlink(i, changes);
                    break;
                } else if (clash(i, tuple, req.maskSrcHi(), req.maskSrcLo(), req.maskSrcPort())) {
                    return PluginServices.EXPECT_CLASH;
                }
            }
        }
        if (p != null && p.maxExpected() > 0 && expectingLocked(master, req.expectClass()) >= p.maxExpected()) {
            evictOldest(master, req.expectClass(), now, p, changes);
        }
        if (count >= expectMax) {
            return PluginServices.EXPECT_TABLE_FULL;
        }
        ExpectEntry exp = new ExpectEntry(req, master, helper, deadline, nextId++);
        master.expsForInsert().add(0, exp);
        int bi = bucket(exp.tuple);
        List<ExpectEntry> bl = buckets[bi];
        if (bl == null) {
            bl = new ArrayList<>(2);
            buckets[bi] = bl;
        }
        bl.add(0, exp);
        count++;
        exp.setLive(true);
        changes.add(CtEvent.EXP_NEW, exp);
        return 0;
    }

    /** {@code help->expecting[cls]}. */
    synchronized int expecting(ConnEntry master, int cls) {
        return expectingLocked(master, cls);
    }

    private static int expectingLocked(ConnEntry master, int cls) {
        int n = 0;
        List<ExpectEntry> exps = master.exps();
        if (exps != null) {
            for (ExpectEntry e : exps) {
                if (e.expectClass() == cls) {
                    n++;
                }
            }
        }
        return n;
    }

    private void evictOldest(ConnEntry master, int cls, long now, ExpectPolicy p, Changes changes) {
        ExpectEntry last = null;
        for (ExpectEntry e : new ArrayList<>(master.exps())) {
            if (expired(e, now)) {
                unlink(e, changes);
                continue;
            }
            if (e.expectClass() == cls) {
                last = e;
            }
        }
        if (last != null && expectingLocked(master, cls) >= p.maxExpected()) {
            unlink(last, changes);
        }
    }

    /** Could one connection match both ({@code expect_clash}: equal under the intersection of the masks)? */
    private static boolean clash(ExpectEntry a, Tuple y, long bHi, long bLo, int bPort) {
        return ExpectEntry.matches(a.tuple, a.maskSrcHi() & bHi, a.maskSrcLo() & bLo, a.maskSrcPort() & bPort, y);
    }

    /** Removes an expectation ({@code nf_ct_unlink_expect}); caller holds the monitor. */
    private void unlink(ExpectEntry e, Changes changes) {
        if (!e.isLive()) {
            return;
        }
        List<ExpectEntry> b = buckets[bucket(e.tuple)];
        if (b != null) {
            b.remove(e);
        }
        unlinkRest(e, changes);
    }

    private void unlinkRest(ExpectEntry e, Changes changes) {
        if (!e.isLive()) {
            return;
        }
        e.setLive(false);
        List<ExpectEntry> exps = e.master().exps();
        if (exps != null) {
            exps.remove(e);
        }
        count--;
        changes.add(CtEvent.EXP_DESTROY, e);
    }

    /**
     * {@code nf_ct_unexpect_related} of what {@code req} inserted: the live expectation of its master with the same
     * tuple and mask. Returns whether one was removed.
     */
    boolean unexpect(ExpectationRequest req) {
        if (!(req.master() instanceof ConnEntry)) {
            return false;
        }
        ConnEntry master = (ConnEntry) req.master();
        Changes changes = new Changes();
        boolean done = false;
        synchronized (this) {
            List<ExpectEntry> exps = master.exps();
            if (exps != null) {
                for (ExpectEntry e : exps) {
                    if (e.sameAs(req)) {
                        unlink(e, changes);
                        done = true;
                        break;
                    }
                }
            }
        }
        changes.deliver(net);
        return done;
    }

    /** The live expectations of a master, newest first: a copy. */
    synchronized List<ExpectEntry> ofMaster(ConnEntry master) {
        List<ExpectEntry> exps = master.exps();
        return exps == null || exps.isEmpty() ? List.of() : new ArrayList<>(exps);
    }

    /**
     * {@code __nf_ct_expect_find}: the live expectation that a connection with tuple {@code t} in {@code zone} would
     * match, active or not; null if none.
     */
    synchronized ExpectEntry lookup(Tuple t, int zone, long now) {
        List<ExpectEntry> b = buckets[bucket(t)];
        if (b != null) {
            for (ExpectEntry e : b) {
                if (!expired(e, now) && e.matches(t) && e.master().zone() == zone) {
                    return e;
                }
            }
        }
        return null;
    }

    /**
     * Gives a live, unexpired expectation a new deadline and clears {@code clearFlags} (the timer re-armed as SIP's
     * {@code refresh_signalling_expectation} does; no event). Returns false if it is gone or expired.
     */
    synchronized boolean refresh(ExpectEntry e, long deadline, int clearFlags, long now) {
        if (!e.isLive() || expired(e, now)) {
            return false;
        }
        e.refresh(deadline, clearFlags);
        return true;
    }

    /** Removes every expectation of a master ({@code nf_ct_remove_expectations}). */
    void removeForMaster(ConnEntry master) {
        if (master.exps() == null) {
            return;
        }
        Changes changes = new Changes();
        synchronized (this) {
            List<ExpectEntry> exps = master.exps();
            if (exps != null) {
                for (ExpectEntry e : new ArrayList<>(exps)) {
                    unlink(e, changes);
                }
            }
        }
        changes.deliver(net);
    }

    /** Removes the expectations that pass {@code filter}; returns how many. */
    int removeIf(Predicate<? super Expectation> filter) {
        List<ExpectEntry> victims = new ArrayList<>();
        for (ExpectEntry e : all()) {
            // the caller's filter runs with no lock held
            if (filter == null || filter.test(e)) {
                victims.add(e);
            }
        }
        Changes changes = new Changes();
        int n = 0;
        synchronized (this) {
            for (ExpectEntry e : victims) {
                if (e.isLive()) {
                    unlink(e, changes);
                    n++;
                }
            }
        }
        changes.deliver(net);
        return n;
    }

    /** Removes expired expectations of a master ({@code nf_ct_expectation_gc}). */
    void gcMaster(ConnEntry m, long now) {
        List<ExpectEntry> exps = m.exps();
        if (exps == null || exps.isEmpty()) {
            return;
        }
        Changes changes = new Changes();
        synchronized (this) {
            for (ExpectEntry e : new ArrayList<>(m.exps())) {
                if (expired(e, now)) {
                    unlink(e, changes);
                }
            }
        }
        changes.deliver(net);
    }

    /** Every live expectation, newest first per bucket. */
    synchronized List<ExpectEntry> all() {
        List<ExpectEntry> out = new ArrayList<>();
        for (List<ExpectEntry> b : buckets) {
            if (b != null) {
                out.addAll(b);
            }
        }
        return out;
    }
}
