package org.conntrack4j.io.afpacket;

/**
 * Undoes the kernel's offloads on received frames, from the virtio_net_hdr that PACKET_VNET_HDR puts in
 * front of each one: a frame merged by GRO or sent by a local/virtual peer with TSO/USO (gso_type, gso_size)
 * is cut into the segments the wire would have carried, each with its own lengths, IPv4 id, TCP sequence
 * number and full checksums, as the kernel's software GSO does; a checksum left for the hardware
 * (NEEDS_CSUM, csum_start/csum_offset) is completed. What cannot be undone (UFO, an IPv6 routing or
 * fragment header, headers that do not parse) is refused: the caller drops and counts the frame.
 *
 * <p>One instance per queue holds the frame being segmented, so a frame whose segments do not all fit in
 * the caller's batch is continued on the next call. Pure Java over byte arrays; allocates nothing.
 */
final class Offload {

    // struct virtio_net_hdr (linux/virtio_net.h), little-endian as PACKET_VNET_HDR writes it
    static final int VNET_HDR_LEN = 10;
    static final int VNET_FLAGS = 0;
    static final int VNET_GSO_TYPE = 1;
    static final int VNET_GSO_SIZE = 4;
    static final int VNET_CSUM_START = 6;
    static final int VNET_CSUM_OFFSET = 8;
    static final int F_NEEDS_CSUM = 1;
    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_UDP = 3;
    static final int GSO_TCPV6 = 4;
    static final int GSO_UDP_L4 = 5;
    static final int GSO_ECN = 0x80;

    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_CWR = 0x80;

    // the frame being segmented: src[off, end) holds headers then payload
    private byte[] src;
    private int off;
    private int l3;
    private int l4;
    private int hdrs;
    private int end;
    private int mss;
    private int segments;
    private int proto;
    private boolean v6;

    /** Segments of the prepared frame. */
    int segments() {
        return segments;
    }

    /** Length of the prepared frame's longest segment (the first). */
    int longestSegment() {
        return hdrs - off + Math.min(mss, end - hdrs);
    }

    /**
     * Parses the GSO frame {@code b[off, off + len)} for segmentation.
     *
     * @return false when it cannot be segmented (unknown or UFO type, no gso_size, headers that do not
     *     parse or do not match the type)
     */
    boolean prepare(byte[] b, int off, int len, int gsoType, int gsoSize) {
        segments = 0;
        if (gsoSize <= 0 || parse(b, off, len) != (gsoType & ~GSO_ECN)) {
            return false;
        }
        this.mss = gsoSize;
        this.segments = (end - hdrs + gsoSize - 1) / gsoSize;
        return true;
    }

