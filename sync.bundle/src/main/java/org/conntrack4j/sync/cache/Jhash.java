package org.conntrack4j.sync.cache;

/**
 * Bob Jenkins' lookup2 hash over 32-bit words (public domain), as Linux's old jhash.h and conntrackd's
 * copy of it compute {@code jhash2}. conntrackd's caches bucket entries with it, and its dumps list them
 * bucket by bucket: the same hash gives the same order.
 */
final class Jhash {
    private Jhash() {
    }

    private static final int GOLDEN_RATIO = 0x9e3779b9;

    static int jhash2(int[] k, int length, int initval) {
        int[] abc = {GOLDEN_RATIO, GOLDEN_RATIO, initval};
        int i = 0;
        int len = length;
        while (len >= 3) {
            abc[0] += k[i];
            abc[1] += k[i + 1];
            abc[2] += k[i + 2];
            mix(abc);
            i += 3;
            len -= 3;
        }
        abc[2] += length * 4;
        if (len == 2) {
            abc[1] += k[i + 1];
        }
        if (len >= 1) {
            abc[0] += k[i];
        }
        mix(abc);
        return abc[2];
    }

    private static void mix(int[] abc) {
        int a = abc[0];
        int b = abc[1];
        int c = abc[2];
        a -= b; a -= c; a ^= c >>> 13;
        b -= c; b -= a; b ^= a << 8;
        c -= a; c -= b; c ^= b >>> 13;
        a -= b; a -= c; a ^= c >>> 12;
        b -= c; b -= a; b ^= a << 16;
        c -= a; c -= b; c ^= b >>> 5;
        a -= b; a -= c; a ^= c >>> 3;
        b -= c; b -= a; b ^= a << 10;
        c -= a; c -= b; c ^= b >>> 15;
        abc[0] = a;
        abc[1] = b;
        abc[2] = c;
    }

    /** conntrackd's bucket of a hash: the high 32 bits of {@code hash * hashsize}. */
    static int bucket(int hash, int hashsize) {
        return (int) (((hash & 0xffffffffL) * hashsize) >>> 32);
    }

    /** An address's 32-bit words as a little-endian host reads them from network-order memory. */
    static void words(byte[] addr, int[] out, int at) {
        for (int i = 0; i < addr.length / 4; i++) {
            out[at + i] = addr[4 * i] & 0xff | (addr[4 * i + 1] & 0xff) << 8 | (addr[4 * i + 2] & 0xff) << 16
                    | (addr[4 * i + 3] & 0xff) << 24;
        }
    }

    /** A network-order u16 (port, ICMP id) as a little-endian host reads it from memory. */
    static int swap16(int v) {
        return (v & 0xff) << 8 | (v >> 8) & 0xff;
    }
}
