package org.conntrack4j.rules.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every ruleset of the oracle cases (ruleset.nft, case.json nft_ruleset and ruleset_loaded) parses, prints back as
 * nft would list it, and the printed text parses to an equal AST.
 */
class OracleCasesTest {

    static Stream<Arguments> rulesets() {
        List<Arguments> out = new ArrayList<>();
        for (Path dir : TestData.caseDirs()) {
            String name = dir.getFileName().toString();
            out.add(Arguments.of(name + "/ruleset.nft", TestData.read(dir.resolve("ruleset.nft"))));
            Map<String, Object> json = TestData.caseJson(dir);
            for (String key : new String[] {"nft_ruleset", "ruleset_loaded"}) {
                Object v = json.get(key);
                assertInstanceOf(String.class, v, name + "/case.json has no string " + key);
                out.add(Arguments.of(name + "/case.json:" + key, v));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
    @MethodSource("unsupported")
    void rulesetsBeyondTheSubsetFailWithALineAndColumn(String caseName, String message) {
        Path file = TestData.casesDir().resolve(caseName).resolve("ruleset.nft");
        RulesetParseException e = org.junit.jupiter.api.Assertions.assertThrows(RulesetParseException.class,
            () -> NftParser.parse(file), caseName + " parses now: remove it from TestData.NOT_YET_SUPPORTED");
        assertTrue(e.getMessage().matches("(?s).*ruleset\\.nft:\\d+:\\d+: .*"), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    static Stream<Arguments> unsupported() {
        return TestData.NOT_YET_SUPPORTED.entrySet().stream().sorted(Map.Entry.comparingByKey())
            .map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @Test
    void allFifteenCasesArePresent() {
        assertTrue(TestData.caseDirs().size() >= 15, "expected at least 15 oracle cases");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rulesets")
    void parsesAndRoundTrips(String name, String text) throws Exception {
        Ruleset rs = NftParser.parse(name, text);
        assertFalse(rs.tables().isEmpty(), "no tables in " + name);
        Table t = rs.table(Family.INET, "oracle").orElseThrow();
        assertTrue(t.chain("ctlog").isPresent() && t.chain("forward").isPresent());

        String printed = rs.toString();
        Ruleset again = NftParser.parse(name + " (printed)", printed);
        assertEquals(rs, again, "printed ruleset does not read back to the same AST:\n" + printed);
        assertEquals(printed, again.toString(), "printing is not stable");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseNames")
    void allThreeSpellingsOfACaseAreTheSameRuleset(String caseName) throws Exception {
        Path dir = TestData.caseDir(caseName);
        Map<String, Object> json = TestData.caseJson(dir);
        Ruleset file = NftParser.parse(dir.resolve("ruleset.nft"));
        Ruleset fromJson = NftParser.parse("nft_ruleset", (String) json.get("nft_ruleset"));
        Ruleset loaded = NftParser.parse("ruleset_loaded", (String) json.get("ruleset_loaded"));
        assertEquals(file, fromJson);
        // ruleset_loaded spells the ctlog priority -150 instead of mangle and carries a comment line: same AST
        assertEquals(file, loaded);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseNames")
    void printedFormMatchesTheRulesetFileAsNftListsIt(String caseName) throws Exception {
        // The ruleset.nft files were written in nft's listing format; the printer reproduces them exactly.
        Path dir = TestData.caseDir(caseName);
        String text = TestData.read(dir.resolve("ruleset.nft"));
        assertEquals(text.strip(), NftParser.parse(dir.resolve("ruleset.nft")).toString().strip());
    }

    static Stream<String> caseNames() {
        return TestData.caseDirs().stream().map(p -> p.getFileName().toString());
    }
}
