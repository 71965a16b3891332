package org.conntrack4j.rules.nft;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.conntrack4j.testkit.KernelCase;

/**
 * The reference kernel cases as the rules' tests use them (through the kit's {@link KernelCase}): the ones whose
 * rulesets the subset supports, their rulesets, case.json members and helpers.
 */
public final class TestData {
    /**
     * Oracle cases whose rulesets use nftables features the subset does not have yet, with the start of the error
     * the parser gives: the other tests leave them out, {@code OracleCasesTest} checks that each still fails with
     * its message (and fails once one parses, so that the list stays true).
     */
    public static final Map<String, String> NOT_YET_SUPPORTED = Map.of();

    private TestData() {
    }

    public static Path casesDir() {
        return org.conntrack4j.testkit.TestData.oracleCases();
    }

    /** The oracle case folders whose rulesets the subset supports. */
    public static List<Path> caseDirs() {
        return org.conntrack4j.testkit.TestData.cases(casesDir(),
            d -> !NOT_YET_SUPPORTED.containsKey(d.getFileName().toString()));
    }

    /** The names of those of them that have a ruleset.nft. */
    public static List<String> names() {
        return caseDirs().stream().filter(d -> KernelCase.at(d).has("ruleset.nft"))
            .map(p -> p.getFileName().toString()).toList();
    }

    public static Path caseDir(String name) {
        return KernelCase.oracle(name).dir();
    }

    public static String read(Path p) {
        return KernelCase.at(p.getParent()).read(p.getFileName().toString());
    }

    /** Top-level members of case.json. */
    public static Map<String, Object> caseJson(Path caseDir) {
        return KernelCase.at(caseDir).json();
    }

    public static String ruleset(String name) {
        return KernelCase.oracle(name).ruleset();
    }

    /** The helper of the case's case.json as {type, protocol number}, or null when it has none. */
    public static Object[] helper(String name) {
        Map<String, Object> h = KernelCase.oracle(name).object("helper");
        return h == null ? null : new Object[] {h.get("type"), "udp".equals(h.get("protocol")) ? 17 : 6};
    }
}
