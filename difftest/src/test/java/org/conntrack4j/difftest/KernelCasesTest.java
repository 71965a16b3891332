package org.conntrack4j.difftest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.replay.compare.CaseComparison;
import org.conntrack4j.replay.compare.ComparisonResult;
import org.conntrack4j.replay.compare.PartResult;
import org.conntrack4j.replay.run.CaseSpec;
import org.conntrack4j.replay.run.Replay;
import org.conntrack4j.replay.run.ReplayException;
import org.conntrack4j.replay.run.ReplayReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every kernel case found under testdata/oracle/cases with the shipped bundles and scores it part by
 * part (verdicts, reasons, events, expectation events, table, egress) as the oracle README says. Every case
 * must agree with the kernel completely, except the ones listed in {@link #KNOWN_GAPS} with the reason; a
 * case listed there that starts to agree fails the test too, so that the list stays true. Cases added to the
 * folder are picked up.
 */
class KernelCasesTest {
    /**
     * Cases that cannot agree yet, and why. Empty when every feature the recorded cases use is built.
     */
    static final Map<String, String> KNOWN_GAPS = Map.of();

    /** Cases whose ruleset needs a bundle not built yet: the replay must stop with this text in its message. */
    static final Map<String, String> MISSING_BUNDLE = Map.of();

    private static final Map<String, String> SUMMARY = new TreeMap<>();

    static Path casesDir() {
        Path p = Paths.get("").toAbsolutePath();
        for (int i = 0; i < 5 && p != null; i++, p = p.getParent()) {
            Path c = p.resolve("testdata/oracle/cases");
            if (Files.isDirectory(c)) {
                return c;
            }
        }
        throw new IllegalStateException("testdata/oracle/cases not found from " + Paths.get("").toAbsolutePath());
    }

    static Path outDir(String name) {
        return Paths.get("target", "difftest", name);
    }

    @TestFactory
    Stream<DynamicTest> everyKernelCase() throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.list(casesDir())) {
            cases = s.filter(d -> Files.isRegularFile(d.resolve("case.json"))).sorted().collect(Collectors.toList());
        }
        assertFalse(cases.isEmpty(), "no kernel cases found");
        Registry reg = Plugins.full();
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(reg, dir)));
    }

    private static void check(Registry reg, Path dir) throws Exception {
        String name = dir.getFileName().toString();
        Path out = outDir(name);
        ReplayReport report;
        try {
            report = Replay.run(CaseSpec.load(dir), out, Plugins.engines(reg), Plugins.rules(), null);
        } catch (ReplayException e) {
            String needed = MISSING_BUNDLE.get(name);
            SUMMARY.put(name, "stopped: " + e.getMessage());
            if (needed != null && e.exitStatus() == ReplayException.RULESET && e.getMessage().contains(needed)) {
                return;
            }
            throw e;
        }
        if (MISSING_BUNDLE.containsKey(name)) {
            fail(name + " replayed although it needs " + MISSING_BUNDLE.get(name) + ": update MISSING_BUNDLE");
        }
        assertNull(report.captureProblem(), "the recorded capture reads completely");
        ComparisonResult r = CaseComparison.compare(dir, out);
        SUMMARY.put(name, summary(r));
        String gap = KNOWN_GAPS.get(name);
        if (gap == null) {
            assertTrue(r.ok(), name + " disagrees with the kernel:\n" + r.render());
            return;
        }
        assertFalse(r.ok(), name + " now agrees with the kernel: remove it from KNOWN_GAPS (" + gap + ")");
    }

    private static String summary(ComparisonResult r) {
        List<String> parts = new ArrayList<>();
        for (PartResult p : r.parts()) {
            parts.add(p.name() + " " + p.agree() + "/" + p.total() + (p.hasGot() && p.got() != p.total() ? " (got "
                + p.got() + ")" : ""));
        }
        return (r.ok() ? "agrees   " : "differs  ") + String.join(", ", parts);
    }

    @AfterAll
    static void printAgreement() throws IOException {
        StringBuilder sb = new StringBuilder("agreement with the kernel, per case and part:\n");
        SUMMARY.forEach((k, v) -> sb.append(String.format("  %-18s %s%s%n", k, v,
            KNOWN_GAPS.containsKey(k) ? "   [known gap: " + KNOWN_GAPS.get(k) + "]" : "")));
        System.out.print(sb);
        Files.createDirectories(Paths.get("target", "difftest"));
        Files.writeString(Paths.get("target", "difftest", "agreement.txt"), sb.toString());
    }
}
