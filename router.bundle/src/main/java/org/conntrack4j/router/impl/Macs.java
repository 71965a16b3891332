package org.conntrack4j.router.impl;

/** Link-layer addresses as longs (low 48 bits, first byte highest), and the addresses derived from them. */
final class Macs {
    static final long BROADCAST = 0xffff_ffff_ffffL;

    private Macs() {
    }

    static long toLong(byte[] b, int off) {
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = m << 8 | (b[off + i] & 0xff);
        }
        return m;
    }

    static void put(byte[] b, int off, long m) {
        for (int i = 5; i >= 0; i--) {
            b[off + i] = (byte) m;
            m >>>= 8;
        }
    }

    /** Is it a group (multicast or broadcast) address? The I/G bit, lowest of the first byte. */
    static boolean isGroup(long m) {
        return (m >>> 40 & 1) != 0;
    }

    /** The modified EUI-64 interface identifier of {@code m} (RFC 4291 appendix A), the low half of a link-local. */
    static long eui64(long m) {
        long hi = m >>> 24 ^ 0x02_0000;
        long lo = m & 0xff_ffff;
        return hi << 40 | 0xfffeL << 24 | lo;
    }

    static boolean isLinkLocal(long hi) {
        return hi >>> 54 == 0xfe80L >>> 6;
    }

    /** The Ethernet address IPv6 multicast {@code lo} maps to: 33:33 and its last 32 bits (RFC 2464). */
    static long ipv6Multicast(long lo) {
        return 0x3333_0000_0000L | lo & 0xffff_ffffL;
    }

    /** The Ethernet address IPv4 multicast {@code a} maps to: 01:00:5e and its low 23 bits (RFC 1112). */
    static long ipv4Multicast(long a) {
        return 0x0100_5e00_0000L | a & 0x7f_ffffL;
    }

    static String text(long m) {
        StringBuilder b = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int octet = (int) (m >>> shift) & 0xff;
            b.append(Character.forDigit(octet >> 4, 16)).append(Character.forDigit(octet & 0xf, 16));
            if (shift > 0) {
                b.append(':');
            }
        }
        return b.toString();
    }
}
