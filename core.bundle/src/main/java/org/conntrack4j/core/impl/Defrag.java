package org.conntrack4j.core.impl;

import java.util.Arrays;
import java.util.Map;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.api.Zone;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.Ipv6Headers;

/**
 * Defragmentation before conntrack: Linux's {@code nf_defrag_ipv4} (with the IP reassembly of
 * {@code ip_fragment.c}) and {@code nf_defrag_ipv6} ({@code nf_conntrack_reasm.c}), one per engine, its hook
 * registered at priority -400 in PRE_ROUTING and LOCAL_OUT by {@link Engine#enableDefrag}.
 *
 * <p>A fragment is copied into its queue and the hook returns STOLEN; the fragment that completes a datagram
 * comes back ACCEPTed as the whole datagram (the packet's bytes replaced, {@link Packet#fragCount},
 * {@link Packet#fragCookies}, {@link Packet#fragLengths} and {@link Packet#fragMaxSize} set), so that conntrack,
 * NAT and the helpers see it once. What happens to bad fragments is the kernel's, family by family:
 * <ul>
 * <li>IPv4: every fragment that is not kept is consumed (STOLEN, never seen again). A final fragment that
 *   contradicts the known length, a fragment beyond a known end, an empty one, or one that overlaps another
 *   kills its whole queue; a duplicate is dropped alone. A datagram longer than 65535 bytes or with
 *   conflicting ECN marks fails when it completes.</li>
 * <li>IPv6: a bad length or an empty fragment is dropped (DROP) and the queue kept; an overlap drops the
 *   fragment and kills the queue; a duplicate is STOLEN; a non-final fragment whose length is not a multiple
 *   of 8 kills its queue and passes on unchanged, as does a first fragment that does not hold the whole
 *   transport header.</li>
 * <li>Both: above the high memory threshold no fragment is queued (IPv4 consumes it, IPv6 drops it); an
 *   incomplete datagram is dropped when its timeout passes on the engine's clock.</li>
 * </ul>
 *
 * <p>Not done: the ICMP "fragment reassembly time exceeded" Linux sends when an IPv6 queue (or an IPv4 one
 * for the host itself) expires with its first fragment, which would need a way out of the engine.
 *
 * <p>Concurrency: each family's queues are guarded by the monitor of its {@link FragDir}; fragments are rare
 * enough for one lock per family.
 */
final class Defrag {
    /** Defragmentation users ({@code IP_DEFRAG_CONNTRACK_IN + zone}, {@code ..._OUT + zone}). */
    static final int USER_IN = 0x10000;
    static final int USER_OUT = 0x20000;

    /**
     * RFC 3168 for reassembly ({@code ip_frag_ecn_table}): indexed by the OR of one bit per fragment's ECN
     * codepoint (1 not-ECT, 2 ECT(1), 4 ECT(0), 8 CE): 0xff drops the datagram (not-ECT mixed with ECT or CE),
     * 3 marks it CE (CE mixed with ECT), 0 leaves the first fragment's codepoint.
     */
    private static final int[] ECN_TABLE = {
        //  -    NE   E1   NE|E1 E0  NE|E0 E1|E0 NE|E1|E0
        0,    0,    0,    0xff, 0,   0xff, 0,    0xff,
        // CE  |NE  |E1   |NE|E1 |E0  |NE|E0 |E1|E0 |NE|E1|E0
        0,    0xff, 3,    0xff, 3,   0xff, 3,    0xff,
    };

    private final Engine net;
    final FragDir v4;
    final FragDir v6;

    Defrag(Engine net, long seed) {
        this.net = net;
        this.v4 = new FragDir("Ip", CoreSettings.IPFRAG_HIGH_THRESH, CoreSettings.IPFRAG_TIME, seed);
        this.v6 = new FragDir("Ip6", CoreSettings.FRAG6_HIGH_THRESH, CoreSettings.FRAG6_TIMEOUT,
            Long.rotateLeft(seed, 17) ^ 0x5DEECE66DL);
    }

    /**
     * The hook function ({@code ipv4_conntrack_defrag} / {@code ipv6_defrag}); records what it did in
     * {@link Packet#defrag}.
     */
    int hook(Packet p) {
        int v = p.family == Family.IPV4 ? hook4(p) : p.family == Family.IPV6 ? hook6(p) : Verdict.ACCEPT;
        p.defrag = v == Verdict.STOLEN ? Packet.DEFRAG_HELD : v == Verdict.DROP ? Packet.DEFRAG_DROPPED
            : p.fragCount > 0 ? Packet.DEFRAG_REBUILT : Packet.DEFRAG_PASSED;
        return v;
    }

    /** Drops the queues whose timeout has passed. */
    void expire(long now) {
        synchronized (v4) {
            v4.expire(now);
        }
        synchronized (v6) {
            v6.expire(now);
        }
    }

