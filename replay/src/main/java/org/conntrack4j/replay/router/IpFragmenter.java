package org.conntrack4j.replay.router;

import java.io.IOException;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;

/**
 * Splitting a datagram into fragments for a link, as Linux's {@code ip_do_fragment} and {@code ip6_fragment}
 * do on output. A datagram rebuilt by defragmentation leaves in pieces no larger than the largest fragment
 * received ({@link Packet#fragMaxSize}); when every received fragment fits, in exactly their sizes (the
 * kernel's {@code frag_list} fast path, which also drops IPv4's DF), otherwise cut as large as the limit
 * allows (multiples of 8 bytes but the last). Fragments always go out in offset order; IPv4 keeps the
 * datagram's identification, IPv6 draws a new one.
 *
 * <p>Each fragment is written into the caller's frame buffer after the link header and handed to an
 * {@link Emitter}. Single-threaded, as its router is.
 */
final class IpFragmenter {
    /** Receives each fragment, whose {@code ipLength} bytes are in the frame buffer at the link header's end. */
    @FunctionalInterface
    interface Emitter {
        void emit(int ipLength) throws IOException;
    }

    /** IPv6's minimum link MTU. */
    static final int IPV6_MIN_MTU = 1280;
    private static final int IP_MF = 0x2000;
    private static final int IP_DF = 0x4000;

    private final byte[] frame;
    private final int base;
    /** Fragment identifications for IPv6: Linux picks them at random; a fixed sequence keeps replays equal. */
    private int nextId6 = 0x5eed0001;

    IpFragmenter(byte[] frame, int base) {
        this.frame = frame;
        this.base = base;
    }

    /**
     * {@code ip_do_fragment} for an IPv4 packet on a link of {@code mtu} bytes. Returns the number of
     * fragments sent, or -1 when the MTU cannot carry a header and 8 bytes (the packet is dropped).
     */
    int fragmentV4(Packet p, int mtu, Emitter out) throws IOException {
        int limit = p.fragMaxSize != 0 && p.fragMaxSize < mtu ? p.fragMaxSize : mtu;
        int hlen = (p.u8(0) & 0x0f) << 2;
        if (limit < hlen + 8) {
            return -1;
        }
        int room = limit - hlen;
        int fo = p.u16(6);
        int dataLen = p.length() - hlen;
        if (p.fragCount > 0 && (fo & 0x3fff) == 0 && geometryFits(p, dataLen, room)) {
            int offset = 0;
            for (int i = 0; i < p.fragCount; i++) {
                int len = p.fragLengths[i];
                int field = offset >>> 3 | (i < p.fragCount - 1 ? IP_MF : 0);
                writeV4(p, hlen, hlen + offset, len, field, i == 0);
                out.emit(hlen + len);
                offset += len;
            }
            return p.fragCount;
        }
        // IPSKB_FRAG_PMTU: a datagram rebuilt from DF fragments keeps DF on its pieces.
        boolean df = p.fragMaxSize != 0 && (fo & IP_DF) != 0;
        boolean moreAfter = (fo & IP_MF) != 0;
        int offset = (fo & 0x1fff) << 3;
        int ptr = hlen;
        int left = dataLen;
        int n = 0;
        while (left > 0) {
            int len = Math.min(left, room);
            if (len < left) {
                len &= ~7;
            }
            left -= len;
            int field = offset >>> 3 | (df ? IP_DF : 0) | (left > 0 || moreAfter ? IP_MF : 0);
            writeV4(p, hlen, ptr, len, field, n == 0 && offset == 0);
            out.emit(hlen + len);
            ptr += len;
            offset += len;
            n++;
        }
        return n;
    }

    /**
     * Do the received fragments' sizes fit as they are ({@code frag_list} geometry check)? Their sum must still
     * be the datagram's payload (a rewrite that changed the length leaves the copying path, as it does in Linux
     * where such a rewrite linearizes the buffer).
     */
    private static boolean geometryFits(Packet p, int dataLen, int room) {
        int sum = 0;
        int last = p.fragCount - 1;
        for (int i = 0; i <= last; i++) {
            int len = p.fragLengths[i];
            if (len > room || (len & 7) != 0 && (i < last || i == 0)) {
                return false;
            }
            sum += len;
        }
        return sum == dataLen;
    }

    private void writeV4(Packet p, int hlen, int dataOff, int len, int field, boolean first) {
        byte[] src = p.array();
        int h = p.head();
        System.arraycopy(src, h, frame, base, hlen);
        if (!first) {
            optionsForLaterFragments(hlen);
        }
        System.arraycopy(src, h + dataOff, frame, base + hlen, len);
        put16(base + 2, hlen + len);
        put16(base + 6, field);
        put16(base + 10, 0);
        put16(base + 10, headerChecksum(hlen));
    }

