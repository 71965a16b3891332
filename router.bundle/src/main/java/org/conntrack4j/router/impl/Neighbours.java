package org.conntrack4j.router.impl;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.inet.Addr;

/**
 * The neighbour table ({@code struct neigh_table}, one for ARP and IPv6 neighbour discovery alike): per port and
 * next-hop address, the link address and Linux's reachability state machine ({@code NUD_*}), with a small queue of
 * packets waiting for the resolution ({@code unres_qlen}).
 *
 * <pre>
 *  (none) --packet--> INCOMPLETE --answer--> REACHABLE --reachable_time--> STALE --packet--> DELAY
 *                       | mcast_solicit probes, retrans_time apart            ^                 | delay_first_probe_time
 *                       v                                                     |                 v
 *                     FAILED (queued packets dropped, ICMP unreachable)   answer / unsolicited  PROBE
 *                       ^                                                     advertisement      | ucast_solicit probes
 *                       +-----------------------------------------------------------------------+ without answer
 * </pre>
 * A packet for an INCOMPLETE (or FAILED) entry is queued and, for a FAILED one, starts the resolution again, as
 * {@code __neigh_event_send} does. Answers come from ARP replies and neighbour advertisements; ARP requests and
 * neighbour solicitations addressed to the router make or refresh the sender's entry as STALE.
 *
 * <p>Threads: forwarders look entries up without a lock (a chained hash table whose bucket heads and links are
 * published by volatile writes; state and link address are volatile); changing an entry takes its monitor;
 * adding or removing one takes the table's monitor (order: table, then entry). Timers run in {@link #tick}, on one
 * forwarder's thread. Bounded: at most {@code gc_thresh3} entries (stale and failed ones are collected to make
 * room; when none can go, the new one is refused and counted), each queueing at most {@code unres_qlen} packets
 * and {@code unres_qlen_bytes}.
 */
final class Neighbours {
    // NUD states, Linux's values
    static final int NUD_INCOMPLETE = 0x01;
    static final int NUD_REACHABLE = 0x02;
    static final int NUD_STALE = 0x04;
    static final int NUD_DELAY = 0x08;
    static final int NUD_PROBE = 0x10;
    static final int NUD_FAILED = 0x20;
    /** States in which the link address may be used ({@code NUD_VALID} without the static ones). */
    static final int NUD_VALID = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE;

    /** The sysctls of {@code net.ipv4.neigh.default} / {@code net.ipv6.neigh.default}, Linux's defaults. */
    static final class Params {
        long baseReachableNanos = 30_000_000_000L;
        long retransNanos = 1_000_000_000L;
        long delayFirstProbeNanos = 5_000_000_000L;
        long gcStaleNanos = 60_000_000_000L;
        int mcastSolicit = 3;
        int ucastSolicit = 3;
        int unresQlen = 101;
        int unresQlenBytes = 212_992;
        int gcThresh1 = 128;
        int gcThresh3 = 1024;
    }

    /** One neighbour. Key fields are final; the rest is guarded by the entry's monitor, state and mac are volatile. */
    static final class Entry {
        final int port;
        final int family;
        final long hi;
        final long lo;
        volatile int state;
        volatile long mac = -1;
        /** When an answer last confirmed it, and when a packet last used it (racy writes: a hint). */
        long confirmed;
        volatile long used;
        long updated;
        long deadline;
        long reachableNanos;
        int probes;
        final ArrayDeque<byte[]> queue = new ArrayDeque<>();
        int queuedBytes;
        volatile Entry next;
        boolean dead;

        Entry(int port, int family, long hi, long lo) {
            this.port = port;
            this.family = family;
            this.hi = hi;
            this.lo = lo;
        }

        boolean is(int p, int f, long h, long l) {
            return port == p && lo == l && hi == h && family == f;
        }
    }

    /** What a neighbour entry's timers and answers make a forwarder send. */
    interface Sender {
        /** A solicitation for {@code e}: broadcast / solicited-node multicast, or unicast to its known address. */
        void solicit(Entry e, boolean unicast);

        /** A queued IP packet (14 bytes of room, then the packet) can go now, to {@code e}'s link address. */
        void release(Entry e, byte[] frame);

        /** A queued IP packet whose neighbour never answered: tell its sender (ICMP host / address unreachable). */
        void unreachable(Entry e, byte[] frame);
    }

    final Params params = new Params();
    final AtomicLongArray stats;
    private volatile Entry[] buckets = new Entry[256];
    private int count;

