package org.conntrack4j.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU time per operation ({@code -prof org.conntrack4j.jmh.CpuTimeProfiler}): the benchmark JVM's CPU time (user +
 * system, every thread: the benchmark threads, GC and JIT) over an iteration, divided by the operations of that
 * iteration. On a shared machine it is steadier than the wall-clock score, which counts the time other processes
 * held the cores. Per-call setup (ZonesBenchmark's refill and flush) runs inside the iteration and is included.
 */
public final class CpuTimeProfiler implements InternalProfiler {
    private long cpuBefore;

    @Override
    public String getDescription() {
        return "process CPU time per operation (user+sys, all threads)";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        cpuBefore = processCpuNanos();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
        IterationResult result) {
        long cpu = processCpuNanos() - cpuBefore;
        long ops = result.getMetadata().getAllOps();
        if (cpuBefore < 0 || ops <= 0) {
            return List.of();
        }
        return List.of(new ScalarResult("cpu.time.norm", (double) cpu / ops, "ns/op", AggregationPolicy.AVG));
    }

    private static long processCpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        return -1;
    }
}