    Map<String, Long> counters() {
        Map<String, Long> m = FragDir.newCounterMap();
        v4.counters(m);
        v6.counters(m);
        return m;
    }

    /** {@code IP_DEFRAG_CONNTRACK_IN/OUT} plus the zone id of the packet's direction (its template's: new). */
    private static int user(Packet p) {
        int zone = p.ct != null ? p.ct.zoneId(CtInfo.direction(p.ctinfo)) : Zone.idFor(p.zone, Direction.ORIGINAL);
        return (p.hook == Hook.PRE_ROUTING ? USER_IN : USER_OUT) + zone;
    }

    private long timeoutJiffies(FragDir d) {
        return net.settings.get(d.timeout) * net.clock().hz();
    }

    // ---- IPv4 -----------------------------------------------------------------------------------------------

    private int hook4(Packet p) {
        if (p.ct == null && p.ctinfo == CtInfo.UNTRACKED) {
            return Verdict.ACCEPT;
        }
        if (p.length() < 20 || (p.u16(6) & 0x3fff) == 0) {
            return Verdict.ACCEPT;
        }
        int ihl = (p.u8(0) & 0x0f) << 2;
        if (ihl < 20 || ihl > p.length()) {
            // The IP layer has refused such a header before any hook; nothing to reassemble.
            return Verdict.ACCEPT;
        }
        int user = user(p);
        long now = net.now();
        synchronized (v4) {
            return queue4(p, ihl, user, now);
        }
    }

    /** {@code ip_defrag} and {@code ip_frag_queue}. */
    private int queue4(Packet p, int ihl, int user, long now) {
        FragDir d = v4;
        d.reqds.increment();
        d.expire(now);
        long maxDist = net.settings.get(CoreSettings.IPFRAG_MAX_DIST);
        FragQueue q = d.find(0, p.u32(12) & 0xffffffffL, 0, p.u32(16) & 0xffffffffL, p.u16(4), p.u8(9), user, 0,
            net.settings.get(d.highThresh), now, timeoutJiffies(d), maxDist > 0);
        if (q == null) {
            d.fails.increment();
            d.overLimit.increment();
            return Verdict.STOLEN;
        }
        if (q.peer != null && maxDist > 0) {
            // ipfrag_max_dist: too many fragments from this source since this queue's last one: start over.
            int start = q.rid;
            int end = ++q.peer.rid;
            q.rid = end;
            if (q.count > 0 && Integer.compareUnsigned(end - start, (int) maxDist) > 0) {
                d.fails.increment();
                d.restart(q, now + timeoutJiffies(d));
                q.flags = 0;
                q.len = 0;
                q.meat = 0;
                q.ecn = 0;
            }
        }
        int ecn = 1 << (p.u8(1) & 3);
        int fo = p.u16(6);
        int offset = (fo & 0x1fff) << 3;
        boolean more = (fo & 0x2000) != 0;
        boolean df = (fo & 0x4000) != 0;
        int end = offset + p.length() - ihl;
        if (!more) {
            // The final fragment fixes the length; one that contradicts it corrupts the datagram.
            if (end < q.len || (q.flags & FragQueue.LAST_IN) != 0 && end != q.len) {
                return discard4(q);
            }
            q.flags |= FragQueue.LAST_IN;
            q.len = end;
        } else {
            end &= ~7;
            if (end > q.len) {
                if ((q.flags & FragQueue.LAST_IN) != 0) {
                    return discard4(q);
                }
                q.len = end;
            }
        }
        if (end == offset) {
            return discard4(q);
        }
        int r = q.insert(offset, end);
        if (r == FragQueue.DUP) {
            d.dups.increment();
            return Verdict.STOLEN;
        }
        if (r == FragQueue.OVERLAP) {
            d.overlaps.increment();
            return discard4(q);
        }
        int n = end - offset;
        q.addFragment(offset, p.array(), p.head() + ihl, n, p.cookie);
        q.meat += n;
        q.ecn |= ecn;
        d.charge(q, FragDir.truesize(p.length()));
        if (offset == 0) {
            q.flags |= FragQueue.FIRST_IN;
            q.head = Arrays.copyOfRange(p.array(), p.head(), p.head() + ihl);
        }
        int fragsize = n + ihl;
        if (fragsize > q.maxSize) {
            q.maxSize = fragsize;
        }
        if (df && fragsize > q.maxDfSize) {
            q.maxDfSize = fragsize;
        }
        if (q.flags == (FragQueue.FIRST_IN | FragQueue.LAST_IN) && q.meat == q.len) {
            return reassemble4(q, p);
        }
        return Verdict.STOLEN;
    }

    private int discard4(FragQueue q) {
        v4.kill(q);
        v4.fails.increment();
        return Verdict.STOLEN;
    }

