package org.conntrack4j.bench;

import java.lang.ref.Reference;
import java.util.Map;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionUpdate;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Stats;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.clock.ManualClock;
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

    /** New-connection latencies measured while the expiry scan destroys a full table. */
    public static final class ExpiryPause {
        public final int expiring;
        /** Latencies of the new connections made while the scan ran, sorted, in nanoseconds. */
        public final long[] latencies;
        public final long scanNanos;
        /** Packets of the fill that got no connection, and expired entries left after the scan (0 when all is well). */
        public final long unexpected;
        public final long leftOver;
        /**
         * New connections dropped because the table was full and early drop found nothing to evict near them (Linux
         * drops them too); counted, not a failure.
         */
        public final long tableFull;
        /** Whether a new connection made once the scan was over found room (it must, unless the table is assured). */
        public final boolean roomAfterScan;

        ExpiryPause(int expiring, long[] latencies, long scanNanos, long unexpected, long leftOver, long tableFull,
            boolean roomAfterScan) {
            this.expiring = expiring;
            this.latencies = latencies;
            this.scanNanos = scanNanos;
            this.unexpected = unexpected;
            this.leftOver = leftOver;
            this.tableFull = tableFull;
            this.roomAfterScan = roomAfterScan;
        }

        /** The {@code q}-quantile (0..1) of the latencies, nanoseconds. */
        public long quantile(double q) {
            if (latencies.length == 0) {
                return -1;
            }
            return latencies[Math.min(latencies.length - 1, (int) Math.floor(q * latencies.length))];
        }
    }

    private WorkloadC() {
    }

    /**
     * A full table of {@code count} UDP connections ({@code nf_conntrack_max} reached) whose time is up, expired by
     * a scan on another thread, while this thread makes new connections and times each ({@code in} plus
     * {@code confirm}). Before the collector of API 2.0 a new connection in a full table waited for the whole scan;
     * the figure to watch is the tail (p999, max).
     */
    public static ExpiryPause expiryPause(EngineSource engines, int count) {
        return scanPause(engines, count, false);
    }

    /**
     * The same with a full table of {@code count} live ASSURED connections (a SYN flood meets a busy table): the
     * scan walks them all and destroys nothing, early drop finds nothing to evict, and every new connection is
     * dropped; what is timed is how long the drop takes while the scan runs.
     */
    public static ExpiryPause floodPause(EngineSource engines, int count) {
        return scanPause(engines, count, true);
    }

    private static ExpiryPause scanPause(EngineSource engines, int count, boolean assured) {
        ManualClock clock = CpuClock.fixedClock();
        Map<String, String> settings = new java.util.HashMap<>(settingsFor(count));
        settings.put("nf_conntrack_max", Integer.toString(count));
        Conntrack net = engines.create("bench-c-expiry", clock, settings);
        try {
            long unexpected = fillUdp(net, count);
            if (assured) {
                for (Connection c : net.table().connections(null)) {
                    c.setStatus(Status.ASSURED);
                    net.table().update(c, ConnectionUpdate.NONE.withTimeout(3600));
                }
            } else {
                clock.advanceSeconds(200); // every entry's time is up (UDP's longest timeout is 120 s)
            }
            net.table().expire(); // starts the expiry schedule: the first run is due a second later
            clock.advanceSeconds(1); // one run is due: one pass over the table (destroying every expired entry)
            Packet p = new Packet(256);
            byte[] f = new byte[Frames.UDP_FRAME];
            long[] lat = new long[1 << 16];
            int n = 0;
            long full = 0;
            Thread scan = new Thread(net.table()::expire, "bench-expiry-scan");
            long t0 = System.nanoTime();
            scan.start();
            while (scan.isAlive() || n == 0) {
                // new flows from another network, so that they never meet the expiring ones' tuples
                Frames.writeUdp(f, 0, 0x0b00_0000 + n, Router.SERVER, 1024 + (n & 0x7fff), 53);
                long a = System.nanoTime();
                boolean ok = track(net, p, f);
                long b = System.nanoTime();
                full += ok ? 0 : 1;
                if (n == lat.length) {
                    lat = java.util.Arrays.copyOf(lat, 2 * n);
                }
                lat[n++] = b - a;
            }
            try {
                scan.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long scanNanos = System.nanoTime() - t0;
            long[] sorted = java.util.Arrays.copyOf(lat, n);
            java.util.Arrays.sort(sorted);
            long left = assured ? count - net.table().count() : net.table().connections(c -> c.expires(net.now()) == 0).size();
            // Whether the scan made room is asked once it is over: the connections timed while it ran may all have
            // met a full table (a thread starved by a loaded machine times only the first few).
            Frames.writeUdp(f, 0, 0x0c00_0000, Router.SERVER, 1024, 53);
            boolean room = track(net, p, f);
            return new ExpiryPause(count, sorted, scanNanos, unexpected, left, full, room);
        } finally {
            net.close();
        }
    }

    /** What a flood of new flows did to a full table of unassured connections. */
    public static final class Flood {
        public final int table;
        /** Latencies of the flood's packets ({@code in} plus {@code confirm}), sorted, in nanoseconds. */
        public final long[] latencies;
        /** Flows that got a connection (early drop made room), and those dropped (no victim in their 8 buckets). */
        public final long inserted;
        public final long dropped;
        /** Connections dropped early, and the most the table held at any moment and at the end. */
        public final long earlyDrops;
        public final int most;
        public final int after;

        Flood(int table, long[] latencies, long inserted, long dropped, long earlyDrops, int most, int after) {
            this.table = table;
            this.latencies = latencies;
            this.inserted = inserted;
            this.dropped = dropped;
            this.earlyDrops = earlyDrops;
            this.most = most;
            this.after = after;
        }

        /** The table never went beyond its maximum, and every connection gone was counted as dropped early. */
        public boolean consistent() {
            return inserted + dropped == latencies.length && most <= table && table + inserted - after == earlyDrops;
        }

        public long quantile(double q) {
            return latencies.length == 0 ? -1 : latencies[Math.min(latencies.length - 1,
                (int) Math.floor(q * latencies.length))];
        }
    }

    /**
     * A full table of {@code count} unassured UDP connections ({@code nf_conntrack_max} reached: request and reply,
     * not yet a stream), then as many new one-way flows from another network, as a UDP or SYN flood: each finds the
     * table full and runs early drop, which kills the unassured entries of the first of 8 buckets that has some, or
     * drops the packet ({@code drop}). Times each flood packet; counts what went in, what was dropped early.
     */
    public static Flood earlyDropFlood(EngineSource engines, int count) {
        ManualClock clock = CpuClock.fixedClock();
        Map<String, String> settings = new java.util.HashMap<>(settingsFor(count));
        settings.put("nf_conntrack_max", Integer.toString(count));
        Conntrack net = engines.create("bench-c-flood", clock, settings);
        try {
            fillUdp(net, count);
            long early = net.stats().get(Stats.EARLY_DROP);
            Packet p = new Packet(256);
            byte[] f = new byte[Frames.UDP_FRAME];
            long[] lat = new long[count];
            long inserted = 0;
            int most = net.table().count();
            for (int i = 0; i < count; i++) {
                Frames.writeUdp(f, 0, 0x0b00_0000 + (i >>> 6), Router.SERVER, 1024 + (i & 63), 53);
                long a = System.nanoTime();
                boolean ok = track(net, p, f);
                lat[i] = System.nanoTime() - a;
                inserted += ok ? 1 : 0;
                most = Math.max(most, net.table().count());
            }
            java.util.Arrays.sort(lat);
            return new Flood(count, lat, inserted, count - inserted, net.stats().get(Stats.EARLY_DROP) - early, most,
                net.table().count());
        } finally {
            net.close();
        }
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
            int counted = net.table().count();
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
        net.packets().in(p);
        net.packets().confirm(p);
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
