package org.conntrack4j.jmh;

import java.util.concurrent.TimeUnit;
import org.conntrack4j.bench.CpuClock;
import org.conntrack4j.bench.WorkloadB;
import org.conntrack4j.bench.ZoneFlows;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Packet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Workload B (OVS {@code test-conntrack benchmark-zones 100000 2 ITERATIONS}), single thread: 100,000 flows
 * committed in zones 0 and 1, then, per benchmark: committing all flows into the emptied zone 1 (new
 * connections), looking all of them up in the full zone 1 without commit, flushing the full zone 1. One call
 * handles every flow; one operation is one flow, as OVS's phase time / N_CONNS. The untimed per-call setup
 * empties or refills zone 1.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class ZonesBenchmark {
    static final int CONNS = 100_000;
    static final int ZONES = 2;

    ZoneFlows flows;
    Conntrack net;
    final Packet packet = new Packet(256);
    /** Entries of a full zone (99,999: two flows share their ports). */
    int perZone;

    @Setup(Level.Trial)
    public void fill() {
        flows = new ZoneFlows(CONNS);
        net = Engines.trackers().create("jmh-b", CpuClock.fixedClock(), WorkloadB.settings(CONNS, ZONES));
        for (int z = 0; z < ZONES; z++) {
            flows.commitAll(net, z, packet);
        }
        perZone = net.table().count() / ZONES;
    }

    @TearDown(Level.Trial)
    public void close() {
        net.close();
    }

    /** Zone 1 emptied before each call. */
    @State(Scope.Thread)
    public static class EmptyZone {
        @Setup(Level.Invocation)
        public void flush(ZonesBenchmark b) {
            b.net.table().delete(WorkloadB.ZONE, null);
        }
    }

    /** Zone 1 full before each call. */
    @State(Scope.Thread)
    public static class FullZone {
        @Setup(Level.Invocation)
        public void refill(ZonesBenchmark b) {
            if (b.net.table().count() < ZONES * b.perZone) {
                b.flows.commitAll(b.net, WorkloadB.ZONE, b.packet);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(CONNS)
    public int newConnection(EmptyZone z) {
        int n = flows.commitAll(net, WorkloadB.ZONE, packet);
        if (n != CONNS) {
            throw new IllegalStateException(n + " of " + CONNS + " committed");
        }
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(CONNS)
    public int lookup() {
        int n = flows.lookupAll(net, WorkloadB.ZONE, packet, 0);
        if (n != CONNS) {
            throw new IllegalStateException(n + " of " + CONNS + " found");
        }
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(CONNS)
    public int flushZone(FullZone z) {
        int n = net.table().delete(WorkloadB.ZONE, null);
        if (n != perZone) {
            throw new IllegalStateException(n + " of " + perZone + " flushed");
        }
        return n;
    }
}
