package org.conntrack4j.bench;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Checksum;

/**
 * Builds the benchmark's Ethernet frames. Every frame carries a 14-byte Ethernet header; the engines are fed
 * the IP part ({@link #ETH} bytes in), as a receive path would after the link layer.
 */
public final class Frames {
    /** Length of the Ethernet header in front of the IP packet. */
    public static final int ETH = 14;
    /** Length of workload A's and B's frame. */
    public static final int UDP_FRAME = 42;
    /** 10.1.1.1 and 10.1.1.2, OVS's benchmark addresses. */
    public static final int UDP_SRC = 0x0a010101;
    public static final int UDP_DST = 0x0a010102;

    // TCP header flags.
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;

    /** A SYN's options as Linux sends them: MSS 1460, SACK permitted, timestamps, NOP, window scale 7. */
    static final byte[] SYN_OPTIONS = {
        2, 4, 0x05, (byte) 0xb4,
        4, 2,
        8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
        1,
        3, 3, 7,
    };
    /** The options of every later segment: NOP, NOP, timestamps. */
    static final byte[] TS_OPTIONS = {1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1};

    private static final byte[] DST_MAC = {0x50, 0x54, 0, 0, 0, 0x0a};
    private static final byte[] SRC_MAC = {0x50, 0x54, 0, 0, 0, 0x09};

    private Frames() {
    }

    /**
     * The frame of workloads A and B (OVS's {@code test-conntrack} packet): IPv4 10.1.1.1 -> 10.1.1.2, IHL 5,
     * total length 28, id 0, TTL 0, protocol 17, valid header checksum; UDP with the given ports, length 8,
     * checksum 0, no payload.
     */
    public static byte[] udp(int srcPort, int dstPort) {
        byte[] f = new byte[UDP_FRAME];
        writeUdp(f, 0, srcPort, dstPort);
        return f;
    }

    /** Writes workload A's frame with these ports at {@code off} of {@code f} ({@link #UDP_FRAME} bytes). */
    public static void writeUdp(byte[] f, int off, int srcPort, int dstPort) {
        writeUdp(f, off, UDP_SRC, UDP_DST, srcPort, dstPort);
    }

    /** The same frame between other addresses (workload C's many flows). */
    public static void writeUdp(byte[] f, int off, int src, int dst, int srcPort, int dstPort) {
        ethernet(f, off);
        int ip = off + ETH;
        ipv4(f, ip, 28, 0, IpProto.UDP, src, dst);
        put16(f, ip + 20, srcPort);
        put16(f, ip + 22, dstPort);
        put16(f, ip + 24, 8);
        put16(f, ip + 26, 0);
    }

    /**
     * A TCP frame from {@code src:srcPort} to {@code dst:dstPort} with valid IP and TCP checksums. The options
     * are padded to whole words; the payload is a fixed pattern of {@code payload} bytes.
     */
    public static byte[] tcp(int src, int dst, int srcPort, int dstPort, int seq, int ack, int flags, int window,
        byte[] options, int payload) {
        int optLen = (options.length + 3) & ~3;
        int tcpLen = 20 + optLen + payload;
        byte[] f = new byte[ETH + 20 + tcpLen];
        ethernet(f, 0);
        ipv4(f, ETH, 20 + tcpLen, 64, IpProto.TCP, src, dst);
        int t = ETH + 20;
        put16(f, t, srcPort);
        put16(f, t + 2, dstPort);
        put32(f, t + 4, seq);
        put32(f, t + 8, ack);
        f[t + 12] = (byte) (((20 + optLen) / 4) << 4);
        f[t + 13] = (byte) flags;
        put16(f, t + 14, window);
        System.arraycopy(options, 0, f, t + 20, options.length);
        for (int i = 0; i < payload; i++) {
            f[t + 20 + optLen + i] = (byte) ('a' + i % 26);
        }
        Packet p = new Packet(0).wrap(f, ETH, f.length - ETH);
        p.family = Family.IPV4;
        put16(f, t + 16, Checksum.computeL4(p, 20, IpProto.TCP, 20 + 16));
        return f;
    }

    /**
     * Replaces the sequence and acknowledgement numbers of a TCP frame made by {@link #tcp}, keeping the TCP
     * checksum valid by an incremental update (RFC 1624).
     */
    public static void setSeqAck(byte[] f, int seq, int ack) {
        int t = ETH + 20;
        int check = get16(f, t + 16);
        check = Checksum.replace32(check, get32(f, t + 4), seq);
        check = Checksum.replace32(check, get32(f, t + 8), ack);
        put32(f, t + 4, seq);
        put32(f, t + 8, ack);
        put16(f, t + 16, check);
    }

    private static void ethernet(byte[] f, int off) {
        System.arraycopy(DST_MAC, 0, f, off, 6);
        System.arraycopy(SRC_MAC, 0, f, off + 6, 6);
        put16(f, off + 12, 0x0800);
    }

    /** An IPv4 header without options, id 0, no fragmentation, with its checksum. */
    private static void ipv4(byte[] f, int ip, int totalLength, int ttl, int proto, int src, int dst) {
        f[ip] = 0x45;
        f[ip + 1] = 0;
        put16(f, ip + 2, totalLength);
        put16(f, ip + 4, 0);
        put16(f, ip + 6, 0);
        f[ip + 8] = (byte) ttl;
        f[ip + 9] = (byte) proto;
        put16(f, ip + 10, 0);
        put32(f, ip + 12, src);
        put32(f, ip + 16, dst);
        long sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += get16(f, ip + i);
        }
        put16(f, ip + 10, ~Checksum.fold(sum) & 0xffff);
    }

    static int get16(byte[] f, int i) {
        return (f[i] & 0xff) << 8 | (f[i + 1] & 0xff);
    }

    static int get32(byte[] f, int i) {
        return get16(f, i) << 16 | get16(f, i + 2);
    }

    static void put16(byte[] f, int i, int v) {
        f[i] = (byte) (v >>> 8);
        f[i + 1] = (byte) v;
    }

    static void put32(byte[] f, int i, int v) {
        put16(f, i, v >>> 16);
        put16(f, i + 2, v);
    }
}
