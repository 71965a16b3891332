package org.conntrack4j.replay.pcap;

/** Absolute unsigned getters and little-endian setters over a byte array; capture files come in both orders. */
final class Bytes {
    private Bytes() {
    }

    static int u16(byte[] b, int i, boolean bigEndian) {
        int x = b[i] & 0xFF;
        int y = b[i + 1] & 0xFF;
        return bigEndian ? x << 8 | y : y << 8 | x;
    }

    /** An unsigned 32-bit field, as a non-negative long so that lengths above 2 GiB cannot turn negative. */
    static long u32(byte[] b, int i, boolean bigEndian) {
        return s32(b, i, bigEndian) & 0xFFFF_FFFFL;
    }

    static int s32(byte[] b, int i, boolean bigEndian) {
        int b0 = b[i] & 0xFF;
        int b1 = b[i + 1] & 0xFF;
        int b2 = b[i + 2] & 0xFF;
        int b3 = b[i + 3] & 0xFF;
        return bigEndian ? b0 << 24 | b1 << 16 | b2 << 8 | b3 : b3 << 24 | b2 << 16 | b1 << 8 | b0;
    }

    static long s64(byte[] b, int i, boolean bigEndian) {
        long first = s32(b, i, bigEndian) & 0xFFFF_FFFFL;
        long second = s32(b, i + 4, bigEndian) & 0xFFFF_FFFFL;
        return bigEndian ? first << 32 | second : second << 32 | first;
    }

    static void putLe16(byte[] b, int i, int v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >>> 8);
    }

    static void putLe32(byte[] b, int i, int v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >>> 8);
        b[i + 2] = (byte) (v >>> 16);
        b[i + 3] = (byte) (v >>> 24);
    }

    /** Rounds a length up to the 32-bit boundary pcapng pads to. */
    static int pad4(int n) {
        return (n + 3) & ~3;
    }
}
