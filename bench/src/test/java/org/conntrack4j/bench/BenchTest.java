package org.conntrack4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BenchTest {
    @Test
    void optionsHaveTheDocumentedDefaultsAndQuickSizes() {
        BenchOptions d = BenchOptions.parse();
        assertEquals(Set.of('A', 'B', 'C'), d.workloads);
        assertArrayEquals(new int[] {1, 2}, d.threads);
        assertArrayEquals(new int[] {32, 1}, d.batches);
        assertArrayEquals(new int[] {10_000, 100_000, 1_000_000}, d.conns);
        assertEquals(2, d.zones);
        assertEquals(20, d.iterationsFor(100_000));
        assertEquals(200, d.iterationsFor(10_000));
        assertEquals(3, d.iterationsFor(1_000_000), "a million connections: fewer iterations unless given");
        assertEquals(20, BenchOptions.parse("--iterations", "20").iterationsFor(1_000_000));
        assertEquals(1_000_000, d.warmupPackets());
        assertEquals(2, d.warmupIterations());
        BenchOptions w = BenchOptions.parse("--warmup", "5", "--conns", "1000");
        assertEquals(5, w.warmupPackets());
        assertEquals(5, w.warmupIterations());
        assertArrayEquals(new int[] {1000}, w.conns);
        assertEquals(1_000_000, d.memoryConns);
        BenchOptions q = BenchOptions.parse("--workload", "a,c", "--quick", "--threads", "1,2,4", "--runs", "2");
        assertTrue(q.quick);
        assertEquals(Set.of('A', 'C'), q.workloads);
        assertArrayEquals(new int[] {1, 2, 4}, q.threads);
        assertEquals(2, q.runs);
        assertEquals(1_000_000, q.packets);
    }

    @Test
    void theRouterWorkloadIsAskedForByName() {
        BenchOptions r = BenchOptions.parse("--workload", "r", "--quick");
        assertEquals(Set.of('R'), r.workloads);
        assertEquals(2, r.seconds);
        assertEquals(7, BenchOptions.parse("--workload", "R", "--seconds", "7").seconds);
        assertEquals(Set.of('A', 'B', 'C'), BenchOptions.parse("--workload", "all").workloads, "R needs root: not in all");
    }

    /** Outside the distribution (no conntrack4j.home, as here) workload R says what it needs and counts as failed. */
    @Test
    void theReplayWorkloadRunsTheKindsAskedFor() {
        BenchOptions d = BenchOptions.parse("--workload", "replay");
        assertEquals(6, WorkloadReplay.kinds(d).size());
        assertFalse(d.warmOnly);
        BenchOptions o = BenchOptions.parse("--workload", "replay", "--replay-kinds", "verdicts,all", "--warm-only");
        assertEquals(List.of("all", "verdicts"), WorkloadReplay.kinds(o).stream().map(k -> k.name()).toList());
        assertTrue(o.warmOnly);
        assertThrows(IllegalArgumentException.class,
            () -> WorkloadReplay.kinds(BenchOptions.parse("--replay-kinds", "fast")));
    }

    @Test
    void theRouterWorkloadNeedsTheDistribution() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        int status = new Bench(TestEngines.withTrackers(), out, "test engines").run(BenchOptions.parse("--workload",
            "R"));
        String text = buf.toString(StandardCharsets.UTF_8);
        assertEquals(1, status, text);
        assertTrue(text.contains("Workload R: FAILED: needs the distribution"), text);
    }

    @Test
    void badOptionsAreRefusedWithTheReason() {
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--workload", "D"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--threads", "0"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--zones", "1"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--packets"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--fast"));
    }

    @Test
    void tinyRunOfEveryWorkloadPrintsItsTablesAndPassesItsChecks() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        BenchOptions o = BenchOptions.parse("--quick", "--runs", "1", "--packets", "2000", "--conns", "3000", "--warmup", "1",
            "--iterations", "2", "--memory-conns", "3000", "--pairs", "1000");
        int status = new Bench(TestEngines.withTrackers(), out, "test engines").run(o);
        String text = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, text);
        assertTrue(text.contains("Workload A"), text);
        assertTrue(text.contains("commit (new conn)"), text);
        assertTrue(text.contains("new connection latency"), text);
        assertTrue(text.contains("whole process per iteration and connection"), text);
        assertTrue(text.contains("collector: "), text);
        assertTrue(text.contains("TCP (ESTABLISHED, ASSURED)"), text);
        assertTrue(text.contains("through masquerade     " + Router.NAT_MISSING), text);
        assertTrue(text.contains("workload B lookups"), text);
        assertTrue(text.contains("all checks passed"), text);
    }
}
