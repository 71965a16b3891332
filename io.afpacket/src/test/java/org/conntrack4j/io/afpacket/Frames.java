package org.conntrack4j.io.afpacket;

/** Builds test frames: Ethernet + IPv4/IPv6 + TCP/UDP, with correct checksums unless told otherwise. */
final class Frames {
    private Frames() {
    }

    static final byte[] SRC4 = {(byte) 192, 0, 2, 1};
    static final byte[] DST4 = {(byte) 192, 0, 2, 2};

    /** IPv4 (no options) + TCP (20-byte header, or with 12 bytes of options) + payload. */
    static byte[] tcp4(int payloadLen, long seq, int flags, boolean options, int id) {
        int tcpLen = options ? 32 : 20;
        byte[] f = new byte[14 + 20 + tcpLen + payloadLen];
        eth(f, 0x0800);
        ipv4(f, 14, 20 + tcpLen + payloadLen, 6, id);
        int t = 34;
        Offload.put16(f, t, 40000);
        Offload.put16(f, t + 2, 80);
        Offload.put32(f, t + 4, (int) seq);
        Offload.put32(f, t + 8, 12345);
        f[t + 12] = (byte) ((tcpLen / 4) << 4);
        f[t + 13] = (byte) flags;
        Offload.put16(f, t + 14, 65535);
        if (options) {
            f[t + 20] = 1;
            f[t + 21] = 1;
            f[t + 22] = 8;
            f[t + 23] = 10;
        }
        fill(f, t + tcpLen, payloadLen);
        l4checksum(f, 14, false, 6, t, tcpLen + payloadLen, t + 16);
        return f;
    }

    static byte[] udp4(int payloadLen) {
        byte[] f = new byte[14 + 20 + 8 + payloadLen];
        eth(f, 0x0800);
        ipv4(f, 14, 28 + payloadLen, 17, 7);
        Offload.put16(f, 34, 5000);
        Offload.put16(f, 36, 53);
        Offload.put16(f, 38, 8 + payloadLen);
        fill(f, 42, payloadLen);
        l4checksum(f, 14, false, 17, 34, 8 + payloadLen, 40);
        return f;
    }

    /** IPv6 + optional 8-byte extension header (type {@code ext}, 0 for none) + TCP or UDP. */
    static byte[] l4v6(int proto, int ext, int payloadLen, long seq, int flags) {
        int extLen = ext == 0 ? 0 : 8;
        int l4hdr = proto == 6 ? 20 : 8;
        byte[] f = new byte[14 + 40 + extLen + l4hdr + payloadLen];
        eth(f, 0x86dd);
        f[14] = 0x60;
        Offload.put16(f, 18, extLen + l4hdr + payloadLen);
        f[20] = (byte) (ext == 0 ? proto : ext);
        f[21] = 64;
        f[22] = 0x20;
        f[23] = 0x01;
        f[24] = 0x0d;
        f[25] = (byte) 0xb8;
        f[37] = 1;
        f[38] = 0x20;
        f[39] = 0x01;
        f[40] = 0x0d;
        f[41] = (byte) 0xb8;
        f[53] = 2;
        int t = 54 + extLen;
        if (ext != 0) {
            f[54] = (byte) proto;
            f[55] = 0;
        }
        Offload.put16(f, t, 40000);
        Offload.put16(f, t + 2, 80);
        if (proto == 6) {
            Offload.put32(f, t + 4, (int) seq);
            f[t + 12] = 0x50;
            f[t + 13] = (byte) flags;
        } else {
            Offload.put16(f, t + 4, 8 + payloadLen);
        }
        fill(f, t + l4hdr, payloadLen);
        l4checksum(f, 14, true, proto, t, l4hdr + payloadLen, t + (proto == 6 ? 16 : 6));
        return f;
    }

    static void eth(byte[] f, int type) {
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (0x02 + (i == 5 ? 1 : 0));
            f[6 + i] = (byte) (0x02 + (i == 5 ? 2 : 0));
        }
        Offload.put16(f, 12, type);
    }

    static void ipv4(byte[] f, int l3, int total, int proto, int id) {
        f[l3] = 0x45;
        Offload.put16(f, l3 + 2, total);
        Offload.put16(f, l3 + 4, id);
        Offload.put16(f, l3 + 6, 0x4000);
        f[l3 + 8] = 64;
        f[l3 + 9] = (byte) proto;
        System.arraycopy(SRC4, 0, f, l3 + 12, 4);
        System.arraycopy(DST4, 0, f, l3 + 16, 4);
        Offload.put16(f, l3 + 10, ~Offload.fold(Offload.sum(f, l3, 20, 0)));
    }

    static void fill(byte[] f, int at, int len) {
        for (int i = 0; i < len; i++) {
            f[at + i] = (byte) (i * 7 + 3);
        }
    }

    static void l4checksum(byte[] f, int l3, boolean v6, int proto, int l4, int l4len, int field) {
        Offload.put16(f, field, 0);
        int c = ~Offload.fold(Offload.sum(f, l4, l4len, Offload.pseudoHeader(f, l3, v6, proto, l4len))) & 0xffff;
        Offload.put16(f, field, c == 0 && proto == 17 ? 0xffff : c);
    }

    /** True if the L4 checksum (with pseudo-header) of the frame verifies. */
    static boolean l4valid(byte[] f, int off, int l3, boolean v6, int proto, int l4, int l4len) {
        return Offload.fold(Offload.sum(f, off + l4, l4len, Offload.pseudoHeader(f, off + l3, v6, proto, l4len))) == 0xffff;
    }

    static boolean ipv4valid(byte[] f, int off) {
        return Offload.fold(Offload.sum(f, off + 14, 20, 0)) == 0xffff;
    }
}
