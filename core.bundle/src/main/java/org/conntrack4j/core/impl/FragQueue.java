package org.conntrack4j.core.impl;

import java.util.Arrays;

/**
 * One datagram being reassembled ({@code struct ipq} / {@code struct frag_queue} around
 * {@code inet_frag_queue}): its key, the fragments received so far and what Linux tracks about them.
 *
 * <p>Fragments are kept in arrival order (offset, payload length, the producer's cookie, a copy of the
 * payload). Their coverage is kept as Linux's "runs": maximal stretches built by fragments that arrived in
 * order at the end, plus single fragments that arrived out of order, sorted by offset; a new fragment that
 * falls inside one run is a duplicate, one that straddles a run's edge overlaps (the kernel's
 * {@code inet_frag_queue_insert}). The queue is also its own hash key, and a link in its directory's expiry
 * list. Guarded by the monitor of its {@link FragDir}.
 */
final class FragQueue {
    /** {@code INET_FRAG_FIRST_IN}, {@code INET_FRAG_LAST_IN}. */
    static final int FIRST_IN = 1;
    static final int LAST_IN = 2;

    /** Insertion results, as {@code IPFRAG_OK / IPFRAG_DUP / IPFRAG_OVERLAP}. */
    static final int OK = 0;
    static final int DUP = 1;
    static final int OVERLAP = 2;

    // ---- key (IPv4: saddr, daddr, id, protocol, user; IPv6: saddr, daddr, id, user, iif) ----
    long srcHi;
    long srcLo;
    long dstHi;
    long dstLo;
    int id;
    int proto;
    int user;
    int iif;
    private int hash;

    // ---- reassembly state ----
    int flags;
    /** Total payload length, known once the last fragment came ({@code q.len}); else the highest end seen. */
    int len;
    /** Payload bytes received ({@code q.meat}). */
    int meat;
    /** Largest fragment: IPv4 payload plus its header; IPv6 the payload length field ({@code q.max_size}). */
    int maxSize;
    /** IPv4: largest fragment that had DF set ({@code max_df_size}). */
    int maxDfSize;
    /** OR of one bit per fragment's ECN codepoint ({@code ecn}). */
    int ecn;
    /** Jiffies at which the queue expires. */
    long deadline;
    /** IPv4 {@code ipfrag_max_dist}: the source's fragment count when this queue last saw one ({@code rid}). */
    int rid;
    FragDir.Peer peer;
    /** Bytes accounted to the directory for this queue and its fragments. */
    long mem;

    /**
     * The offset-0 fragment's header: IPv4 its IP header; IPv6 the unfragmentable part (IPv6 header and the
     * extension headers before the fragment header). Null until that fragment came.
     */
    byte[] head;
    /** IPv6: where the next-header field naming the fragment header is, and the fragment header's own. */
    int nhoff;
    int fragNexthdr;

    // ---- fragments in arrival order ----
    int count;
    int[] fragOff;
    int[] fragLen;
    long[] fragCookie;
    byte[][] fragData;

    // ---- runs, sorted by offset ----
    int runs;
    int[] runStart;
    int[] runLen;

    // ---- expiry list (oldest first) ----
    FragQueue older;
    FragQueue newer;

    void setKey(long sHi, long sLo, long dHi, long dLo, int fragId, int protocol, int defragUser, int ifindex,
        long seed) {
        srcHi = sHi;
        srcLo = sLo;
        dstHi = dHi;
        dstLo = dLo;
        id = fragId;
        proto = protocol;
        user = defragUser;
        iif = ifindex;
        long h = seed;
        h = mix(h ^ sHi);
        h = mix(h ^ sLo);
        h = mix(h ^ dHi);
        h = mix(h ^ dLo);
        h = mix(h ^ ((long) fragId << 32 | (protocol & 0xffffL) << 16 | (ifindex & 0xffffL)));
        h = mix(h ^ user);
        hash = (int) (h ^ h >>> 32);
    }

    private static long mix(long x) {
        long z = x * 0x9E3779B97F4A7C15L;
        z = (z ^ z >>> 30) * 0xBF58476D1CE4E5B9L;
        return z ^ z >>> 31;
    }

    void copyKey(FragQueue o) {
        srcHi = o.srcHi;
        srcLo = o.srcLo;
        dstHi = o.dstHi;
        dstLo = o.dstLo;
        id = o.id;
        proto = o.proto;
        user = o.user;
        iif = o.iif;
        hash = o.hash;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof FragQueue)) {
            return false;
        }
        FragQueue q = (FragQueue) o;
        return q.srcLo == srcLo && q.dstLo == dstLo && q.id == id && q.srcHi == srcHi && q.dstHi == dstHi
            && q.proto == proto && q.user == user && q.iif == iif;
    }

    /** End of the run that ends highest (where the last in-order fragment ended), or -1 when empty. */
    private int tailEnd() {
        return runs == 0 ? -1 : runStart[runs - 1] + runLen[runs - 1];
    }

    /**
     * Where {@code [offset, end)} goes: {@link #OK} (and the runs are updated), {@link #DUP} (inside one run)
     * or {@link #OVERLAP}.
     */
    int insert(int offset, int end) {
        if (runs == 0) {
            addRun(0, offset, end);
            return OK;
        }
        int tail = tailEnd();
        if (tail < end) {
            // The usual case: the fragment goes after everything received.
            if (offset < tail) {
                return OVERLAP;
            }
            if (offset == tail) {
                runLen[runs - 1] += end - offset;
            } else {
                addRun(runs, offset, end);
            }
            return OK;
        }
        int lo = 0;
        int hi = runs - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int s = runStart[mid];
            int e = s + runLen[mid];
            if (end <= s) {
                hi = mid - 1;
            } else if (offset >= e) {
                lo = mid + 1;
            } else if (offset >= s && end <= e) {
                return DUP;
            } else {
                return OVERLAP;
            }
        }
        addRun(lo, offset, end);
        return OK;
    }

    private void addRun(int at, int offset, int end) {
        if (runStart == null) {
            runStart = new int[4];
            runLen = new int[4];
        } else if (runs == runStart.length) {
            runStart = Arrays.copyOf(runStart, runs * 2);
            runLen = Arrays.copyOf(runLen, runs * 2);
        }
        System.arraycopy(runStart, at, runStart, at + 1, runs - at);
        System.arraycopy(runLen, at, runLen, at + 1, runs - at);
        runStart[at] = offset;
        runLen[at] = end - offset;
        runs++;
    }

    /** Keeps a fragment's payload (copied from {@code src}). */
    void addFragment(int offset, byte[] src, int srcOff, int n, long cookie) {
        if (fragOff == null) {
            fragOff = new int[4];
            fragLen = new int[4];
            fragCookie = new long[4];
            fragData = new byte[4][];
        } else if (count == fragOff.length) {
            int c = count * 2;
            fragOff = Arrays.copyOf(fragOff, c);
            fragLen = Arrays.copyOf(fragLen, c);
            fragCookie = Arrays.copyOf(fragCookie, c);
            fragData = Arrays.copyOf(fragData, c);
        }
        fragOff[count] = offset;
        fragLen[count] = n;
        fragCookie[count] = cookie;
        fragData[count] = Arrays.copyOfRange(src, srcOff, srcOff + n);
        count++;
    }

    /** Forgets the fragments ({@code inet_frag_queue_flush}); the key, timer and size maxima stay. */
    void flush() {
        for (int i = 0; i < count; i++) {
            fragData[i] = null;
        }
        count = 0;
        runs = 0;
        head = null;
    }
}
