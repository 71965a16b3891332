package org.conntrack4j.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The replay workload's capture (issue 19, item 5): TCP and UDP flows between two /24s through a router, as a
 * pcapng file whose two interfaces are named {@code lan} and {@code wan}. Each TCP flow is a handshake, five data
 * segments each acknowledged, and a FIN exchange (16 frames); each UDP flow two requests and two answers (4
 * frames). Flows start in groups of {@link #GROUP} and their frames interleave, so that the table holds many
 * connections at once; frames are {@code gapNanos} apart. Checksums are right and sequence numbers consistent, so
 * that every frame is forwarded: clients 198.51.100.2-254 on {@code lan}, servers 203.0.113.2-254 on {@code wan},
 * the router .1 on both. Each flow has a client port of its own among the client's and among the server's flows, as
 * ephemeral ports are. With {@code masquerade}, the capture is what the router meets behind {@code oifname "wan"
 * masquerade}: the servers answer the router's {@code wan} address, at the client's port (which masquerade keeps, as
 * no two flows to one server share a port).
 *
 * <p>Also a command line, for captures of other sizes: {@code java -cp bench.jar org.conntrack4j.bench.ReplayCapture
 * FILE TCP_FLOWS UDP_FLOWS [GAP_NANOS [masquerade]]}.
 */
public final class ReplayCapture {
    /** Frames of one TCP flow and one UDP flow. */
    public static final int TCP_FRAMES = 16;
    public static final int UDP_FRAMES = 4;
    /** Flows whose frames interleave. */
    static final int GROUP = 2000;
    static final int TCP_PAYLOAD = 64;
    static final int UDP_PAYLOAD = 32;

    /** The router's side of each link and the hosts' MAC on it, as {@code replay --iface} takes them. */
    public static final String LAN_IFACE = "lan,02:00:00:00:01:01,02:00:00:00:01:02,198.51.100.1/24";
    public static final String WAN_IFACE = "wan,02:00:00:00:02:01,02:00:00:00:02:02,203.0.113.1/24";
    private static final byte[] LAN_ROUTER = {2, 0, 0, 0, 1, 1};
    private static final byte[] LAN_HOST = {2, 0, 0, 0, 1, 2};
    private static final byte[] WAN_ROUTER = {2, 0, 0, 0, 2, 1};
    private static final byte[] WAN_HOST = {2, 0, 0, 0, 2, 2};
    /** The router's address on {@code wan}, which masquerade gives the clients' flows. */
    private static final byte[] ROUTER_WAN_ADDRESS = {(byte) 203, 0, 113, 1};

    /** A stateful firewall: what {@code ct state} lets through, new connections from the LAN only. */
    public static final String RULESET = String.join("\n",
        "table inet filter {",
        "\tchain forward {",
        "\t\ttype filter hook forward priority filter; policy drop;",
        "\t\tct state established,related accept",
        "\t\tct state invalid drop",
        "\t\tiifname \"lan\" ct state new accept",
        "\t}",
        "}",
        "");

    /**
     * {@link #RULESET} with a flowtable on both links that every TCP and UDP connection joins once it qualifies
     * ({@code flow add}): what the fast path saves, on the same capture.
     */
    public static final String RULESET_FLOWTABLE = RULESET
        .replace("\tchain forward {", "\tflowtable ft {\n\t\thook ingress priority filter\n\t\tdevices = { lan, wan }\n"
            + "\t}\n\n\tchain forward {")
        .replace("policy drop;\n", "policy drop;\n\t\tmeta l4proto { tcp, udp } flow add @ft\n");

    private final OutputStream out;
    private final boolean masquerade;
    private final byte[] frame = new byte[128];
    private final byte[] block = new byte[256];
    private long frames;

    private ReplayCapture(OutputStream out, boolean masquerade) {
        this.out = out;
        this.masquerade = masquerade;
    }

    /** Writes the capture of {@code tcpFlows} and {@code udpFlows} to {@code file}; returns the frames written. */
    public static long write(Path file, int tcpFlows, int udpFlows, long gapNanos) throws IOException {
        return write(file, tcpFlows, udpFlows, gapNanos, false);
    }

    /**
     * As {@link #write(Path, int, int, long)}, the servers answering the router's {@code wan} address when
     * {@code masquerade}.
     */
    public static long write(Path file, int tcpFlows, int udpFlows, long gapNanos, boolean masquerade)
        throws IOException {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            ReplayCapture c = new ReplayCapture(os, masquerade);
            c.header();
            c.flows(tcpFlows, udpFlows, gapNanos);
            return c.frames;
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: ReplayCapture FILE TCP_FLOWS UDP_FLOWS [GAP_NANOS [masquerade]]");
            System.exit(2);
        }
        long n = write(Paths.get(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
            args.length > 3 ? Long.parseLong(args[3]) : 1000, args.length > 4 && args[4].equals("masquerade"));
        System.out.println(n + " frames in " + args[0]);
    }

    private void flows(int tcpFlows, int udpFlows, long gapNanos) throws IOException {
        int total = tcpFlows + udpFlows;
        long ts = CpuClock.FIXED_WALL_NANOS;
        for (int g = 0; g < total; g += GROUP) {
            int end = Math.min(total, g + GROUP);
            for (int step = 0; step < TCP_FRAMES; step++) {
                for (int f = g; f < end; f++) {
                    // TCP and UDP flows spread evenly over the whole capture
                    boolean tcp = (long) f * tcpFlows / total != (long) (f + 1) * tcpFlows / total;
                    if (tcp) {
                        tcp(f, step, ts);
                    } else if (step < UDP_FRAMES) {
                        udp(f, step, ts);
                    } else {
                        continue;
                    }
                    ts += gapNanos;
                }
            }
        }
    }

    /** Flow {@code f}'s addresses and ports: the last octets, the client's port, the server's port. */
    private static int client(int f) {
        return 2 + f % 253;
    }

    private static int server(int f) {
        return 2 + (f / 253) % 253;
    }

    /**
     * {@code f} modulo 60,000: two flows with one port are 60,000 or 120,000 apart, which puts them at different
     * clients and different servers (up to 180,000 flows).
     */
    private static int clientPort(int f) {
        return 1024 + f % 60000;
    }

    private void tcp(int f, int step, long ts) throws IOException {
        long c = 0x10000000L + f * 7919L;
        long s = 0x70000000L + f * 104729L;
        int sport = clientPort(f);
        int dport = 80;
        switch (step) {
            case 0: tcpFrame(true, f, sport, dport, c, 0, 0x02, 0, ts); break;
            case 1: tcpFrame(false, f, dport, sport, s, c + 1, 0x12, 0, ts); break;
            case 2: tcpFrame(true, f, sport, dport, c + 1, s + 1, 0x10, 0, ts); break;
            case 13: tcpFrame(true, f, sport, dport, c + 1 + 5 * TCP_PAYLOAD, s + 1, 0x11, 0, ts); break;
            case 14: tcpFrame(false, f, dport, sport, s + 1, c + 2 + 5 * TCP_PAYLOAD, 0x11, 0, ts); break;
            case 15: tcpFrame(true, f, sport, dport, c + 2 + 5 * TCP_PAYLOAD, s + 2, 0x10, 0, ts); break;
            default: {
                int k = (step - 3) / 2;
                if ((step - 3) % 2 == 0) {
                    tcpFrame(true, f, sport, dport, c + 1 + k * TCP_PAYLOAD, s + 1, 0x18, TCP_PAYLOAD, ts);
                } else {
                    tcpFrame(false, f, dport, sport, s + 1, c + 1 + (k + 1) * TCP_PAYLOAD, 0x10, 0, ts);
                }
            }
        }
    }

    private void udp(int f, int step, long ts) throws IOException {
        boolean fromClient = step % 2 == 0;
        int sport = clientPort(f);
        int dport = 53;
        int ipEnd = ip(fromClient, f, 17, 8 + UDP_PAYLOAD);
        int l4 = ipEnd - 8 - UDP_PAYLOAD;
        u16(l4, fromClient ? sport : dport);
        u16(l4 + 2, fromClient ? dport : sport);
        u16(l4 + 4, 8 + UDP_PAYLOAD);
        u16(l4 + 6, 0);
        for (int i = 0; i < UDP_PAYLOAD; i++) {
            frame[l4 + 8 + i] = (byte) ('a' + (f + step + i) % 26);
        }
        u16(l4 + 6, l4Checksum(17, l4, 8 + UDP_PAYLOAD));
        packet(fromClient ? 0 : 1, ipEnd, ts);
    }

    private void tcpFrame(boolean fromClient, int f, int sport, int dport, long seq, long ack, int flags, int payload,
        long ts) throws IOException {
        int ipEnd = ip(fromClient, f, 6, 20 + payload);
        int l4 = ipEnd - 20 - payload;
        u16(l4, sport);
        u16(l4 + 2, dport);
        u32(l4 + 4, seq);
        u32(l4 + 8, ack);
        frame[l4 + 12] = 5 << 4;
        frame[l4 + 13] = (byte) flags;
        u16(l4 + 14, 65535);
        u16(l4 + 16, 0);
        u16(l4 + 18, 0);
        for (int i = 0; i < payload; i++) {
            frame[l4 + 20 + i] = (byte) ('A' + (f + i) % 26);
        }
        u16(l4 + 16, l4Checksum(6, l4, 20 + payload));
        packet(fromClient ? 0 : 1, ipEnd, ts);
    }

    /** Ethernet and IPv4 headers for {@code l4Len} bytes of {@code proto}; returns the frame's length. */
    private int ip(boolean fromClient, int f, int proto, int l4Len) {
        System.arraycopy(fromClient ? LAN_ROUTER : WAN_ROUTER, 0, frame, 0, 6);
        System.arraycopy(fromClient ? LAN_HOST : WAN_HOST, 0, frame, 6, 6);
        u16(12, 0x0800);
        int ip = 14;
        frame[ip] = 0x45;
        frame[ip + 1] = 0;
        u16(ip + 2, 20 + l4Len);
        u16(ip + 4, (int) (frames & 0xffff));
        u16(ip + 6, 0x4000);
        frame[ip + 8] = 64;
        frame[ip + 9] = (byte) proto;
        u16(ip + 10, 0);
        byte[] cl = {(byte) 198, 51, 100, (byte) client(f)};
        byte[] sv = {(byte) 203, 0, 113, (byte) server(f)};
        System.arraycopy(fromClient ? cl : sv, 0, frame, ip + 12, 4);
        System.arraycopy(fromClient ? sv : masquerade ? ROUTER_WAN_ADDRESS : cl, 0, frame, ip + 16, 4);
        u16(ip + 10, fold(sum(ip, 20, 0)));
        return ip + 20 + l4Len;
    }

    private int l4Checksum(int proto, int l4, int len) {
        long pseudo = sum(26, 8, 0) + proto + len;
        int c = fold(sum(l4, len, pseudo));
        return c == 0 && proto == 17 ? 0xffff : c;
    }

    private long sum(int off, int len, long acc) {
        for (int i = 0; i + 1 < len; i += 2) {
            acc += (frame[off + i] & 0xff) << 8 | frame[off + i + 1] & 0xff;
        }
        if ((len & 1) != 0) {
            acc += (frame[off + len - 1] & 0xff) << 8;
        }
        return acc;
    }

    private static int fold(long s) {
        while (s >>> 16 != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) ~s & 0xffff;
    }

    private void u16(int off, int v) {
        frame[off] = (byte) (v >>> 8);
        frame[off + 1] = (byte) v;
    }

    private void u32(int off, long v) {
        u16(off, (int) (v >>> 16));
        u16(off + 2, (int) v);
    }

    // ---- pcapng: little-endian blocks ---------------------------------------------------------------------

    private void header() throws IOException {
        // section header block: byte-order magic, version 1.0, section length unknown
        int n = 0;
        n = le32(n, 0x0A0D0D0A);
        n = le32(n, 28);
        n = le32(n, 0x1A2B3C4D);
        n = le16(n, 1);
        n = le16(n, 0);
        n = le32(n, -1);
        n = le32(n, -1);
        n = le32(n, 28);
        out.write(block, 0, n);
        idb("lan");
        idb("wan");
    }

    /** An Ethernet interface with its name ({@code if_name}) and nanosecond timestamps ({@code if_tsresol} 9). */
    private void idb(String name) throws IOException {
        byte[] nm = name.getBytes(StandardCharsets.US_ASCII);
        int nameOpt = 4 + (nm.length + 3 & ~3);
        int len = 20 + nameOpt + 8 + 4;
        int n = 0;
        n = le32(n, 1);
        n = le32(n, len);
        n = le16(n, 1);
        n = le16(n, 0);
        n = le32(n, 65535);
        n = le16(n, 2);
        n = le16(n, nm.length);
        System.arraycopy(nm, 0, block, n, nm.length);
        for (int i = nm.length; i < (nm.length + 3 & ~3); i++) {
            block[n + i] = 0;
        }
        n += nm.length + 3 & ~3;
        n = le16(n, 9);
        n = le16(n, 1);
        block[n++] = 9;
        block[n++] = 0;
        block[n++] = 0;
        block[n++] = 0;
        n = le32(n, 0);
        n = le32(n, len);
        out.write(block, 0, n);
    }

    /** An enhanced packet block of the frame's first {@code len} bytes on interface {@code iface}. */
    private void packet(int iface, int len, long ts) throws IOException {
        int padded = len + 3 & ~3;
        int total = 28 + padded + 4;
        int n = 0;
        n = le32(n, 6);
        n = le32(n, total);
        n = le32(n, iface);
        n = le32(n, (int) (ts >>> 32));
        n = le32(n, (int) ts);
        n = le32(n, len);
        n = le32(n, len);
        out.write(block, 0, n);
        out.write(frame, 0, len);
        n = 0;
        for (int i = len; i < padded; i++) {
            block[n++] = 0;
        }
        n = le32(n, total);
        out.write(block, 0, n);
        frames++;
    }

    private int le16(int n, int v) {
        block[n] = (byte) v;
        block[n + 1] = (byte) (v >>> 8);
        return n + 2;
    }

    private int le32(int n, int v) {
        n = le16(n, v);
        return le16(n, v >>> 16);
    }
}
