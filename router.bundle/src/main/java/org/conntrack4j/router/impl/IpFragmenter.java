package org.conntrack4j.router.impl;

import java.io.IOException;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;

/**
 * Splitting a datagram into fragments for a link, as Linux's {@code ip_do_fragment} and {@code ip6_fragment}
 * do on output. A datagram rebuilt by defragmentation leaves in pieces no larger than the largest fragment
 * received ({@link Packet#fragMaxSize}); when every received fragment fits, in exactly their sizes (the
 * kernel's {@code frag_list} fast path, which also drops IPv4's DF; a TCP first fragment too short for the TCP
 * header has grown to hold it on the way in), otherwise cut as large as the limit allows (multiples of 8 bytes
 * but the last). Fragments always go out in offset order; IPv4 keeps the datagram's identification, IPv6 draws
 * a new one.
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
    /** Piece sizes of the fast path ({@link #fastPathPieces}), reused from packet to packet. */
    private int[] piece = new int[8];
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
        int pieces = p.fragCount > 0 && (fo & 0x3fff) == 0 ? fastPathPieces(p, p.u8(9), dataLen, room) : 0;
        if (pieces > 0) {
            int offset = 0;
            for (int i = 0; i < pieces; i++) {
                int len = piece[i];
                int field = offset >>> 3 | (i < pieces - 1 ? IP_MF : 0);
                writeV4(p, hlen, hlen + offset, len, field, i == 0);
                out.emit(hlen + len);
                offset += len;
            }
            return pieces;
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
     * How many pieces the {@code frag_list} fast path sends (their sizes in {@link #piece}), or 0 when its
     * geometry check fails and the datagram is cut by copying. The pieces are the received fragments, except
     * that the input path has already made the transport header linear ({@link #linearTransportBytes}): a first
     * fragment shorter than that took the missing bytes from the front of the following ones (one taken whole is
     * gone). Every piece must fit the room, the first and all but the last be multiples of 8, and the sizes
     * still add up to the payload (a rewrite that changed the length leaves the copying path, as it does in
     * Linux where such a rewrite linearizes the buffer).
     */
    private int fastPathPieces(Packet p, int proto, int dataLen, int room) {
        int n = p.fragCount;
        if (piece.length < n) {
            piece = new int[Math.max(n, 2 * piece.length)];
        }
        int first = p.fragLengths[0];
        int next = 1;
        int taken = 0;
        int pull = linearTransportBytes(proto);
        if (first < pull && pull <= dataLen) {
            taken = pull - first;
            first = pull;
            while (next < n && p.fragLengths[next] <= taken) {
                taken -= p.fragLengths[next++];
            }
            if (next == n && taken > 0) {
                return 0;
            }
        }
        int m = 0;
        piece[m++] = first;
        for (; next < n; next++) {
            piece[m++] = p.fragLengths[next] - taken;
            taken = 0;
        }
        int sum = 0;
        for (int i = 0; i < m; i++) {
            int len = piece[i];
            if (len > room || (len & 7) != 0 && (i < m - 1 || i == 0)) {
                return 0;
            }
            sum += len;
        }
        return sum == dataLen ? m : 0;
    }

    /**
     * Transport bytes the input path has made linear in a rebuilt datagram before it is cut again: early demux
     * ({@code tcp_v4_early_demux}, {@code udp_v4_early_demux} and the IPv6 ones, run on every packet the IP
     * layer receives, forwarded ones too, when the IP header names TCP or UDP directly) pulls the TCP or UDP
     * header into the first buffer; NAT's rewrites need no more than that. Only a TCP first fragment of 8 or 16
     * bytes is affected: a UDP one always holds its 8.
     */
    private static int linearTransportBytes(int proto) {
        return proto == IpProto.TCP ? 20 : proto == IpProto.UDP ? 8 : 0;
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
        // early demux looks at the IPv6 header's next header only: with extension headers it pulls nothing
        int pieces = p.fragCount > 0 ? fastPathPieces(p, hlen == 40 ? p.u8(6) : 0, dataLen, room) : 0;
        if (pieces > 0) {
            int offset = 0;
            for (int i = 0; i < pieces; i++) {
                int len = piece[i];
                writeV6(p, hlen, prevhdr, nexthdr, hlen + offset, len, offset | (i < pieces - 1 ? 1 : 0), id);
                out.emit(hlen + 8 + len);
                offset += len;
            }
            return pieces;
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
