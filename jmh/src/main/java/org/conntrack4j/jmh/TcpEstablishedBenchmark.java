package org.conntrack4j.jmh;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.conntrack4j.bench.CpuClock;
import org.conntrack4j.bench.EngineSource;
import org.conntrack4j.bench.Router;
import org.conntrack4j.bench.TcpFlow;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Workload C's TCP established path: one connection through a router (PRE_ROUTING, POST_ROUTING), after a
 * handshake, the client's data segments of {@code payload} bytes and the server's ACKs, window tracking and
 * checksum verification on every packet; plain, or through masquerade (needs the NAT bundle on the class path,
 * else the trial fails with "skipped: NAT bundle not installed"). One operation is one packet. Run with
 * {@code -prof gc}: the allocation per packet must be 0 B/op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class TcpEstablishedBenchmark {
    static final int PAIRS = 32;

    @Param({"64", "1448"})
    public int payload;

    @Param({"plain", "masquerade"})
    public String path;

    Conntrack net;
    Router router;
    TcpFlow flow;

    @Setup(Level.Trial)
    public void connect() {
        boolean nat = path.equals("masquerade");
        EngineSource engines = nat ? Engines.withNat() : Engines.trackers();
        if (engines == null) {
            throw new IllegalStateException(Router.NAT_MISSING + " (" + Engines.NAT_COMPONENT
                + " is not on the class path)");
        }
        net = engines.create("jmh-c", CpuClock.fixedClock(), Map.of());
        router = Router.attach(net, nat);
        if (router == null) {
            throw new IllegalStateException(Router.NAT_MISSING);
        }
        flow = new TcpFlow(net, new Packet(2048), router.lan, router.wan, 0x0a00_0002, 40000, Router.SERVER,
            Router.SERVER_PORT, payload);
        if (!flow.handshake()) {
            throw new IllegalStateException("handshake not tracked: " + flow.lastPacket().reason);
        }
    }

    @TearDown(Level.Trial)
    public void check() {
        long bad = flow.unexpected();
        router.close();
        net.close();
        if (bad != 0) {
            throw new IllegalStateException(bad + " packets not seen as ESTABLISHED");
        }
    }

    @Benchmark
    @OperationsPerInvocation(2 * PAIRS)
    public void dataAndAcks() {
        flow.exchange(PAIRS);
    }
}
