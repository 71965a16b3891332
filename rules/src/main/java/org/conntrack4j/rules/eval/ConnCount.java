package org.conntrack4j.rules.eval;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Zone;

/**
 * One key's connection count ({@code struct nf_conncount_list}, Linux's {@code nf_conncount.c}): the tuples of the
 * connections counted, each looked up in the table again when the list is collected. A tuple whose connection is
 * gone is dropped (unless another thread added it less than two jiffies ago: it may be about to be confirmed), and so
 * is one whose TCP connection is in TIME_WAIT or CLOSE. Collecting happens at most once per jiffy and stops after
 * eight entries were dropped, as in Linux, so the count an admission sees is exactly the kernel's.
 *
 * <p>Guarded by its own monitor ({@code list_lock}); the engine is called with it held (a plug-in's own lock, a leaf).
 * Allocates a tuple per connection counted (new connections only).
 */
final class ConnCount {
    /** {@code CONNCOUNT_GC_MAX_NODES}. */
    private static final int GC_MAX_NODES = 8;
    /** {@code nf_conncount_add_skb}: added (or already counted). */
    static final int ADDED = 0;
    /** The packet's connection is confirmed already: nothing added ({@code -EEXIST}). */
    static final int EXISTS = 1;
    /** The packet's tuple cannot be read ({@code -ENOENT}). */
    static final int NO_TUPLE = 2;

    /** A counted connection ({@code struct nf_conncount_tuple}). */
    private record Entry(Tuple tuple, int zone, long thread, int jiffies) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private int lastGc;

    /** {@code nf_conncount_list_init}: empty, collected "now". */
    ConnCount(long now) {
        this.lastGc = (int) now;
    }

    synchronized int count() {
        return entries.size();
    }

    /** {@code nf_conncount_add_skb}: counts the packet's connection; {@link #ADDED}, {@link #EXISTS}, {@link #NO_TUPLE}. */
    synchronized int add(Conntrack net, Packet p) {
        Connection ct = p.ct;
        Tuple tuple;
        int zone;
        if (ct != null) {
            tuple = ct.tuple(Direction.ORIGINAL, new Tuple());
            zone = Zone.template(ct.zone(), ct.zoneDir());
        } else {
            tuple = new Tuple();
            if (!net.services().tupleFromHeader(p, 0, p.family, tuple)) {
                return NO_TUPLE;
            }
            zone = Zone.isTemplate(p.zone) ? p.zone : 0;
            ct = net.services().find(tuple, zone);
        }
        if (ct != null && ct.isConfirmed()) {
            return EXISTS;
        }
        int now = (int) net.now();
        if (now != lastGc) {
            int collect = 0;
            for (int i = 0; i < entries.size(); ) {
                if (collect > GC_MAX_NODES) {
                    break;
                }
                Entry e = entries.get(i);
                Connection found = net.services().find(e.tuple, e.zone);
                if (found == null) {
                    if (evictable(e, now)) {
                        entries.remove(i);
                        collect++;
                        continue;
                    }
                    // not found, maybe about to be confirmed: the same connection is not added twice
                    if (e.tuple.sameAs(tuple) && quirkZoneId(e.zone) == quirkZoneId(zone)) {
                        return ADDED;
                    }
                    i++;
                    continue;
                }
                if (e.tuple.sameAs(tuple) && zoneEqualQuirk(found, zone)) {
                    return ADDED;
                }
                if (alreadyClosed(net, found)) {
                    entries.remove(i);
                    collect++;
                    continue;
                }
                i++;
            }
            lastGc = now;
        }
        entries.add(new Entry(tuple, zone, Thread.currentThread().getId(), now));
        return ADDED;
    }

    /** {@code nf_conncount_gc_list}: collects the list; true if it is empty. */
    synchronized boolean gc(Conntrack net) {
        int now = (int) net.now();
        if (now == lastGc) {
            return false;
        }
        int collected = 0;
        for (int i = 0; i < entries.size(); ) {
            Entry e = entries.get(i);
            Connection found = net.services().find(e.tuple, e.zone);
            if (found == null) {
                if (evictable(e, now)) {
                    entries.remove(i);
                    collected++;
                } else {
                    i++;
                }
                continue;
            }
            if (alreadyClosed(net, found)) {
                entries.remove(i);
                collected++;
                continue;
            }
            i++;
            if (collected > GC_MAX_NODES) {
                break;
            }
        }
        lastGc = now;
        return entries.isEmpty();
    }

    /** {@code find_or_evict}: a tuple not in the table goes if this thread added it or it is two jiffies old. */
    private static boolean evictable(Entry e, int now) {
        return e.thread == Thread.currentThread().getId() || now - e.jiffies >= 2;
    }

    /** {@code already_closed}: TCP in TIME_WAIT or CLOSE is not counted. */
    private static boolean alreadyClosed(Conntrack net, Connection ct) {
        if (ct.protocol() != IpProto.TCP) {
            return false;
        }
        String state = net.services().tracker(ct.family(), IpProto.TCP).stateName(ct);
        return "TIME_WAIT".equals(state) || "CLOSE".equals(state);
    }

    /**
     * The kernel compares zones here with {@code nf_ct_zone_id(zone, zone->dir)}: the directions bitmask used as a
     * direction, which tests a bit past the ones in use, so every zone compares as 0. Kept as it is.
     */
    private static int quirkZoneId(int zone) {
        int dir = Zone.dirs(zone);
        return (Zone.dirs(zone) & (1 << dir)) != 0 ? Zone.id(zone) : 0;
    }

    private static boolean zoneEqualQuirk(Connection found, int zone) {
        int dir = Zone.dirs(zone);
        int foundId = (found.zoneDir() & (1 << dir)) != 0 ? found.zone() : 0;
        return foundId == quirkZoneId(zone);
    }
}
