package org.conntrack4j.bench;

import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import org.conntrack4j.core.api.Conntrack;

/**
 * Workload A, OVS's {@code test-conntrack benchmark N_THREADS N_PKTS BATCH}: each thread sends
 * {@code packets} copies of its own UDP packet, original direction only, {@code batch} at a time, with commit;
 * time stands still. Every packet is a lookup of an existing connection (after each thread's first) whose
 * verdict is NEW, since no reply ever comes. Timed between two barriers, as OVS does, from the first thread's
 * start to the last thread's end.
 */
public final class WorkloadA {
    /** One run's figures. */
    public static final class Result {
        public final int threads;
        public final long packetsPerThread;
        public final int batch;
        /** Wall time from the first thread's start to the last thread's end. */
        public final long wallNanos;
        /** CPU time of the worker threads between the barriers, summed (-1 if unknown). */
        public final long cpuNanos;
        /** CPU time of the whole process (every thread) from before the start barrier to after the end one (-1 if unknown). */
        public final long processCpuNanos;
        /** Packets whose verdict was not NEW, and packets the IP layer refused: both 0 when all is well. */
        public final long notNew;
        public final long parseErrors;
        /** Connections in the table at the end (one per thread). */
        public final int connections;

        Result(int threads, long packetsPerThread, int batch, long wallNanos, long cpuNanos, long processCpuNanos,
            long notNew, long parseErrors, int connections) {
            this.processCpuNanos = processCpuNanos;
            this.threads = threads;
            this.packetsPerThread = packetsPerThread;
            this.batch = batch;
            this.wallNanos = wallNanos;
            this.cpuNanos = cpuNanos;
            this.notNew = notNew;
            this.parseErrors = parseErrors;
            this.connections = connections;
        }

        public long packets() {
            return threads * packetsPerThread;
        }

        /** Million packets per second, all threads together. */
        public double mpps() {
            return packets() * 1e3 / wallNanos;
        }

        public double cpuNsPerPacket() {
            return cpuNanos < 0 ? Double.NaN : (double) cpuNanos / packets();
        }

        public double processCpuNsPerPacket() {
            return processCpuNanos < 0 ? Double.NaN : (double) processCpuNanos / packets();
        }

        public double wallNsPerPacket() {
            return (double) wallNanos / packets();
        }
    }

    private WorkloadA() {
    }

    /** One run on a fresh engine, closed afterwards. */
    public static Result run(EngineSource engines, int threads, long packetsPerThread, int batch) {
        if (threads < 1 || packetsPerThread < 1) {
            throw new IllegalArgumentException("threads " + threads + ", packets " + packetsPerThread);
        }
        Conntrack net = engines.create("bench-a", CpuClock.fixedClock(), Map.of());
        try {
            CyclicBarrier barrier = new CyclicBarrier(threads + 1);
            Worker[] workers = new Worker[threads];
            for (int i = 0; i < threads; i++) {
                workers[i] = new Worker(net, i, batch, packetsPerThread, barrier);
                workers[i].start();
            }
            // The workers take the time themselves: the main thread may wake late from a barrier on a busy machine.
            // The process's CPU is read around both barriers (the workers' few set-up objects fall inside).
            long pc0 = CpuClock.processCpuNanos();
            await(barrier);
            await(barrier);
            long pc1 = CpuClock.processCpuNanos();
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            long cpu = 0;
            long notNew = 0;
            long parseErrors = 0;
            for (Worker w : workers) {
                join(w);
                if (w.failure != null) {
                    throw new IllegalStateException("workload A thread " + w.index + " failed: " + w.failure, w.failure);
                }
                first = Math.min(first, w.start);
                last = Math.max(last, w.end);
                cpu = w.cpu < 0 || cpu < 0 ? -1 : cpu + w.cpu;
                notNew += w.flow.notNew();
                parseErrors += w.flow.parseErrors();
            }
            return new Result(threads, packetsPerThread, batch, last - first, cpu, pc0 < 0 || pc1 < 0 ? -1 : pc1 - pc0,
                notNew, parseErrors, net.table().count());
        } finally {
            net.close();
        }
    }

    /** One sending thread; its flow is built before the first barrier, outside the timed part. */
    private static final class Worker extends Thread {
        final int index;
        private final Conntrack net;
        private final int batch;
        private final long packets;
        private final CyclicBarrier barrier;
        HotFlow flow;
        long cpu;
        long start;
        long end;
        Throwable failure;

        Worker(Conntrack net, int index, int batch, long packets, CyclicBarrier barrier) {
            super("bench-a-" + index);
            setDaemon(true);
            this.net = net;
            this.index = index;
            this.batch = batch;
            this.packets = packets;
            this.barrier = barrier;
        }

        @Override
        public void run() {
            try {
                flow = new HotFlow(net, index, batch);
            } catch (RuntimeException | Error e) {
                failure = e;
            }
            await(barrier);
            start = System.nanoTime();
            long c0 = CpuClock.threadCpuNanos();
            if (failure == null) {
                try {
                    flow.process(packets);
                } catch (RuntimeException | Error e) {
                    failure = e;
                }
            }
            long c1 = CpuClock.threadCpuNanos();
            end = System.nanoTime();
            cpu = c0 < 0 ? -1 : c1 - c0;
            await(barrier);
        }
    }

    static void await(CyclicBarrier b) {
        try {
            b.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (BrokenBarrierException e) {
            throw new IllegalStateException("barrier broken", e);
        }
    }

    static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
