package org.conntrack4j.bench;

import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Packet;

/**
 * Workload B, OVS's {@code benchmark-zones N_CONNS N_ZONES ITERATIONS}, single thread: every flow of
 * {@link ZoneFlows} committed in each zone 0..N_ZONES-1, then ITERATIONS times: flush zone 1; commit all flows
 * into zone 1 (new connections); process them all again without commit (lookups of existing entries); flush
 * an empty zone (65535, as OVS). Each phase is timed (wall and CPU); per-operation figures are phase time /
 * N_CONNS.
 */
public final class WorkloadB {
    /** Zone flushed and refilled each iteration, and the empty zone flushed at its end (OVS's choices). */
    public static final int ZONE = 1;
    public static final int EMPTY_ZONE = 65535;

    public static final int FLUSH = 0;
    public static final int COMMIT = 1;
    public static final int LOOKUP = 2;
    public static final int FLUSH_EMPTY = 3;
    public static final String[] PHASES = {"flush full zone", "commit (new conn)", "lookup (no commit)",
        "flush empty zone"};

    /** One run's figures. */
    public static final class Result {
        public final int conns;
        public final int zones;
        public final int iterations;
        /** Connections in the table after the initial insert. */
        public final int initialCount;
        /** Per phase and iteration: wall and CPU nanoseconds of the phase. */
        public final long[][] wall;
        public final long[][] cpu;
        /** Per iteration: entries flushed from zone 1, connections confirmed by the commit, lookups that found one. */
        public final int[] flushed;
        public final int[] committed;
        public final int[] found;
        public final int[] flushedEmpty;

        Result(int conns, int zones, int iterations, int initialCount) {
            this.conns = conns;
            this.zones = zones;
            this.iterations = iterations;
            this.initialCount = initialCount;
            wall = new long[4][iterations];
            cpu = new long[4][iterations];
            flushed = new int[iterations];
            committed = new int[iterations];
            found = new int[iterations];
            flushedEmpty = new int[iterations];
        }

        /** The phase's best iteration, wall time per connection. */
        public double minWallNsPerOp(int phase) {
            return min(wall[phase]) / (double) conns;
        }

        /** The phase's best iteration, CPU time per connection. */
        public double minCpuNsPerOp(int phase) {
            return min(cpu[phase]) / (double) conns;
        }

        private static long min(long[] a) {
            long m = Long.MAX_VALUE;
            for (long v : a) {
                m = Math.min(m, v);
            }
            return m;
        }
    }

    /** Lookups of all flows of zone 1 by several threads at once (the scaling part of workload C). */
    public static final class Scaling {
        public final int threads;
        /** Lookups done, all threads together, and the wall and summed CPU time they took. */
        public final long lookups;
        public final long wallNanos;
        public final long cpuNanos;
        public final long found;

        Scaling(int threads, long lookups, long wallNanos, long cpuNanos, long found) {
            this.threads = threads;
            this.lookups = lookups;
            this.wallNanos = wallNanos;
            this.cpuNanos = cpuNanos;
            this.found = found;
        }

        /** Million lookups per second, all threads together. */
        public double mlps() {
            return lookups * 1e3 / wallNanos;
        }

        public double cpuNsPerLookup() {
            return cpuNanos < 0 ? Double.NaN : (double) cpuNanos / lookups;
        }
    }

    private WorkloadB() {
    }

    /** The settings that let the table hold every zone's flows without early drop. */
    public static Map<String, String> settings(int conns, int zones) {
        long total = (long) conns * zones + conns;
        long buckets = 262144;
        while (buckets < total && buckets < (1 << 26)) {
            buckets <<= 1;
        }
        long max = Math.max(262144, Math.min(total, Integer.MAX_VALUE));
        return Map.of("nf_conntrack_max", Long.toString(max), "nf_conntrack_buckets", Long.toString(buckets));
    }

    /** One run on a fresh engine: initial insert, then the iterations. */
    public static Result run(EngineSource engines, ZoneFlows flows, int zones, int iterations) {
        return run(engines, flows, zones, iterations, null, null);
    }