    /** {@code ip_frag_reasm}: the datagram replaces the packet; its header is the first fragment's. */
    private int reassemble4(FragQueue q, Packet p) {
        FragDir d = v4;
        int ecn = ECN_TABLE[q.ecn & 0xf];
        int hlen = q.head.length;
        int total = hlen + q.len;
        if (ecn == 0xff || total > Packet.MAX_LENGTH) {
            d.kill(q);
            d.fails.increment();
            return Verdict.STOLEN;
        }
        build(d, q, p, hlen, total);
        p.put16(2, total);
        p.put8(1, p.u8(1) | ecn);
        // DF only when the largest fragment had it, so that a DF datagram is never sent bigger than its sender's
        // fragments were (the kernel's IPSKB_FRAG_PMTU).
        p.put16(6, q.maxDfSize == q.maxSize ? 0x4000 : 0);
        p.put16(10, Checksum.ipv4Header(p));
        p.fragMaxSize = Math.max(q.maxDfSize, q.maxSize);
        d.kill(q);
        d.oks.increment();
        return Verdict.ACCEPT;
    }

    // ---- IPv6 -----------------------------------------------------------------------------------------------

    private static int extLength(Packet p, int off, int nh) {
        return nh == IpProto.AH ? (p.u8(off + 1) + 2) << 2 : (p.u8(off + 1) + 1) << 3;
    }

    private int hook6(Packet p) {
        if (p.ct != null || p.ctinfo == CtInfo.UNTRACKED) {
            return Verdict.ACCEPT;
        }
        if (p.length() < 40 || p.u16(4) == 0 || 40 + p.u16(4) > p.length()) {
            // No fragment header to look for (a jumbogram), or a length the IP layer refuses before any hook.
            return Verdict.ACCEPT;
        }
        // find_prev_fhdr: the fragment header and the next-header field that names it.
        int nexthdr = p.u8(6);
        int prevNhoff = 6;
        int start = 40;
        int left = p.length() - 40;
        while (nexthdr != IpProto.FRAGMENT) {
            if (!Ipv6Headers.isExtension(nexthdr) || nexthdr == IpProto.NONE || left < 2) {
                return Verdict.ACCEPT;
            }
            int hdrlen = extLength(p, start, nexthdr);
            // Linux keeps this offset in a u8: beyond 255 bytes of extension headers it wraps.
            prevNhoff = start & 0xff;
            nexthdr = p.u8(start);
            left -= hdrlen;
            start += hdrlen;
        }
        if (left < 0) {
            return Verdict.ACCEPT;
        }
        int fhoff = start;
        if (firstFragmentTruncated(p, fhoff)) {
            // RFC 8200 4.5 wants it dropped; Linux lets it through unreassembled (conntrack then judges it).
            return Verdict.ACCEPT;
        }
        if (fhoff + 8 > p.length()) {
            return Verdict.DROP;
        }
        int user = user(p);
        long now = net.now();
        synchronized (v6) {
            return queue6(p, fhoff, prevNhoff, user, now);
        }
    }

    /** {@code ipv6frag_thdr_truncated}: a first fragment that does not hold its transport header. */
    private static boolean firstFragmentTruncated(Packet p, int fhoff) {
        long w = Ipv6Headers.skip(p, fhoff, IpProto.FRAGMENT);
        if (w < 0 || (Ipv6Headers.fragOffset(w) & 0xfff8) != 0) {
            return false;
        }
        int nh = Ipv6Headers.protocol(w);
        int off = Ipv6Headers.offset(w);
        switch (nh) {
            case IpProto.TCP:
                off += 20;
                break;
            case IpProto.UDP:
            case IpProto.ICMPV6:
                off += 8;
                break;
            default:
                off += 1;
        }
        return off > p.length();
    }

