package org.conntrack4j.core.impl;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.conntrack4j.core.api.SettingKey;

/**
 * The reassembly queues of one family in one engine ({@code struct fqdir}): the queues by key, their memory
 * account against the high threshold, their expiry in deadline order, the counters, and (IPv4) the
 * per-source fragment counts of {@code ipfrag_max_dist} ({@code inet_peer}'s {@code rid}).
 *
 * <p>Memory: each queue is charged {@link #QUEUE_SIZE} bytes and each held fragment {@link #truesize} of its
 * IP length, Linux's way ({@code qsize} plus {@code skb->truesize}); both figures are estimates of the kernel's
 * (which depend on the driver) and exceed what this implementation really holds (about 210 bytes for a queue
 * without fragments, the payload plus about 60 bytes for a fragment). Above the high threshold no queue is
 * found or created (Linux since 4.17: nothing is evicted; queues leave when complete or expired), so the
 * charge never exceeds the threshold by more than one queue and one fragment. The scratch buffers add at
 * most one datagram's size.
 *
 * <p>Concurrency: every method runs under this object's monitor (callers synchronize on it); the counters
 * are LongAdders and the gauges volatile so that statistics can be read without the lock.
 */
final class FragDir {
    /** Charge per queue: the queue, its table entry and its source's counter (Linux: about 200, sizeof(ipq)). */
    static final int QUEUE_SIZE = 256;
    /** Charge per fragment on top of its IP length: buffer headroom, {@code sk_buff}, shared info. */
    static final int FRAGMENT_OVERHEAD = 768;

    /** A source's fragment counter, shared by its queues while any exists. */
    static final class Peer {
        int rid;
        int refs;
    }

    final String prefix;
    final SettingKey highThresh;
    final SettingKey timeout;
    private final long seed;

    private final Map<FragQueue, FragQueue> queues = new HashMap<>();
    private final Map<Long, Peer> peers = new HashMap<>();
    private final FragQueue probe = new FragQueue();
    private FragQueue oldest;
    private FragQueue newest;
    private long mem;

    private volatile int queueGauge;
    private volatile long memGauge;
    final LongAdder reqds = new LongAdder();
    final LongAdder oks = new LongAdder();
    final LongAdder fails = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder overlaps = new LongAdder();
    final LongAdder dups = new LongAdder();
    final LongAdder overLimit = new LongAdder();

    /** Scratch space for building a datagram and ordering fragments (under the monitor). */
    byte[] scratch = new byte[0];
    long[] order = new long[0];

    FragDir(String prefix, SettingKey highThresh, SettingKey timeout, long seed) {
        this.prefix = prefix;
        this.highThresh = highThresh;
        this.timeout = timeout;
        this.seed = seed;
    }

    /** The charge for a fragment of {@code ipLength} bytes ({@code skb->truesize}). */
    static int truesize(int ipLength) {
        return ipLength + FRAGMENT_OVERHEAD;
    }

    /**
     * {@code inet_frag_find}: the queue with this key, created if there is none; null when the memory is above
     * the high threshold (or the threshold is 0), as Linux refuses then even fragments of existing queues. A new
     * IPv4 queue takes a reference on its source's fragment counter when {@code withPeer}.
     */
    FragQueue find(long sHi, long sLo, long dHi, long dLo, int id, int proto, int user, int iif, long high,
        long now, long timeoutJiffies, boolean withPeer) {
        if (high == 0 || mem > high) {
            return null;
        }
        probe.setKey(sHi, sLo, dHi, dLo, id, proto, user, iif, seed);
        FragQueue q = queues.get(probe);
        if (q != null && !expireIfDue(q, now)) {
            return q;
        }
        q = new FragQueue();
        q.copyKey(probe);
        q.deadline = now + timeoutJiffies;
        q.mem = QUEUE_SIZE;
        mem += QUEUE_SIZE;
        queues.put(q, q);
        if (withPeer) {
            q.peer = peers.computeIfAbsent(sLo, k -> new Peer());
            q.peer.refs++;
        }
        linkNewest(q);
        gauges();
        return q;
    }

    /** Charges {@code bytes} more to {@code q} (a fragment kept). */
    void charge(FragQueue q, long bytes) {
        q.mem += bytes;
        mem += bytes;
        memGauge = mem;
    }

    /** {@code ip_frag_reinit}'s part here: drops the fragments' charge and restarts the timer. */
    void restart(FragQueue q, long deadline) {
        mem -= q.mem - QUEUE_SIZE;
        q.mem = QUEUE_SIZE;
        q.flush();
        q.deadline = deadline;
        unlink(q);
        linkNewest(q);
        gauges();
    }

    /** {@code inet_frag_kill} and destruction: the queue leaves the table and its memory is released. */
    void kill(FragQueue q) {
        if (queues.remove(q) == null) {
            return;
        }
        unlink(q);
        mem -= q.mem;
        q.mem = 0;
        q.flush();
        if (q.peer != null && --q.peer.refs == 0) {
            peers.remove(q.srcLo);
        }
        q.peer = null;
        gauges();
    }

    /**
     * Expires the queues whose deadline has passed ({@code ip_expire} / {@code nf_ct_frag6_expire}), oldest
     * first. The list is in deadline order while the timeout setting stays the same; after it was lowered, a
     * newer queue with an earlier deadline goes when the ones before it do, or when a fragment finds it.
     */
    void expire(long now) {
        while (oldest != null && now - oldest.deadline >= 0) {
            timedOut(oldest);
        }
    }

    /** Is {@code q} past its deadline? Then it is expired now (a lookup found it before the list did). */
    boolean expireIfDue(FragQueue q, long now) {
        if (now - q.deadline < 0) {
            return false;
        }
        timedOut(q);
        return true;
    }

    private void timedOut(FragQueue q) {
        kill(q);
        fails.increment();
        timeouts.increment();
    }

    private void linkNewest(FragQueue q) {
        q.newer = null;
        q.older = newest;
        if (newest != null) {
            newest.newer = q;
        } else {
            oldest = q;
        }
        newest = q;
    }

    private void unlink(FragQueue q) {
        if (q.older != null) {
            q.older.newer = q.newer;
        } else if (oldest == q) {
            oldest = q.newer;
        }
        if (q.newer != null) {
            q.newer.older = q.older;
        } else if (newest == q) {
            newest = q.older;
        }
        q.older = null;
        q.newer = null;
    }

    private void gauges() {
        queueGauge = queues.size();
        memGauge = mem;
    }

    void counters(Map<String, Long> out) {
        out.put(prefix + "ReasmReqds", reqds.sum());
        out.put(prefix + "ReasmOKs", oks.sum());
        out.put(prefix + "ReasmFails", fails.sum());
        out.put(prefix + "ReasmTimeout", timeouts.sum());
        out.put(prefix + "ReasmOverlaps", overlaps.sum());
        out.put(prefix + "FragDuplicates", dups.sum());
        out.put(prefix + "FragOverLimit", overLimit.sum());
        out.put(prefix + "FragQueues", (long) queueGauge);
        out.put(prefix + "FragMemory", memGauge);
    }

    static Map<String, Long> newCounterMap() {
        return new LinkedHashMap<>();
    }
}