    /**
     * As {@link #run(EngineSource, ZoneFlows, int, int)}; then, if {@code scalingThreads} is given, zone 1 is
     * looked up by each number of threads in it, into {@code scalingOut}.
     */
    public static Result run(EngineSource engines, ZoneFlows flows, int zones, int iterations, int[] scalingThreads,
        Scaling[] scalingOut) {
        Conntrack net = engines.create("bench-b", CpuClock.fixedClock(), settings(flows.count(), zones));
        try {
            Result r = iterate(net, flows, zones, iterations);
            if (scalingThreads != null) {
                for (int i = 0; i < scalingThreads.length; i++) {
                    scalingOut[i] = lookups(net, flows, scalingThreads[i]);
                }
            }
            return r;
        } finally {
            net.close();
        }
    }

    private static Result iterate(Conntrack net, ZoneFlows flows, int zones, int iterations) {
        if (zones < 2 || zones > EMPTY_ZONE) {
            throw new IllegalArgumentException("zones must be 2.." + EMPTY_ZONE + " (zone 1 is flushed): " + zones);
        }
        Packet p = new Packet(256);
        for (int z = 0; z < zones; z++) {
            flows.commitAll(net, z, p);
        }
        Result r = new Result(flows.count(), zones, iterations, net.table().count());
        for (int it = 0; it < iterations; it++) {
            long w0 = System.nanoTime();
            long c0 = CpuClock.threadCpuNanos();
            r.flushed[it] = net.table().delete(WorkloadB::inZone1);
            long w1 = System.nanoTime();
            long c1 = CpuClock.threadCpuNanos();
            r.committed[it] = flows.commitAll(net, ZONE, p);
            long w2 = System.nanoTime();
            long c2 = CpuClock.threadCpuNanos();
            r.found[it] = flows.lookupAll(net, ZONE, p, 0);
            long w3 = System.nanoTime();
            long c3 = CpuClock.threadCpuNanos();
            r.flushedEmpty[it] = net.table().delete(WorkloadB::inEmptyZone);
            long w4 = System.nanoTime();
            long c4 = CpuClock.threadCpuNanos();
            long[] w = {w0, w1, w2, w3, w4};
            long[] c = {c0, c1, c2, c3, c4};
            for (int ph = 0; ph < 4; ph++) {
                r.wall[ph][it] = w[ph + 1] - w[ph];
                r.cpu[ph][it] = c[0] < 0 ? -1 : c[ph + 1] - c[ph];
            }
        }
        return r;
    }

    private static boolean inZone1(Connection c) {
        return c.zone() == ZONE;
    }

    private static boolean inEmptyZone(Connection c) {
        return c.zone() == EMPTY_ZONE;
    }

    /**
     * {@code threads} threads each look up every flow of zone 1 once (each from its own starting flow); timed from
     * the first thread's start to the last thread's end.
     */
    static Scaling lookups(Conntrack net, ZoneFlows flows, int threads) {
        CyclicBarrier barrier = new CyclicBarrier(threads + 1);
        long[] cpu = new long[threads];
        long[] start = new long[threads];
        long[] end = new long[threads];
        long[] found = new long[threads];
        Throwable[] failure = new Throwable[threads];
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            int index = i;
            ts[i] = new Thread(() -> {
                Packet p = new Packet(256);
                WorkloadA.await(barrier);
                start[index] = System.nanoTime();
                long c0 = CpuClock.threadCpuNanos();
                try {
                    found[index] = flows.lookupAll(net, ZONE, p, (int) ((long) flows.count() * index / threads));
                } catch (RuntimeException | Error e) {
                    failure[index] = e;
                }
                cpu[index] = c0 < 0 ? -1 : CpuClock.threadCpuNanos() - c0;
                end[index] = System.nanoTime();
                WorkloadA.await(barrier);
            }, "bench-b-lookup-" + i);
            ts[i].setDaemon(true);
            ts[i].start();
        }
        WorkloadA.await(barrier);
        WorkloadA.await(barrier);
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long cpuSum = 0;
        long foundSum = 0;
        for (int i = 0; i < threads; i++) {
            WorkloadA.join(ts[i]);
            if (failure[i] != null) {
                throw new IllegalStateException("lookup thread " + i + " failed: " + failure[i], failure[i]);
            }
            first = Math.min(first, start[i]);
            last = Math.max(last, end[i]);
            cpuSum = cpu[i] < 0 || cpuSum < 0 ? -1 : cpuSum + cpu[i];
            foundSum += found[i];
        }
        return new Scaling(threads, (long) flows.count() * threads, last - first, cpuSum, foundSum);
    }
}