    Neighbours(AtomicLongArray stats) {
        this.stats = stats;
    }

    private static int hash(int port, int family, long hi, long lo) {
        long h = lo * 0x9E3779B97F4A7C15L ^ hi * 0xC2B2AE3D27D4EB4FL ^ (long) port << 8 ^ family;
        return (int) (h ^ h >>> 29);
    }

    /** The entry for the key, or null; no lock, no allocation. */
    Entry lookup(int port, int family, long hi, long lo) {
        Entry[] b = buckets;
        for (Entry e = b[hash(port, family, hi, lo) & (b.length - 1)]; e != null; e = e.next) {
            if (e.is(port, family, hi, lo)) {
                return e;
            }
        }
        return null;
    }

    /** The entry for the key, made (state none) if there is room; null when the table is full. */
    synchronized Entry create(int port, int family, long hi, long lo, long now) {
        Entry e = lookup(port, family, hi, lo);
        if (e != null) {
            return e;
        }
        if (count >= params.gcThresh3 && forcedGc(now) == 0) {
            stats.incrementAndGet(Stat.NEIGH_TABLE_FULL);
            return null;
        }
        if (count + 1 > buckets.length) {
            grow();
        }
        e = new Entry(port, family, hi, lo);
        e.updated = now;
        e.used = now;
        Entry[] b = buckets;
        int i = hash(port, family, hi, lo) & (b.length - 1);
        e.next = b[i];
        b[i] = e;
        // the array slot is not volatile: republish the array so that readers see the new head
        buckets = b;
        count++;
        return e;
    }

    /**
     * Doubles the buckets. Entries are re-linked into the new chains: a reader still walking an old chain may miss
     * its entry, and then takes the locked path ({@link #create}), which looks again under the lock.
     */
    private void grow() {
        Entry[] old = buckets;
        Entry[] b = new Entry[old.length * 2];
        for (Entry head : old) {
            Entry e = head;
            while (e != null) {
                Entry next = e.next;
                int i = hash(e.port, e.family, e.hi, e.lo) & (b.length - 1);
                e.next = b[i];
                b[i] = e;
                e = next;
            }
        }
        buckets = b;
    }

    /** Unlinks {@code victim}; caller holds the table monitor. A reader on it finishes its walk by its old link. */
    private void remove(Entry victim) {
        Entry[] b = buckets;
        int i = hash(victim.port, victim.family, victim.hi, victim.lo) & (b.length - 1);
        if (b[i] == victim) {
            b[i] = victim.next;
        } else {
            for (Entry e = b[i]; e != null; e = e.next) {
                if (e.next == victim) {
                    e.next = victim.next;
                    break;
                }
            }
        }
        synchronized (victim) {
            victim.dead = true;
            victim.queue.clear();
            victim.queuedBytes = 0;
        }
        buckets = b;
        count--;
    }

    /** {@code neigh_forced_gc}: frees entries that are neither in use nor being resolved. Returns how many. */
    private int forcedGc(long now) {
        int freed = 0;
        for (Entry head : buckets) {
            for (Entry e = head; e != null; e = e.next) {
                int s = e.state;
                if ((s == NUD_FAILED || s == 0 || s == NUD_STALE && now - e.used > 5_000_000_000L) && e.queue.isEmpty()) {
                    remove(e);
                    freed++;
                }
            }
        }
        return freed;
    }

    /**
     * The link address for a packet to {@code (port, family, hi, lo)}, or -1 when the packet waits for (or is
     * dropped by) the resolution: then a copy of {@code frame[off - 14, off + len)} is queued, and a first
     * solicitation goes out through {@code sender} when the resolution starts. {@code __neigh_event_send}.
     */
    long output(int port, int family, long hi, long lo, long now, byte[] frame, int off, int len, Sender sender) {
        Entry e = lookup(port, family, hi, lo);
        if (e != null) {
            int s = e.state;
            if ((s & (NUD_REACHABLE | NUD_DELAY | NUD_PROBE)) != 0) {
                if (now - e.used > 100_000_000L) {
                    e.used = now;
                }
                return e.mac;
            }
            if (s == NUD_STALE) {
                synchronized (e) {
                    if (e.state == NUD_STALE) {
                        e.state = NUD_DELAY;
                        e.deadline = now + params.delayFirstProbeNanos;
                    }
                    e.used = now;
                    return e.mac;
                }
            }
        } else {
            e = create(port, family, hi, lo, now);
            if (e == null) {
                return -1;
            }
        }
        boolean solicit = false;
        synchronized (e) {
            if (e.dead) {
                return -1;
            }
            int s = e.state;
            if ((s & NUD_VALID) != 0) {
                e.used = now;
                return e.mac;
            }
            byte[] copy = new byte[14 + len];
            System.arraycopy(frame, off, copy, 14, len);
            enqueue(e, copy);
            if (s != NUD_INCOMPLETE) {
                e.state = NUD_INCOMPLETE;
                e.probes = 1;
                e.updated = now;
                e.deadline = now + params.retransNanos;
                solicit = true;
            }
        }
        if (solicit) {
            sender.solicit(e, false);
        }
        return -1;
    }

