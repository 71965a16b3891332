package org.conntrack4j.jmh;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.conntrack4j.bench.CpuClock;
import org.conntrack4j.bench.Frames;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.FlowOffload;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.router.Fate;
import org.conntrack4j.router.Forwarder;
import org.conntrack4j.router.Result;
import org.conntrack4j.router.Router;
import org.conntrack4j.router.RouterConfig;
import org.conntrack4j.router.RouterInterface;
import org.conntrack4j.router.Routers;
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
 * The router's forwarding path for an established UDP flow, both directions: L2 in, the IP layer's checks,
 * PRE_ROUTING (defragmentation, conntrack), routing, TTL, FORWARD, POST_ROUTING (confirm), L2 out into a sink that
 * keeps nothing, and the per-packet {@link Result}. With {@code -prof gc} it shows what the router allocates
 * per forwarded packet: nothing is the target. With {@code flowtable=true} the flow is in a flowtable on both links
 * (added by a forward hook standing in for nftables' {@code flow add}, which lives in the rules bundle): its packets
 * go from ingress straight out, and the figure is what the fast path costs against the slow one.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class RouterBenchmark {
    static final int PAIRS = 16;
    private static final int CLIENT = 0xc633640a; // 198.51.100.10
    private static final int SERVER = 0xcb00710a; // 203.0.113.10

    @Param({"false", "true"})
    boolean flowtable;

    Conntrack net;
    Router router;
    Forwarder forwarder;
    final Result result = new Result();
    byte[] request;
    byte[] reply;
    long tstamp = CpuClock.FIXED_WALL_NANOS;
    long notForwarded;

    /** A 42-byte UDP frame with TTL 64 and a valid header checksum. */
    private static byte[] frame(int src, int dst, int sport, int dport) {
        byte[] f = new byte[Frames.UDP_FRAME];
        Frames.writeUdp(f, 0, src, dst, sport, dport);
        Packet p = new Packet(64).wrap(f, Frames.ETH, f.length - Frames.ETH);
        p.put8(8, 64);
        p.put16(10, 0);
        p.put16(10, Checksum.ipv4Header(p));
        return f;
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        net = Engines.trackers().create("jmh-router", CpuClock.fixedClock(), Map.of());
        List<RouterInterface> ifs = List.of(
            RouterInterface.of("lan", "02:00:00:00:01:01", "02:00:00:00:01:02", 1500, "198.51.100.1/24"),
            RouterInterface.of("wan", "02:00:00:00:02:01", "02:00:00:00:02:02", 1500, "203.0.113.1/24"));
        router = Routers.create(net, RouterConfig.of(ifs));
        forwarder = router.forwarder((port, t, b, off, len) -> { });
        if (flowtable) {
            FlowOffload.Flowtable ft = net.services().extension(FlowOffload.class).create("jmh", Family.IPV4,
                List.of("lan", "wan"), 0, 0);
            net.packets().registerHook(Family.IPV4, Hook.FORWARD, 0, p -> {
                if (p.ct != null && p.ct.isConfirmed()) {
                    ft.add(p);
                }
                return Verdict.ACCEPT;
            }, "jmh flow add");
        }
        request = frame(CLIENT, SERVER, 40000, 53);
        reply = frame(SERVER, CLIENT, 53, 40000);
        forward("lan", request);
        forward("wan", reply);
        // the reply joined the flowtable (if any) in forward: from here on every packet takes one way
        notForwarded = 0;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        router.close();
        net.close();
        if (notForwarded != 0) {
            throw new IllegalStateException(notForwarded + " packets not forwarded");
        }
    }

    private void forward(String iface, byte[] f) throws IOException {
        forwarder.receive(iface, Forwarder.LINKTYPE_ETHERNET, f, 0, f.length, tstamp, 0, result);
        if (result.fate != (flowtable ? Fate.OFFLOADED : Fate.FORWARDED)) {
            notForwarded++;
        }
    }

    @Benchmark
    @OperationsPerInvocation(2 * PAIRS)
    public void established() throws IOException {
        for (int i = 0; i < PAIRS; i++) {
            forward("lan", request);
            forward("wan", reply);
        }
    }
}
