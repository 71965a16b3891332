package org.conntrack4j.rules.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.conntrack4j.testkit.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link NftJson} against the kernel's {@code nft -j list ruleset}: the recorded answers in
 * {@code testdata/probes/nftjson}, and, live in throwaway network namespaces, every distinct ruleset the project
 * bundles (oracle cases, recordings, the distribution's example). Documents are compared as JSON trees: members of an
 * object in any order, arrays in order; {@code metainfo} by its {@code json_schema_version} only.
 */
class NftJsonTest {
    /** Bundled rulesets the live comparison leaves out, with the reason (none so far: a bare namespace suffices). */
    static final Map<String, String> NOT_COMPARED_LIVE = Map.of();

    static List<String> probes() {
        return org.conntrack4j.testkit.TestData.caseNames(org.conntrack4j.testkit.TestData.probes("nftjson"),
            d -> Files.exists(d.resolve("ruleset.nft")));
    }

    @ParameterizedTest
    @MethodSource("probes")
    void matchesTheRecordedKernelAnswer(String name) throws Exception {
        Path dir = org.conntrack4j.testkit.TestData.probes("nftjson").resolve(name);
        String kernel = Files.readString(dir.resolve("nft-j.json"));
        assertSameTree(name, kernel, NftJson.of(NftParser.parse(dir.resolve("ruleset.nft"))));
    }

    /** Every bundled ruleset, once per distinct text, by a name that says where it is. */
    static Map<String, Path> bundled() throws IOException {
        Path testdata = org.conntrack4j.testkit.TestData.root();
        List<Path> files = new ArrayList<>();
        for (String folder : List.of("oracle/cases", "recorded")) {
            try (Stream<Path> dirs = Files.list(testdata.resolve(folder))) {
                dirs.map(d -> d.resolve("ruleset.nft")).filter(Files::exists).sorted().forEach(files::add);
            }
        }
        files.add(testdata.getParent().resolve("dist/src/home/etc/ruleset.nft"));
        Map<String, Path> byText = new LinkedHashMap<>();
        for (Path f : files) {
            byText.putIfAbsent(Files.readString(f), f);
        }
        Map<String, Path> out = new LinkedHashMap<>();
        for (Path f : byText.values()) {
            out.put(testdata.getParent().relativize(f).toString(), f);
        }
        return out;
    }

    @Test
    void everyBundledRulesetConverts() throws Exception {
        Map<String, Path> all = bundled();
        assertTrue(all.size() > 30, "bundled rulesets found: " + all.size());
        for (Map.Entry<String, Path> e : all.entrySet()) {
            Ruleset rs = NftParser.parse(e.getValue());
            Object tree = Json.parse(NftJson.of(rs));
            long rules = rs.tables().stream().flatMap(t -> t.chains().stream()).mapToLong(c -> c.rules().size()).sum();
            assertEquals(rules, items(tree).stream().filter(i -> i.containsKey("rule")).count(), e.getKey());
        }
    }

    @Test
    void theKernelAgreesOnEveryDistinctBundledRuleset() throws Exception {
        int compared = 0;
        for (Map.Entry<String, Path> e : bundled().entrySet()) {
            if (NOT_COMPARED_LIVE.containsKey(e.getKey())) {
                continue;
            }
            String kernel = kernelJson(e.getValue());
            assertSameTree(e.getKey(), kernel, NftJson.of(NftParser.parse(e.getValue())));
            compared++;
        }
        assertTrue(compared > 30, "compared with the kernel: " + compared);
    }

    @Test
    void stringsAreEscaped() {
        String comment = "say \"hi\" \\ tab\tend\u0001";
        Rule r = new Rule(List.of(VerdictStatement.accept()), Optional.of(comment), SourcePos.unknown());
        Chain c = new Chain("c", Optional.empty(), List.of(r), SourcePos.unknown());
        Table t = new Table(Family.INET, "t", List.of(), List.of(c), SourcePos.unknown());
        String json = NftJson.of(new Ruleset(List.of(t)));
        assertFalse(json.contains("\t"), json);
        @SuppressWarnings("unchecked")
        Map<String, Object> rule = (Map<String, Object>) items(Json.parse(json)).get(3).get("rule");
        assertEquals(comment, rule.get("comment"));
        assertEquals(2.0, rule.get("handle")); // the chain took 1
    }

    @Test
    void anEmptyRulesetIsMetainfoAlone() {
        assertEquals("{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": \"conntrack4j\","
            + " \"json_schema_version\": 1}}]}", NftJson.of(new Ruleset(List.of())));
    }

    /** The kernel's answer for a ruleset loaded into a fresh namespace (handles from 1), which is then deleted. */
    static String kernelJson(Path ruleset) throws Exception {
        String ns = "c4j-nftjson-" + ProcessHandle.current().pid();
        run("ip", "netns", "add", ns);
        try {
            run("ip", "netns", "exec", ns, "nft", "-f", ruleset.toString());
            return run("ip", "netns", "exec", ns, "nft", "-j", "list", "ruleset");
        } finally {
            run("ip", "netns", "del", ns);
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + ": timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            fail(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + text);
        }
        return text;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(Object doc) {
        return (List<Map<String, Object>>) ((Map<String, Object>) doc).get("nftables");
    }

    /** Equal trees, metainfo by schema version; on a difference names the first item that differs. */
    static void assertSameTree(String what, String kernel, String ours) {
        List<Map<String, Object>> k = items(Json.parse(kernel));
        List<Map<String, Object>> o = items(Json.parse(ours));
        assertEquals(k.get(0).get("metainfo") instanceof Map<?, ?> m ? m.get("json_schema_version") : null,
            ((Map<?, ?>) o.get(0).get("metainfo")).get("json_schema_version"), what + ": json_schema_version");
        for (int i = 1; i < Math.min(k.size(), o.size()); i++) {
            assertEquals(k.get(i), o.get(i), what + ": item " + i);
        }
        assertEquals(k.size(), o.size(), what + ": number of items");
    }
}