    /** Queues a packet, dropping the oldest beyond {@code unres_qlen} / {@code unres_qlen_bytes}. Entry locked. */
    private void enqueue(Entry e, byte[] copy) {
        int bytes = copy.length - 14;
        while (!e.queue.isEmpty() && (e.queue.size() >= params.unresQlen || e.queuedBytes + bytes > params.unresQlenBytes)) {
            e.queuedBytes -= e.queue.removeFirst().length - 14;
            stats.incrementAndGet(Stat.NEIGH_UNRES_DISCARDS);
        }
        if (bytes > params.unresQlenBytes) {
            stats.incrementAndGet(Stat.NEIGH_UNRES_DISCARDS);
            return;
        }
        e.queue.addLast(copy);
        e.queuedBytes += bytes;
        stats.incrementAndGet(Stat.NEIGH_QUEUED);
    }

    /**
     * An answer or an announcement from {@code (port, family, hi, lo)} with link address {@code mac}
     * ({@code neigh_update}). {@code solicited}: it answers our solicitation (ARP reply to us, solicited neighbour
     * advertisement): the entry becomes REACHABLE; otherwise STALE, or unchanged when the address is the known one.
     * {@code override}: a different link address replaces the known one (an advertisement without the O flag does
     * not). {@code create}: an entry is made if there is none (ARP requests and neighbour solicitations to us);
     * otherwise only existing entries learn. Queued packets are released through {@code sender}.
     */
    void update(int port, int family, long hi, long lo, long mac, boolean solicited, boolean override, boolean create,
        long now, Sender sender) {
        Entry e = lookup(port, family, hi, lo);
        if (e == null) {
            if (!create) {
                return;
            }
            e = create(port, family, hi, lo, now);
            if (e == null) {
                return;
            }
        }
        byte[][] release = null;
        synchronized (e) {
            if (e.dead) {
                return;
            }
            int s = e.state;
            boolean known = (s & NUD_VALID) != 0;
            boolean same = known && e.mac == mac;
            if (known && !same && !override) {
                // a non-overriding advertisement for another address: keep the known one, but doubt it
                if (s == NUD_REACHABLE) {
                    e.state = NUD_STALE;
                }
                return;
            }
            e.mac = mac;
            e.updated = now;
            if (solicited) {
                e.state = NUD_REACHABLE;
                e.confirmed = now;
                e.reachableNanos = reachableTime();
                stats.incrementAndGet(Stat.NEIGH_RESOLVED);
            } else if (!same || !known) {
                e.state = NUD_STALE;
                if (s == NUD_INCOMPLETE) {
                    stats.incrementAndGet(Stat.NEIGH_RESOLVED);
                }
            }
            if (!e.queue.isEmpty()) {
                release = e.queue.toArray(new byte[0][]);
                e.queue.clear();
                e.queuedBytes = 0;
            }
        }
        if (release != null) {
            for (byte[] f : release) {
                sender.release(e, f);
            }
        }
    }

    /** {@code neigh_rand_reach_time}: uniformly in [base / 2, 3 base / 2). */
    private long reachableTime() {
        long base = params.baseReachableNanos;
        return base / 2 + ThreadLocalRandom.current().nextLong(Math.max(1, base));
    }