    /**
     * {@code ip_options_fragment}: fragments after the first carry only the options marked "copied"; the
     * others become no-operation bytes, keeping the header length.
     */
    private void optionsForLaterFragments(int hlen) {
        int i = base + 20;
        int end = base + hlen;
        while (i < end) {
            int type = frame[i] & 0xff;
            if (type == 0) {
                return;
            }
            if (type == 1) {
                i++;
                continue;
            }
            if (i + 1 >= end) {
                return;
            }
            int olen = frame[i + 1] & 0xff;
            if (olen < 2 || olen > end - i) {
                return;
            }
            if ((type & 0x80) == 0) {
                for (int k = 0; k < olen; k++) {
                    frame[i + k] = 1;
                }
            }
            i += olen;
        }
    }

    private int headerChecksum(int hlen) {
        long s = 0;
        for (int i = 0; i < hlen; i += 2) {
            s += (frame[base + i] & 0xff) << 8 | (frame[base + i + 1] & 0xff);
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) ~s & 0xffff;
    }

    /**
     * {@code ip6_fragment} for an IPv6 packet on a link of {@code mtu} bytes. {@code ignoreDf}: the packet may
     * be fragmented although bigger than the MTU (locally generated, or rebuilt by defragmentation). Returns
     * the number of fragments sent, or {@code -mtu} when the packet is too big (the caller answers with a
     * packet-too-big carrying that MTU), or {@code Integer.MIN_VALUE} when it cannot be parsed.
     */
    int fragmentV6(Packet p, int mtu, boolean ignoreDf, Emitter out) throws IOException {
        int first = firstFragmentable(p);
        if (first < 0) {
            return Integer.MIN_VALUE;
        }
        int hlen = first >>> 16;
        int prevhdr = first & 0xffff;
        int limit = mtu;
        if (!ignoreDf && p.length() > limit) {
            return -limit;
        }
        if (p.fragMaxSize != 0) {
            if (p.fragMaxSize > limit) {
                return -limit;
            }
            // Not larger than what was received.
            limit = Math.max(p.fragMaxSize, IPV6_MIN_MTU);
        }
        if (limit < hlen + 8 + 8) {
            return -mtu;
        }
        int room = limit - hlen - 8;
        int id = nextId6;
        nextId6 = nextId6 * 1103515245 + 12345;
        if (id == 0) {
            id = 1;
        }
        int nexthdr = p.u8(prevhdr);
        int dataLen = p.length() - hlen;
        if (p.fragCount > 0 && geometryFits(p, dataLen, room)) {
            int offset = 0;
            for (int i = 0; i < p.fragCount; i++) {
                int len = p.fragLengths[i];
                writeV6(p, hlen, prevhdr, nexthdr, hlen + offset, len, offset | (i < p.fragCount - 1 ? 1 : 0), id);
                out.emit(hlen + 8 + len);
                offset += len;
            }
            return p.fragCount;
        }
        int ptr = hlen;
        int left = dataLen;
        int offset = 0;
        int n = 0;
        while (left > 0) {
            int len = Math.min(left, room);
            if (len < left) {
                len &= ~7;
            }
            left -= len;
            writeV6(p, hlen, prevhdr, nexthdr, ptr, len, offset | (left > 0 ? 1 : 0), id);
            out.emit(hlen + 8 + len);
            ptr += len;
            offset += len;
            n++;
        }
        return n;
    }

    private void writeV6(Packet p, int hlen, int prevhdr, int nexthdr, int dataOff, int len, int field, int id) {
        byte[] src = p.array();
        int h = p.head();
        System.arraycopy(src, h, frame, base, hlen);
        frame[base + prevhdr] = (byte) IpProto.FRAGMENT;
        int f = base + hlen;
        frame[f] = (byte) nexthdr;
        frame[f + 1] = 0;
        put16(f + 2, field);
        put16(f + 4, id >>> 16);
        put16(f + 6, id);
        System.arraycopy(src, h + dataOff, frame, f + 8, len);
        put16(base + 4, hlen - 40 + 8 + len);
    }

    /**
     * {@code ip6_find_1stfragopt}: the length of the unfragmentable part (hop-by-hop options, routing header,
     * and destination options that come before a routing header) as {@code length << 16 | prevhdr}, where
     * prevhdr is the offset of the next-header field to point at the fragment header; -1 if malformed.
     */
    static int firstFragmentable(Packet p) {
        if (p.family != Family.IPV6 || p.length() < 40) {
            return -1;
        }
        int offset = 40;
        int prevhdr = 6;
        boolean routing = false;
        int len = p.length();
        while (offset <= len) {
            int nh = p.u8(prevhdr);
            if (nh == IpProto.ROUTING) {
                routing = true;
            } else if (nh == IpProto.DSTOPTS) {
                if (routing) {
                    return offset << 16 | prevhdr;
                }
            } else if (nh != IpProto.HOPOPTS) {
                return offset << 16 | prevhdr;
            }
            if (offset + 2 > len) {
                return -1;
            }
            prevhdr = offset;
            offset += (p.u8(offset + 1) + 1) << 3;
            if (offset > 65535) {
                return -1;
            }
        }
        return -1;
    }

    private void put16(int i, int v) {
        frame[i] = (byte) (v >>> 8);
        frame[i + 1] = (byte) v;
    }
}