    /**
     * Reads the headers of the frame {@code b[off, off + len)}: Ethernet (up to two VLAN tags), IPv4 (not
     * a fragment) or IPv6 (hop-by-hop and destination options only: a routing header changes the
     * checksum's destination, a fragment header cannot be on a GSO frame), then TCP or UDP with payload.
     *
     * @return the GSO type such a frame has ({@link #GSO_TCPV4}, {@link #GSO_TCPV6}, {@link #GSO_UDP_L4}),
     *     or -1 when the headers do not parse
     */
    int parse(byte[] b, int off, int len) {
        segments = 0;
        if (len < 14) {
            return -1;
        }
        int limit = off + len;
        int p = off + 12;
        int ethertype = u16(b, p);
        p += 2;
        for (int tags = 0; (ethertype == 0x8100 || ethertype == 0x88a8) && tags < 2; tags++) {
            if (p + 4 > limit) {
                return -1;
            }
            ethertype = u16(b, p + 2);
            p += 4;
        }
        int l3 = p;
        int l4;
        int proto;
        int end;
        boolean v6;
        if (ethertype == 0x0800) {
            if (l3 + 20 > limit || (b[l3] & 0xf0) != 0x40) {
                return -1;
            }
            int ihl = (b[l3] & 0xf) * 4;
            end = l3 + u16(b, l3 + 2);
            if (ihl < 20 || end > limit || l3 + ihl > end || (u16(b, l3 + 6) & 0x3fff) != 0) {
                return -1;
            }
            proto = b[l3 + 9] & 0xff;
            l4 = l3 + ihl;
            v6 = false;
        } else if (ethertype == 0x86dd) {
            if (l3 + 40 > limit || (b[l3] & 0xf0) != 0x60) {
                return -1;
            }
            end = l3 + 40 + u16(b, l3 + 4);
            if (end > limit) {
                return -1;
            }
            proto = b[l3 + 6] & 0xff;
            l4 = l3 + 40;
            while (proto == 0 || proto == 60) {
                if (l4 + 8 > end) {
                    return -1;
                }
                proto = b[l4] & 0xff;
                l4 += ((b[l4 + 1] & 0xff) + 1) * 8;
            }
            v6 = true;
        } else {
            return -1;
        }
        int hdrs;
        int type;
        if (proto == 6) {
            if (l4 + 20 > end) {
                return -1;
            }
            hdrs = l4 + ((b[l4 + 12] & 0xf0) >> 2);
            if (hdrs < l4 + 20) {
                return -1;
            }
            type = v6 ? GSO_TCPV6 : GSO_TCPV4;
        } else if (proto == 17) {
            hdrs = l4 + 8;
            type = GSO_UDP_L4;
        } else {
            return -1;
        }
        if (hdrs >= end) {
            return -1;
        }
        this.src = b;
        this.off = off;
        this.l3 = l3;
        this.l4 = l4;
        this.hdrs = hdrs;
        this.end = end;
        this.proto = proto;
        this.v6 = v6;
        return type;
    }

    /** Whether the parsed frame may leave in segments: IPv6, or IPv4 with DF (else Linux would fragment them). */
    boolean dontFragment() {
        return v6 || (src[l3 + 6] & 0x40) != 0;
    }

    /**
     * Gives the parsed frame a full transport checksum over all of its payload, as if it had come in one
     * piece: the engine verifies and NAT updates that one like any other (0 written as 0xffff for UDP).
     */
    void fullChecksum() {
        int check = l4 + (proto == 6 ? 16 : 6);
        put16(src, check, 0);
        int c = ~fold(sum(src, l4, end - l4, pseudoHeader(src, l3, v6, proto, end - l4))) & 0xffff;
        put16(src, check, c == 0 && proto == 17 ? 0xffff : c);
    }

    /**
     * Makes the parsed frame ready to leave whole for the kernel to segment: the virtio_net_hdr at
     * {@code hdr} (10 bytes, little-endian: NEEDS_CSUM, the GSO type, hdr_len, gso_size, csum_start and
     * csum_offset from the frame's first byte), and the transport checksum field set to the sum of the
     * pseudo-header over the whole payload's length (a partial checksum: the device adds the payload of
     * each segment and adjusts the length). Computed from the headers as they are now, so whatever NAT or
     * a helper rewrote before is in it.
     *
     * @return the network length of the largest segment (IP and transport headers plus {@code gsoSize}),
     *     which must fit the MTU
     */
    int vnetHeader(byte[] h, int hdr, int gsoSize) {
        int type = proto == 17 ? GSO_UDP_L4 : v6 ? GSO_TCPV6 : GSO_TCPV4;
        if (proto == 6 && (src[l4 + 13] & TCP_CWR) != 0) {
            type |= GSO_ECN; // as GRO marks a merged segment that carried CWR
        }
        int checkOffset = proto == 6 ? 16 : 6;
        put16(src, l4 + checkOffset, fold(pseudoHeader(src, l3, v6, proto, end - l4)));
        h[hdr + VNET_FLAGS] = F_NEEDS_CSUM;
        h[hdr + VNET_GSO_TYPE] = (byte) type;
        putLe16(h, hdr + 2, hdrs - off);
        putLe16(h, hdr + VNET_GSO_SIZE, gsoSize);
        putLe16(h, hdr + VNET_CSUM_START, l4 - off);
        putLe16(h, hdr + VNET_CSUM_OFFSET, checkOffset);
        return hdrs - l3 + gsoSize;
    }