    /**
     * The timers ({@code neigh_timer_handler}) and the periodic collection ({@code neigh_periodic_work}), for
     * {@code now}; what they send goes through {@code sender}. Called on one thread.
     */
    void tick(long now, Sender sender) {
        List<Entry> failed = null;
        List<Entry> stale = null;
        for (Entry head : buckets) {
            for (Entry e = head; e != null; e = e.next) {
                int todo = 0;
                synchronized (e) {
                    if (e.dead) {
                        continue;
                    }
                    switch (e.state) {
                        case NUD_INCOMPLETE:
                            todo = now - e.deadline >= 0 ? probeOrFail(e, now, params.mcastSolicit, 1) : 0;
                            break;
                        case NUD_REACHABLE:
                            if (now - (e.confirmed + e.reachableNanos) >= 0) {
                                if (now - e.used <= params.delayFirstProbeNanos) {
                                    e.state = NUD_DELAY;
                                    e.deadline = now + params.delayFirstProbeNanos;
                                } else {
                                    e.state = NUD_STALE;
                                }
                                e.updated = now;
                            }
                            break;
                        case NUD_DELAY:
                            if (now - e.deadline >= 0) {
                                if (now - (e.confirmed + e.reachableNanos) < 0) {
                                    e.state = NUD_REACHABLE;
                                } else {
                                    e.state = NUD_PROBE;
                                    e.probes = 1;
                                    e.deadline = now + params.retransNanos;
                                    todo = 2;
                                }
                                e.updated = now;
                            }
                            break;
                        case NUD_PROBE:
                            todo = now - e.deadline >= 0 ? probeOrFail(e, now, params.ucastSolicit, 2) : 0;
                            break;
                        default:
                            break;
                    }
                    if ((e.state == NUD_FAILED || e.state == NUD_STALE) && now - e.used > params.gcStaleNanos) {
                        if (stale == null) {
                            stale = new ArrayList<>();
                        }
                        stale.add(e);
                    }
                }
                if (todo == 1) {
                    sender.solicit(e, false);
                } else if (todo == 2) {
                    sender.solicit(e, true);
                } else if (todo == 3) {
                    if (failed == null) {
                        failed = new ArrayList<>();
                    }
                    failed.add(e);
                }
            }
        }
        if (failed != null) {
            for (Entry e : failed) {
                byte[][] drop;
                synchronized (e) {
                    drop = e.queue.toArray(new byte[0][]);
                    e.queue.clear();
                    e.queuedBytes = 0;
                }
                stats.incrementAndGet(Stat.NEIGH_FAILED);
                for (byte[] f : drop) {
                    sender.unreachable(e, f);
                }
            }
        }
        if (stale != null) {
            synchronized (this) {
                if (count > params.gcThresh1) {
                    for (Entry e : stale) {
                        if (!e.dead) {
                            remove(e);
                        }
                    }
                }
            }
        }
    }

    /**
     * A resolution's timer ran out: another probe ({@code probe}: 1 multicast, 2 unicast) while fewer than
     * {@code limit} were sent, else FAILED (3). Entry locked.
     */
    private int probeOrFail(Entry e, long now, int limit, int probe) {
        if (e.probes >= limit) {
            e.state = NUD_FAILED;
            e.updated = now;
            return 3;
        }
        e.probes++;
        e.deadline = now + params.retransNanos;
        return probe;
    }

    /** Forgets every entry of a port (its link went away or changed address). */
    synchronized void flushPort(int port) {
        for (Entry head : buckets) {
            for (Entry e = head; e != null; e = e.next) {
                if (e.port == port) {
                    remove(e);
                }
            }
        }
    }

    synchronized int size() {
        return count;
    }

    /** The table as {@code ip neigh} prints it: {@code ADDRESS dev PORT lladdr MAC STATE}. */
    List<String> describe(String[] portNames) {
        List<String> out = new ArrayList<>();
        for (Entry head : buckets) {
            for (Entry e = head; e != null; e = e.next) {
                if (e.dead) {
                    continue;
                }
                int s = e.state;
                StringBuilder b = new StringBuilder();
                Addr.append(b, e.family, e.hi, e.lo).append(" dev ").append(portNames[e.port]);
                if ((s & NUD_VALID) != 0) {
                    b.append(" lladdr ").append(Macs.text(e.mac));
                }
                b.append(' ').append(stateName(s));
                if (e.family == Family.IPV6 && s == 0) {
                    b.append(" (v6)");
                }
                out.add(b.toString());
            }
        }
        out.sort(null);
        return out;
    }

    static String stateName(int s) {
        switch (s) {
            case NUD_INCOMPLETE:
                return "INCOMPLETE";
            case NUD_REACHABLE:
                return "REACHABLE";
            case NUD_STALE:
                return "STALE";
            case NUD_DELAY:
                return "DELAY";
            case NUD_PROBE:
                return "PROBE";
            case NUD_FAILED:
                return "FAILED";
            default:
                return "NONE";
        }
    }
}
