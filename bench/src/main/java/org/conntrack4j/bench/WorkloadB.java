package org.conntrack4j.bench;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Packet;

/**
 * Workload B, OVS's {@code benchmark-zones N_CONNS N_ZONES ITERATIONS}, single thread: every flow of
 * {@link ZoneFlows} committed in each zone 0..N_ZONES-1, then ITERATIONS times: flush zone 1; commit all flows
 * into zone 1 (new connections); process them all again without commit (lookups of existing entries); flush
 * an empty zone (65535, as OVS). Warm-up iterations, alike but not recorded, come first. Each phase is timed
 * (wall, the thread's CPU and the whole process's CPU); per-operation figures are phase time / N_CONNS. After the
 * iterations, zone 1 is flushed and committed once more with each new connection timed on its own (wall clock:
 * what a packet waits, collector pauses included) for the latency percentiles; that pass is in no other figure.
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
        /** Per phase and iteration: wall, the thread's CPU and the whole process's CPU nanoseconds of the phase. */
        public final long[][] wall;
        public final long[][] cpu;
        public final long[][] processCpu;
        /** Wall and whole-process CPU nanoseconds of all the timed iterations together. */
        public long iterationsWall;
        public long iterationsProcessCpu;
        /** Wall nanoseconds of each new connection of the latency pass, sorted. */
        public long[] latencies = new long[0];
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
            processCpu = new long[4][iterations];
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

        /** The phase's whole-process CPU per connection, averaged over the iterations (-1 if unknown). */
        public double processCpuNsPerOp(int phase) {
            long sum = 0;
            for (long v : processCpu[phase]) {
                if (v < 0) {
                    return -1;
                }
                sum += v;
            }
            return sum / (double) conns / iterations;
        }

        /** Whole-process CPU of the timed iterations per iteration and connection (every phase; -1 if unknown). */
        public double processCpuNsPerIterationConn() {
            return iterationsProcessCpu < 0 ? -1 : iterationsProcessCpu / (double) conns / iterations;
        }

        /** The latency of the new connections at quantile {@code q} (0-1), nanoseconds; -1 without a latency pass. */
        public long latency(double q) {
            if (latencies.length == 0) {
                return -1;
            }
            int i = (int) Math.ceil(q * latencies.length) - 1;
            return latencies[Math.max(0, Math.min(latencies.length - 1, i))];
        }

        private static long min(long[] a) {
            long m = Long.MAX_VALUE;
            for (long v : a) {
                m = Math.min(m, v);
            }
            return m;
        }
    }

    /**
     * Lookups of all flows of zone 1, or commits of them into an emptied zone 1, by several threads at once (the
     * scaling part).
     */
    public static final class Scaling {
        public final int threads;
        /** Operations done, all threads together, and the wall and summed CPU time they took. */
        public final long lookups;
        public final long wallNanos;
        public final long cpuNanos;
        public final long found;
        /** The whole process's CPU from before the threads were released to after they all ended (-1 if unknown). */
        public final long processCpuNanos;

        Scaling(int threads, long lookups, long wallNanos, long cpuNanos, long found, long processCpuNanos) {
            this.threads = threads;
            this.lookups = lookups;
            this.wallNanos = wallNanos;
            this.cpuNanos = cpuNanos;
            this.found = found;
            this.processCpuNanos = processCpuNanos;
        }

        public double processCpuNsPerLookup() {
            return processCpuNanos < 0 ? Double.NaN : (double) processCpuNanos / lookups;
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

    /** One run on a fresh engine: initial insert, then the iterations, without warm-up or latency pass. */
    public static Result run(EngineSource engines, ZoneFlows flows, int zones, int iterations) {
        return run(engines, flows, zones, 0, iterations, false, null, null);
    }

    /**
     * One run on a fresh engine: initial insert, {@code warmup} iterations, the timed {@code iterations}, with
     * {@code latency} the latency pass; then, if {@code scalingThreads} is given, zone 1 is looked up by each number
     * of threads in it, then flushed and committed anew by each number of threads, into {@code scalingOut} (twice
     * as long as {@code scalingThreads}: the lookups, then the commits).
     */
    public static Result run(EngineSource engines, ZoneFlows flows, int zones, int warmup, int iterations,
        boolean latency, int[] scalingThreads, Scaling[] scalingOut) {
        Conntrack net = engines.create("bench-b", CpuClock.fixedClock(), settings(flows.count(), zones));
        try {
            Result r = iterate(net, flows, zones, warmup, iterations);
            if (latency) {
                r.latencies = latencies(net, flows);
            }
            if (scalingThreads != null) {
                for (int i = 0; i < scalingThreads.length; i++) {
                    scalingOut[i] = lookups(net, flows, scalingThreads[i]);
                }
                for (int i = 0; i < scalingThreads.length; i++) {
                    scalingOut[scalingThreads.length + i] = commits(net, flows, scalingThreads[i]);
                }
            }
            return r;
        } finally {
            net.close();
        }
    }

    private static Result iterate(Conntrack net, ZoneFlows flows, int zones, int warmup, int iterations) {
        if (zones < 2 || zones > EMPTY_ZONE) {
            throw new IllegalArgumentException("zones must be 2.." + EMPTY_ZONE + " (zone 1 is flushed): " + zones);
        }
        Packet p = new Packet(256);
        for (int z = 0; z < zones; z++) {
            flows.commitAll(net, z, p);
        }
        Result r = new Result(flows.count(), zones, iterations, net.table().count());
        Result scratch = warmup > 0 ? new Result(flows.count(), zones, 1, 0) : null;
        for (int it = 0; it < warmup; it++) {
            iteration(net, flows, p, scratch, 0);
        }
        long w0 = System.nanoTime();
        long pc0 = CpuClock.processCpuNanos();
        for (int it = 0; it < iterations; it++) {
            iteration(net, flows, p, r, it);
        }
        long pc1 = CpuClock.processCpuNanos();
        r.iterationsWall = System.nanoTime() - w0;
        r.iterationsProcessCpu = pc0 < 0 || pc1 < 0 ? -1 : pc1 - pc0;
        return r;
    }

    /** One iteration, its figures into {@code r} at {@code it}. */
    private static void iteration(Conntrack net, ZoneFlows flows, Packet p, Result r, int it) {
        // per phase: {wall, thread CPU, process CPU} at its start and its end; the slow process CPU read is taken
        // outside the wall and thread spans
        long[] t = new long[6];
        start(t);
        r.flushed[it] = net.table().delete(ZONE, null);
        end(t, r, FLUSH, it);
        start(t);
        r.committed[it] = flows.commitAll(net, ZONE, p);
        end(t, r, COMMIT, it);
        start(t);
        r.found[it] = flows.lookupAll(net, ZONE, p, 0);
        end(t, r, LOOKUP, it);
        start(t);
        r.flushedEmpty[it] = net.table().delete(EMPTY_ZONE, null);
        end(t, r, FLUSH_EMPTY, it);
    }

    private static void start(long[] t) {
        t[2] = CpuClock.processCpuNanos();
        t[1] = CpuClock.threadCpuNanos();
        t[0] = System.nanoTime();
    }

    private static void end(long[] t, Result r, int phase, int it) {
        t[3] = System.nanoTime();
        t[4] = CpuClock.threadCpuNanos();
        t[5] = CpuClock.processCpuNanos();
        r.wall[phase][it] = t[3] - t[0];
        r.cpu[phase][it] = t[1] < 0 ? -1 : t[4] - t[1];
        r.processCpu[phase][it] = t[2] < 0 || t[5] < 0 ? -1 : t[5] - t[2];
    }

    /** Zone 1 flushed, then committed flow by flow, each new connection timed alone; sorted nanoseconds. */
    static long[] latencies(Conntrack net, ZoneFlows flows) {
        Packet p = new Packet(256);
        net.table().delete(ZONE, null);
        long[] lat = new long[flows.count()];
        for (int i = 0; i < lat.length; i++) {
            long t0 = System.nanoTime();
            flows.receive(i, p, ZONE);
            net.packets().in(p);
            net.packets().confirm(p);
            lat[i] = System.nanoTime() - t0;
        }
        Arrays.sort(lat);
        return lat;
    }

    /**
     * Passes over zone 1 by the scaling measurements: enough for about 2,000,000 operations, so that the process's
     * CPU (counted in 10 ms ticks) adds up to a fair figure.
     */
    static int passes(int conns) {
        return Math.max(1, Math.min(100, 2_000_000 / conns));
    }

    /**
     * {@code threads} threads each look up every flow of zone 1 once per pass (each from its own starting flow);
     * each pass timed from the first thread's start to the last thread's end.
     */
    static Scaling lookups(Conntrack net, ZoneFlows flows, int threads) {
        int passes = passes(flows.count());
        return together(threads, passes, "bench-b-lookup-", () -> { }, (p, index) ->
            flows.lookupAll(net, ZONE, p, (int) ((long) flows.count() * index / threads)),
            (long) flows.count() * threads * passes);
    }

    /**
     * Per pass, zone 1 flushed (untimed), then {@code threads} threads commit its flows anew, each its own share (new
     * connections from several threads at once: do they wait for each other?); found = connections confirmed.
     */
    static Scaling commits(Conntrack net, ZoneFlows flows, int threads) {
        int n = flows.count();
        int passes = passes(n);
        return together(threads, passes, "bench-b-commit-", () -> net.table().delete(ZONE, null), (p, index) ->
            flows.commitRange(net, ZONE, p, (int) ((long) n * index / threads), (int) ((long) n * (index + 1) / threads)),
            (long) n * passes);
    }

    /** The work of one thread of {@link #together} in one pass: returns what it counts as found. */
    private interface Share {
        long run(Packet p, int index);
    }

    /**
     * Runs {@code share} on {@code threads} threads at once, {@code passes} times, {@code beforePass} on the calling
     * thread before each pass (outside every figure): wall time, the threads' CPU and the process's CPU of the passes
     * only, summed.
     */
    private static Scaling together(int threads, int passes, String name, Runnable beforePass, Share share,
        long operations) {
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
                for (int pass = 0; pass < passes; pass++) {
                    WorkloadA.await(barrier);
                    start[index] = System.nanoTime();
                    long c0 = CpuClock.threadCpuNanos();
                    try {
                        if (failure[index] == null) {
                            found[index] += share.run(p, index);
                        }
                    } catch (RuntimeException | Error e) {
                        failure[index] = e;
                    }
                    cpu[index] = c0 < 0 || cpu[index] < 0 ? -1 : cpu[index] + CpuClock.threadCpuNanos() - c0;
                    end[index] = System.nanoTime();
                    WorkloadA.await(barrier);
                }
            }, name + i);
            ts[i].setDaemon(true);
            ts[i].start();
        }
        long wall = 0;
        long processCpu = 0;
        for (int pass = 0; pass < passes; pass++) {
            beforePass.run();
            long pc0 = CpuClock.processCpuNanos();
            WorkloadA.await(barrier);
            WorkloadA.await(barrier);
            long pc1 = CpuClock.processCpuNanos();
            processCpu = pc0 < 0 || pc1 < 0 || processCpu < 0 ? -1 : processCpu + pc1 - pc0;
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            for (int i = 0; i < threads; i++) {
                first = Math.min(first, start[i]);
                last = Math.max(last, end[i]);
            }
            wall += last - first;
        }
        long cpuSum = 0;
        long foundSum = 0;
        for (int i = 0; i < threads; i++) {
            WorkloadA.join(ts[i]);
            if (failure[i] != null) {
                throw new IllegalStateException(name + i + " failed: " + failure[i], failure[i]);
            }
            cpuSum = cpu[i] < 0 || cpuSum < 0 ? -1 : cpuSum + cpu[i];
            foundSum += found[i];
        }
        return new Scaling(threads, operations, wall, cpuSum, foundSum, processCpu);
    }
}
