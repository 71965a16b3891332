package org.conntrack4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.testkit.GogoPipe;
import org.conntrack4j.testkit.Plugins;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code bench} in a real Gogo runtime: what it prints (usage, a workload's lines) is its standard output, so a pipe
 * hands it to the next command ({@code bench | grep}) instead of it going to the console around the pipe.
 */
class BenchPipeTest {
    private final GogoPipe gogo = new GogoPipe();

    BenchPipeTest() {
        BenchCommand bench = new BenchCommand();
        bench.factory = new Plugins().factory();
        bench.processor = gogo.processor();
        gogo.add("conntrack4j", bench, "bench");
    }

    @AfterEach
    void close() {
        gogo.close();
    }

    @Test
    void aPipeFiltersWhatBenchPrints() throws Exception {
        List<String> usage = gogo.run("bench --help");
        assertTrue(usage.size() > 3 && usage.stream().anyMatch(l -> l.contains("--workload")), usage.toString());
        assertEquals(usage.stream().filter(l -> l.contains("--workload")).map(l -> "kept: " + l).toList(),
            gogo.run("bench --help | t:keep --workload"));
        // a workload's own lines go the same way (R fails at once outside the distribution)
        List<String> failed = gogo.run("bench --workload R | t:keep \"Workload R\"");
        assertEquals(1, failed.size(), failed.toString());
        assertTrue(failed.get(0).startsWith("kept: Workload R: FAILED: needs the distribution"), failed.toString());
    }
}
