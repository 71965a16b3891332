package org.conntrack4j.bench;

import java.lang.ref.Reference;
import java.util.Map;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.inet.IpHeaders;

/**
 * Workload C, ours: heap per connection with many live UDP or TCP connections, and the TCP established path
 * (both directions, window tracking), plain and through masquerade. (Its third part, scaling from 1 to 2
 * threads, reuses workloads A and B.)
 */
public final class WorkloadC {
    /** Connection kinds of the memory measurement. */
    public enum Kind { UDP, TCP }

    /** Heap figures of one memory measurement, in bytes after full collections. */
    public static final class Memory {
        public final Kind kind;
        public final int connections;
        /** Used heap before the engine existed, with the empty engine (its hash table sized), and when full. */
        public final long before;
        public final long empty;
        public final long full;
        /** Connections the engine held when measured, and the packets refused on the way (0 when all is well). */
        public final int counted;
        public final long unexpected;

        Memory(Kind kind, int connections, long before, long empty, long full, int counted, long unexpected) {
            this.kind = kind;
            this.connections = connections;
            this.before = before;
            this.empty = empty;
            this.full = full;
            this.counted = counted;
            this.unexpected = unexpected;
        }

        /** Heap added per connection by the connections themselves (entry and tracker state). */
        public double bytesPerConnection() {
            return (double) (full - empty) / counted;
        }

        /** The same with the engine's hash table and fixed parts counted in. */
        public double bytesPerConnectionWithTable() {
            return (double) (full - before) / counted;
        }
    }

    /** One run of the established path. */
    public static final class Established {
        public final boolean nat;
        public final int payload;
        public final long packets;
        public final long wallNanos;
        public final long cpuNanos;
        public final long unexpected;

        Established(boolean nat, int payload, long packets, long wallNanos, long cpuNanos, long unexpected) {
            this.nat = nat;
            this.payload = payload;
            this.packets = packets;
            this.wallNanos = wallNanos;
            this.cpuNanos = cpuNanos;
            this.unexpected = unexpected;
        }

        public double wallNsPerPacket() {
            return (double) wallNanos / packets;
        }

        public double cpuNsPerPacket() {
            return cpuNanos < 0 ? Double.NaN : (double) cpuNanos / packets;
        }
    }

    private WorkloadC() {
    }

    /** Settings for a table of {@code count} connections: the limit with headroom, a bucket per connection. */
    public static Map<String, String> settingsFor(int count) {
        long buckets = 16;
        while (buckets < count && buckets < (1 << 26)) {
            buckets <<= 1;
        }
        long max = Math.max(262144, count + count / 8L);
        return Map.of("nf_conntrack_max", Long.toString(max), "nf_conntrack_buckets", Long.toString(buckets));
    }

    /** Client address and port of memory flow {@code i}: 64 ports per address from 10.0.0.2 on. */
    static int clientAddress(int i) {
        return 0x0a00_0002 + (i >>> 6);
    }

    static int clientPort(int i) {
        return 1024 + (i & 63);
    }

    /**
     * Fills a fresh engine with {@code count} live connections of {@code kind} and measures the heap: UDP flows
     * get a request and a reply, TCP flows a full handshake (ESTABLISHED, ASSURED).
     */
    public static Memory memory(EngineSource engines, Kind kind, int count) {
        long before = settledUsedHeap();
        Conntrack net = engines.create("bench-c-mem", CpuClock.fixedClock(), settingsFor(count));
        try {
            long empty = settledUsedHeap();
            long unexpected = kind == Kind.UDP ? fillUdp(net, count) : fillTcp(net, count);
            long full = settledUsedHeap();
            int counted = net.count();
            Reference.reachabilityFence(net);
            return new Memory(kind, count, before, empty, full, counted, unexpected);
        } finally {
            net.close();
        }
    }

    static long fillUdp(Conntrack net, int count) {
        Packet p = new Packet(256);
        byte[] f = new byte[Frames.UDP_FRAME];
        long unexpected = 0;
        for (int i = 0; i < count; i++) {
            Frames.writeUdp(f, 0, clientAddress(i), Router.SERVER, clientPort(i), 53);
            unexpected += track(net, p, f) ? 0 : 1;
            Frames.writeUdp(f, 0, Router.SERVER, clientAddress(i), 53, clientPort(i));
            unexpected += track(net, p, f) ? 0 : 1;
        }
        return unexpected;
    }

    private static boolean track(Conntrack net, Packet p, byte[] f) {
        p.reset();
        p.load(f, Frames.ETH, f.length - Frames.ETH, Frames.ETH);
        IpHeaders.validate(p);
        net.in(p);
        net.confirm(p);
        return p.ct != null;
    }

    static long fillTcp(Conntrack net, int count) {
        Packet p = new Packet(256);
        long unexpected = 0;
        try (Router r = Router.attach(net, false)) {
            for (int i = 0; i < count; i++) {
                TcpFlow flow = new TcpFlow(net, p, r.lan, r.wan, clientAddress(i), clientPort(i), Router.SERVER,
                    Router.SERVER_PORT, 1);
                if (!flow.handshake()) {
                    unexpected++;
                }
            }
        }
        return unexpected;
    }

    /**
     * One run of the established path on a fresh engine: handshake (untimed), then {@code pairs} data segments
     * and their ACKs. Returns null when {@code nat} is asked for and the engine has no NAT.
     */
    public static Established established(EngineSource engines, boolean nat, long pairs, int payload) {
        Conntrack net = engines.create(nat ? "bench-c-nat" : "bench-c-tcp", CpuClock.fixedClock(), Map.of());
        try (Router r = Router.attach(net, nat)) {
            if (r == null) {
                return null;
            }
            TcpFlow flow = new TcpFlow(net, new Packet(2048), r.lan, r.wan, 0x0a00_0002, 40000, Router.SERVER,
                Router.SERVER_PORT, payload);
            if (!flow.handshake()) {
                Packet p = flow.lastPacket();
                throw new IllegalStateException("TCP handshake not tracked as expected: ct=" + p.ct + " ctinfo="
                    + p.ctinfo + " reason=" + p.reason);
            }
            if (nat && !flow.connection().hasStatus(Status.SRC_NAT)) {
                throw new IllegalStateException("masquerade did not translate the connection");
            }
            long w0 = System.nanoTime();
            long c0 = CpuClock.threadCpuNanos();
            flow.exchange(pairs);
            long c1 = CpuClock.threadCpuNanos();
            long w1 = System.nanoTime();
            return new Established(nat, payload, 2 * pairs, w1 - w0, c0 < 0 ? -1 : c1 - c0, flow.unexpected());
        } finally {
            net.close();
        }
    }

    /** Used heap after full collections: the least of three, so that a late finaliser or TLAB does not count. */
    static long settledUsedHeap() {
        Runtime rt = Runtime.getRuntime();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            best = Math.min(best, rt.totalMemory() - rt.freeMemory());
        }
        return best;
    }
}
