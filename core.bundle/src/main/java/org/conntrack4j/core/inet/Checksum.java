package org.conntrack4j.core.inet;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Packet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Internet checksums (RFC 1071) over packet bytes, with the IPv4/IPv6 pseudo-headers, and their
 * incremental update (RFC 1624) for NAT. Sums are kept unfolded in a long until {@link #fold}. Also SCTP's
 * CRC32c (RFC 9260 appendix A), which the SCTP tracker checks and NAT recomputes.
 */
public final class Checksum {
    private Checksum() {
    }

    /** Big-endian views for reading eight and four bytes at once (one bounds check, one load). */
    private static final VarHandle BE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle BE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    /**
     * Adds {@code n} bytes at {@code off} (relative to the network header) to {@code sum}. Words are read eight
     * bytes at a time and added as two 32-bit halves: the ones' complement sum of 32-bit big-endian chunks
     * folds to the same 16-bit sum as one of 16-bit words, since each chunk is two whole words.
     */
    public static long add(Packet p, int off, int n, long sum) {
        byte[] d = p.array();
        int i = p.head() + off;
        int end = i + n;
        long s = sum;
        for (; i + 8 <= end; i += 8) {
            long w = (long) BE64.get(d, i);
            s += (w >>> 32) + (w & 0xffffffffL);
        }
        if (i + 4 <= end) {
            s += (int) BE32.get(d, i) & 0xffffffffL;
            i += 4;
        }
        if (i + 2 <= end) {
            s += (d[i] & 0xff) << 8 | (d[i + 1] & 0xff);
            i += 2;
        }
        if (i < end) {
            s += (d[i] & 0xff) << 8;
        }
        return s;
    }

    /** Folds a sum to 16 bits (not complemented). */
    public static int fold(long sum) {
        // Adding a word to itself rotated by half its width puts the sum of its halves, end-around carry included,
        // in its upper half (Linux's csum_fold does this for 32 bits): two such steps fold 64 bits to 16, with no
        // loop and no data-dependent branch. Zero stays zero and only zero gives zero, as with repeated folding.
        long s = sum + Long.rotateRight(sum, 32);
        int w = (int) (s >>> 32);
        return (w + Integer.rotateRight(w, 16)) >>> 16;
    }

    /** The pseudo-header sum of the IP packet at offset 0 for an L4 segment of {@code l4len} bytes. */
    public static long pseudoHeader(Packet p, int family, int proto, int l4len) {
        long s = 0;
        if (family == Family.IPV4) {
            s = add(p, 12, 8, s);
        } else {
            s = add(p, 8, 32, s);
        }
        return s + proto + (l4len & 0xffff) + (l4len >>> 16);
    }

    /**
     * Does the L4 checksum of the segment from {@code dataoff} to the end of the packet verify?
     * ({@code nf_checksum}: the pseudo-header length is the segment's length in the IP packet.)
     */
    public static boolean l4Valid(Packet p, int dataoff, int proto) {
        int l4len = p.length() - dataoff;
        long s = pseudoHeader(p, p.family, proto, l4len);
        s = add(p, dataoff, l4len, s);
        return fold(s) == 0xffff;
    }

    /** As {@link #l4Valid} for the first {@code coverage} bytes only (UDP-Lite's partial coverage). */
    public static boolean l4ValidPartial(Packet p, int dataoff, int coverage, int proto) {
        int l4len = p.length() - dataoff;
        long s = pseudoHeader(p, p.family, proto, l4len);
        s = add(p, dataoff, coverage, s);
        return fold(s) == 0xffff;
    }

    /** Computes the checksum field value for the L4 segment from {@code dataoff} whose checksum is at {@code checkOff}. */
    public static int computeL4(Packet p, int dataoff, int proto, int checkOff) {
        p.put16(checkOff, 0);
        int l4len = p.length() - dataoff;
        long s = pseudoHeader(p, p.family, proto, l4len);
        s = add(p, dataoff, l4len, s);
        return ~fold(s) & 0xffff;
    }

    /** The IPv4 header checksum value of the header at offset 0 (with its checksum field taken as zero). */
    public static int ipv4Header(Packet p) {
        int ihl = (p.u8(0) & 0x0f) << 2;
        long s = add(p, 0, ihl, 0) - p.u16(10);
        return ~fold(s) & 0xffff;
    }

    /** RFC 1624 eq. 3: the checksum after a 16-bit word changed from {@code from} to {@code to}. */
    public static int replace16(int check, int from, int to) {
        long s = (~check & 0xffff) + (~from & 0xffff) + (to & 0xffff);
        return ~fold(s) & 0xffff;
    }

    /** The checksum after a 32-bit word changed. */
    public static int replace32(int check, int from, int to) {
        long s = (~check & 0xffff) + (~(from >>> 16) & 0xffff) + (~from & 0xffff) + (to >>> 16 & 0xffff)
            + (to & 0xffff);
        return ~fold(s) & 0xffff;
    }

    /** The checksum after a 128-bit value (two longs) changed. */
    public static int replace128(int check, long fromHi, long fromLo, long toHi, long toLo) {
        int c = check;
        c = replace32(c, (int) (fromHi >>> 32), (int) (toHi >>> 32));
        c = replace32(c, (int) fromHi, (int) toHi);
        c = replace32(c, (int) (fromLo >>> 32), (int) (toLo >>> 32));
        return replace32(c, (int) fromLo, (int) toLo);
    }

    /** Offset of the checksum in the SCTP common header. */
    private static final int SCTP_CHECK_OFF = 8;
    /** What the checksum field counts as while the CRC is computed. */
    private static final byte[] ZERO4 = new byte[4];
    /** One CRC32c engine per thread, reused: computing a CRC allocates nothing after a thread's first. */
    private static final ThreadLocal<CRC32C> CRC32C_ENGINE = ThreadLocal.withInitial(CRC32C::new);

    /**
     * The checksum field value of the SCTP packet from {@code dataoff} to the end of the packet (at least the
     * 12-byte common header): the CRC32c over it with the checksum field taken as zero, as a big-endian read of
     * the field ({@link Packet#u32}) returns it. The CRC is stored least significant byte first
     * ({@code sctp_compute_cksum}), hence the byte swap.
     *
     * @since 1.1
     */
    public static int sctp(Packet p, int dataoff) {
        CRC32C crc = CRC32C_ENGINE.get();
        crc.reset();
        byte[] d = p.array();
        int start = p.head() + dataoff;
        crc.update(d, start, SCTP_CHECK_OFF);
        crc.update(ZERO4, 0, 4);
        int rest = start + SCTP_CHECK_OFF + 4;
        crc.update(d, rest, p.head() + p.length() - rest);
        return Integer.reverseBytes((int) crc.getValue());
    }

    /**
     * Does the SCTP packet from {@code dataoff} to the end of the packet carry a valid CRC32c? The caller makes
     * sure the 12-byte common header is there.
     *
     * @since 1.1
     */
    public static boolean sctpValid(Packet p, int dataoff) {
        return p.u32(dataoff + SCTP_CHECK_OFF) == sctp(p, dataoff);
    }
}
