package org.conntrack4j.jmh;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.conntrack4j.bench.CpuClock;
import org.conntrack4j.bench.HotFlow;
import org.conntrack4j.core.api.Conntrack;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Workload A (OVS {@code test-conntrack benchmark N_THREADS N_PKTS BATCH}): each thread sends its own UDP packet
 * (source port 1 + thread index) with commit, {@code batch} packets at a time, every packet parsed and looked up,
 * every verdict NEW. One operation is one packet; the score is time per packet per thread, so Mpps =
 * threads x 1000 / score.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class HotPathBenchmark {
    /** Packets per benchmark call: one batch of 32, or 32 batches of 1. */
    static final int PACKETS = 32;

    @Param({"32", "1"})
    public int batch;

    Conntrack net;
    final AtomicInteger threadIndex = new AtomicInteger();

    @Setup(Level.Trial)
    public void engine() {
        net = Engines.trackers().create("jmh-a", CpuClock.fixedClock(), Map.of());
        threadIndex.set(0);
    }

    @TearDown(Level.Trial)
    public void close() {
        net.close();
    }

    /** One thread's flow. */
    @State(Scope.Thread)
    public static class Flow {
        HotFlow flow;

        @Setup(Level.Trial)
        public void flow(HotPathBenchmark b) {
            flow = new HotFlow(b.net, b.threadIndex.getAndIncrement(), b.batch);
        }

        @TearDown(Level.Trial)
        public void check() {
            if (flow.notNew() != 0 || flow.parseErrors() != 0) {
                throw new IllegalStateException(flow.notNew() + " packets not NEW, " + flow.parseErrors()
                    + " not parsed");
            }
        }
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(PACKETS)
    public void oneThread(Flow f) {
        f.flow.process(PACKETS);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(PACKETS)
    public void twoThreads(Flow f) {
        f.flow.process(PACKETS);
    }
}
