package org.conntrack4j.jmh;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.conntrack4j.bench.CpuClock;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.proto.udp.UdpTracker;
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
 * What a tracker pays per setting it reads on the packet path ({@code net.settings().get(key)}, the key a
 * constant), in an engine with the UDP and TCP trackers registered. One operation is one read.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class SettingsBenchmark {
    Conntrack net;

    @Setup(Level.Trial)
    public void engine() {
        net = Engines.trackers().create("jmh-settings", CpuClock.fixedClock(), Map.of());
    }

    @TearDown(Level.Trial)
    public void close() {
        net.close();
    }

    /** The UDP tracker's first key (its unreplied timeout), a constant as in the tracker. */
    static final SettingKey UDP_TIMEOUT = new UdpTracker().settings().get(0);

    /** The two reads of workload A's UDP path: the core's checksum switch, the tracker's timeout. */
    @Benchmark
    @OperationsPerInvocation(2)
    public long udpPacketReads() {
        return net.settings().get(CoreSettings.CHECKSUM) + net.settings().get(UDP_TIMEOUT);
    }

    /** A plug-in's key alone. */
    @Benchmark
    public long pluginKey() {
        return net.settings().get(UDP_TIMEOUT);
    }

    /** A key of the core alone. */
    @Benchmark
    public long coreKey() {
        return net.settings().get(CoreSettings.CHECKSUM);
    }
}