    /** {@code nf_ct_frag6_gather} and {@code nf_ct_frag6_queue}. */
    private int queue6(Packet p, int fhoff, int prevNhoff, int user, long now) {
        FragDir d = v6;
        d.reqds.increment();
        d.expire(now);
        long dHi = p.u64(24);
        boolean scoped = (dHi >>> 56) == 0xff || (dHi >>> 54) == 0x3fa;
        int iif = !scoped ? 0 : p.in != null ? p.in.index() : p.out != null ? p.out.index() : 0;
        FragQueue q = d.find(p.u64(8), p.u64(16), dHi, p.u64(32), p.u32(fhoff + 4), 0, user, iif,
            net.settings.get(d.highThresh), now, timeoutJiffies(d), false);
        if (q == null) {
            d.fails.increment();
            d.overLimit.increment();
            return Verdict.DROP;
        }
        int payloadLen = p.u16(4);
        int fo = p.u16(fhoff + 2);
        int offset = fo & ~7;
        int end = offset + payloadLen - (fhoff + 8 - 40);
        if (end > 65535) {
            d.fails.increment();
            return Verdict.DROP;
        }
        int ecn = 1 << ((p.u8(1) >>> 4) & 3);
        if ((fo & 1) == 0) {
            if (end < q.len || (q.flags & FragQueue.LAST_IN) != 0 && end != q.len) {
                d.fails.increment();
                return Verdict.DROP;
            }
            q.flags |= FragQueue.LAST_IN;
            q.len = end;
        } else {
            if ((end & 7) != 0) {
                // RFC 8200 wants a parameter problem; Linux forgets the queue and lets the fragment pass.
                d.kill(q);
                d.fails.increment();
                return Verdict.ACCEPT;
            }
            if (end > q.len) {
                if ((q.flags & FragQueue.LAST_IN) != 0) {
                    d.fails.increment();
                    return Verdict.DROP;
                }
                q.len = end;
            }
        }
        if (end == offset) {
            d.fails.increment();
            return Verdict.DROP;
        }
        int r = q.insert(offset, end);
        if (r == FragQueue.DUP) {
            d.dups.increment();
            return Verdict.STOLEN;
        }
        if (r == FragQueue.OVERLAP) {
            d.overlaps.increment();
            d.kill(q);
            d.fails.increment();
            return Verdict.DROP;
        }
        int n = end - offset;
        q.addFragment(offset, p.array(), p.head() + fhoff + 8, n, p.cookie);
        q.meat += n;
        q.ecn |= ecn;
        if (payloadLen > q.maxSize) {
            q.maxSize = payloadLen;
        }
        d.charge(q, FragDir.truesize(p.length()));
        if (offset == 0) {
            q.nhoff = prevNhoff;
            q.fragNexthdr = p.u8(fhoff);
            q.flags |= FragQueue.FIRST_IN;
            q.head = Arrays.copyOfRange(p.array(), p.head(), p.head() + fhoff);
        }
        if (q.flags == (FragQueue.FIRST_IN | FragQueue.LAST_IN) && q.meat == q.len) {
            return reassemble6(q, p);
        }
        return Verdict.STOLEN;
    }

    /**
     * {@code nf_ct_frag6_reasm}: the first fragment's unfragmentable part, its fragment header removed (the
     * header before it names what the fragment header named), then the fragments' data.
     */
    private int reassemble6(FragQueue q, Packet p) {
        FragDir d = v6;
        int ecn = ECN_TABLE[q.ecn & 0xf];
        int unfrag = q.head.length;
        int payload = unfrag - 40 + q.len;
        if (ecn == 0xff || payload > 65535) {
            d.kill(q);
            d.fails.increment();
            return Verdict.STOLEN;
        }
        int total = 40 + payload;
        build(d, q, p, unfrag, total);
        if (q.nhoff < total) {
            p.put8(q.nhoff, q.fragNexthdr);
        }
        p.put16(4, payload);
        p.put8(1, p.u8(1) | ecn << 4);
        p.fragMaxSize = 40 + q.maxSize;
        d.kill(q);
        d.oks.increment();
        return Verdict.ACCEPT;
    }

    // ---- both -----------------------------------------------------------------------------------------------

    /**
     * Writes the datagram ({@code hlen} bytes of the first fragment's header, then every fragment's data at its
     * offset) into {@code p}, and the fragments' cookies (arrival order) and lengths (offset order).
     */
    private static void build(FragDir d, FragQueue q, Packet p, int hlen, int total) {
        if (d.scratch.length < total) {
            d.scratch = new byte[Math.max(total, Math.min(2 * d.scratch.length, 65535 + 64))];
        }
        byte[] b = d.scratch;
        System.arraycopy(q.head, 0, b, 0, hlen);
        int n = q.count;
        if (d.order.length < n) {
            d.order = new long[Math.max(n, 2 * d.order.length)];
        }
        long[] order = d.order;
        if (p.fragCookies.length < n) {
            p.fragCookies = new long[Math.max(n, 2 * p.fragCookies.length)];
        }
        if (p.fragLengths.length < n) {
            p.fragLengths = new int[Math.max(n, 2 * p.fragLengths.length)];
        }
        for (int i = 0; i < n; i++) {
            System.arraycopy(q.fragData[i], 0, b, hlen + q.fragOff[i], q.fragLen[i]);
            order[i] = (long) q.fragOff[i] << 32 | i;
            p.fragCookies[i] = q.fragCookie[i];
        }
        Arrays.sort(order, 0, n);
        for (int i = 0; i < n; i++) {
            p.fragLengths[i] = q.fragLen[(int) order[i]];
        }
        p.fragCount = n;
        p.load(b, 0, total, p.head());
        p.l4proto = -1;
        p.l4off = -1;
    }
}
