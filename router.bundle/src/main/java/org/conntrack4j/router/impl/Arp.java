package org.conntrack4j.router.impl;

/**
 * ARP for IPv4 over Ethernet (RFC 826) as the router reads and writes it. Reading fills this object's fields (one
 * per forwarder: no allocation); writing builds a whole Ethernet frame.
 */
final class Arp {
    static final int ETH_P_ARP = 0x0806;
    static final int REQUEST = 1;
    static final int REPLY = 2;
    /** Ethernet header and the 28-byte ARP message for IPv4. */
    static final int FRAME_LENGTH = 14 + 28;

    int op;
    long senderMac;
    long senderIp;
    long targetMac;
    long targetIp;

    /**
     * Reads the ARP message at {@code at}: Ethernet hardware, IPv4 protocol, the right address sizes, a request or a
     * reply, and a sender hardware address that is neither zero nor a group address ({@code arp_process}'s checks).
     */
    boolean read(byte[] f, int at, int end) {
        if (end - at < 28 || u16(f, at) != 1 || u16(f, at + 2) != 0x0800 || f[at + 4] != 6 || f[at + 5] != 4) {
            return false;
        }
        op = u16(f, at + 6);
        if (op != REQUEST && op != REPLY) {
            return false;
        }
        senderMac = Macs.toLong(f, at + 8);
        senderIp = u32(f, at + 14);
        targetMac = Macs.toLong(f, at + 18);
        targetIp = u32(f, at + 24);
        return senderMac != 0 && !Macs.isGroup(senderMac);
    }

    /** Writes an ARP frame ({@code arp_create}) into {@code f} at 0: Ethernet header, then the message. */
    static void write(byte[] f, long ethDst, long ethSrc, int op, long sha, long sip, long tha, long tip) {
        Macs.put(f, 0, ethDst);
        Macs.put(f, 6, ethSrc);
        put16(f, 12, ETH_P_ARP);
        put16(f, 14, 1);
        put16(f, 16, 0x0800);
        f[18] = 6;
        f[19] = 4;
        put16(f, 20, op);
        Macs.put(f, 22, sha);
        put32(f, 28, sip);
        Macs.put(f, 32, tha);
        put32(f, 38, tip);
    }

    private static int u16(byte[] f, int i) {
        return (f[i] & 0xff) << 8 | f[i + 1] & 0xff;
    }

    private static long u32(byte[] f, int i) {
        return (long) u16(f, i) << 16 | u16(f, i + 2);
    }

    private static void put16(byte[] f, int i, int v) {
        f[i] = (byte) (v >>> 8);
        f[i + 1] = (byte) v;
    }

    private static void put32(byte[] f, int i, long v) {
        put16(f, i, (int) (v >>> 16));
        put16(f, i + 2, (int) v);
    }
}