    private static void putLe16(byte[] b, int i, int v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >>> 8);
    }

    /**
     * Writes segment {@code i} (0 to {@code segments() - 1}) of the prepared frame to {@code dst[dstOff]}.
     *
     * @return its length
     */
    int writeSegment(int i, byte[] dst, int dstOff) {
        int hlen = hdrs - off;
        int start = hdrs + i * mss;
        int segLen = Math.min(mss, end - start);
        System.arraycopy(src, off, dst, dstOff, hlen);
        System.arraycopy(src, start, dst, dstOff + hlen, segLen);
        int d3 = dstOff + (l3 - off);
        int d4 = dstOff + (l4 - off);
        int l4len = hdrs - l4 + segLen;
        if (v6) {
            put16(dst, d3 + 4, hdrs - l3 - 40 + segLen);
        } else {
            int ihl = l4 - l3;
            put16(dst, d3 + 2, hdrs - l3 + segLen);
            put16(dst, d3 + 4, u16(src, l3 + 4) + i);
            put16(dst, d3 + 10, 0);
            put16(dst, d3 + 10, ~fold(sum(dst, d3, ihl, 0)));
        }
        int check;
        if (proto == 6) {
            put32(dst, d4 + 4, u32(src, l4 + 4) + i * mss);
            int flags = src[l4 + 13] & 0xff;
            if (i != segments - 1) {
                flags &= ~(TCP_FIN | TCP_PSH);
            }
            if (i != 0) {
                flags &= ~TCP_CWR;
            }
            dst[d4 + 13] = (byte) flags;
            check = d4 + 16;
        } else {
            put16(dst, d4 + 4, l4len);
            check = d4 + 6;
        }
        put16(dst, check, 0);
        int c = ~fold(sum(dst, d4, l4len, pseudoHeader(dst, d3, v6, proto, l4len))) & 0xffff;
        put16(dst, check, c == 0 && proto == 17 ? 0xffff : c);
        return hlen + segLen;
    }

    /**
     * Completes a partial checksum in place: the field at {@code start + offset} holds the pseudo-header
     * sum, the hardware would add everything from {@code start} to the end of the frame and store the
     * complement (0 written as 0xffff, as the kernel's skb_checksum_help).
     *
     * @param start csum_start, from the frame's first byte
     * @return false when start and offset do not fit the frame
     */
    static boolean completeChecksum(byte[] b, int off, int len, int start, int offset) {
        if (start < 14 || offset < 0 || start + offset + 2 > len) {
            return false;
        }
        int c = ~fold(sum(b, off + start, len - start, 0)) & 0xffff;
        put16(b, off + start + offset, c == 0 ? 0xffff : c);
        return true;
    }

    /** The unfolded sum of the IPv4 or IPv6 pseudo-header of a transport segment of {@code l4len} bytes. */
    static long pseudoHeader(byte[] b, int l3, boolean v6, int proto, int l4len) {
        return v6 ? sum(b, l3 + 8, 32, proto + l4len) : sum(b, l3 + 12, 8, proto + l4len);
    }

    /**
     * One's complement sum of 16-bit big-endian words (an odd last byte padded with zero), unfolded. Eight bytes
     * are read at once and added as two 32-bit numbers: each holds two whole words from the start of the range,
     * so the folded result is the same, in a quarter of the loads (a super-frame is 64 KiB).
     */
    static long sum(byte[] b, int off, int len, long acc) {
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            long w = (long) BE64.get(b, i);
            acc += (w >>> 32) + (w & 0xffffffffL);
        }
        for (; i + 2 <= end; i += 2) {
            acc += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        }
        if (i < end) {
            acc += (b[i] & 0xff) << 8;
        }
        return acc;
    }

    private static final java.lang.invoke.VarHandle BE64 = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
        long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    static int u16(byte[] b, int i) {
        return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    }

    static int u32(byte[] b, int i) {
        return (u16(b, i) << 16) | u16(b, i + 2);
    }

    static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    static void put32(byte[] b, int i, int v) {
        put16(b, i, v >>> 16);
        put16(b, i + 2, v);
    }
}
