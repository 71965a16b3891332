package org.conntrack4j.replay.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.conntrack4j.testkit.KernelCase;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class JsonParserTest {
    static List<Path> cases() {
        return TestData.cases(TestData.oracleCases(), d -> true);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void readsEveryOracleCaseJson(Path dir) throws IOException, JsonSyntaxException {
        Map<?, ?> root = assertInstanceOf(Map.class, JsonParser.parse(dir.resolve("case.json")));
        assertEquals(dir.getFileName().toString(), root.get("scenario"));
        Map<?, ?> capture = assertInstanceOf(Map.class, root.get("capture"));
        assertEquals((long) KernelCase.at(dir).tsv("ctstate.tsv").size(), capture.get("ingress_packets"));
        assertInstanceOf(Boolean.class, capture.get("matched_1to1"));
        assertInstanceOf(List.class, root.get("notes"));
        assertInstanceOf(Double.class, root.get("duration_s"));
        Map<?, ?> topology = assertInstanceOf(Map.class, root.get("topology"));
        Map<?, ?> interfaces = assertInstanceOf(Map.class, topology.get("router_interfaces"));
        assertEquals(List.of("lan", "wan"), List.copyOf(interfaces.keySet()), "document order kept");
        assertTrue(((String) root.get("nft_ruleset")).startsWith("table inet oracle {\n\t"), "escapes decoded");
    }

    @Test
    void plainJavaValues() throws JsonSyntaxException {
        Object v = JsonParser.parse(" {\"a\": [1, -2.5, true, false, null, \"x\"], \"b\": {}, \"c\": []}\r\n");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", Arrays.asList(1L, -2.5, true, false, null, "x"));
        expected.put("b", Map.of());
        expected.put("c", List.of());
        assertEquals(expected, v);
        assertInstanceOf(LinkedHashMap.class, v);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0|0|Long",
        "-0|0|Long",
        "9223372036854775807|9223372036854775807|Long",
        "-9223372036854775808|-9223372036854775808|Long",
        "9223372036854775808|9.223372036854776E18|Double",
        "1.0|1.0|Double",
        "1e2|100.0|Double",
        "-1.5E-3|-0.0015|Double",
        "123456789012345678901234567890|1.2345678901234568E29|Double",
    })
    void numbersAreLongWhenIntegralAndInRangeElseDouble(String text, String value, String type)
            throws JsonSyntaxException {
        Object n = JsonParser.parse(text);
        assertEquals(type, n.getClass().getSimpleName());
        assertEquals(value, n.toString());
    }

    @Test
    void stringEscapes() throws JsonSyntaxException {
        assertEquals("a\"b\\c/d\b\f\n\r\t\u00e9\uD83D\uDE00", JsonParser.parse(
                "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00E9\\ud83d\\uDE00\""));
        assertEquals("\uD800", JsonParser.parse("\"\\ud800\""), "a lone surrogate escape is kept");
        assertEquals("caf\u00e9 \u20ac", JsonParser.parse("\"caf\u00e9 \u20ac\""));
        assertNull(JsonParser.parse("\uFEFFnull"), "a leading byte order mark is skipped");
        assertEquals(Map.of("k", 2L), JsonParser.parse("{\"k\":1,\"k\":2}"), "the last repeated name wins");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``|1|1|unexpected end of input, expected a value",
        "`   `|1|4|unexpected end of input, expected a value",
        "`{\"a\":1,}`|1|8|expected a string as member name, found '}'",
        "`[1,]`|1|4|unexpected ']', expected a value",
        "`[1 2]`|1|4|expected ',' or ']' in an array, found '2'",
        "`{\"a\" 1}`|1|6|expected ':', found '1'",
        "`{\"a\":1\n,\"b\":2\n\"c\":3}`|3|1|expected ',' or '}' in an object, found '\"'",
        "`{'a':1}`|1|2|expected a string as member name, found '''",
        "`[01]`|1|3|leading zero in a number",
        "`[1.]`|1|4|expected a digit after the decimal point, found ']'",
        "`[1e+]`|1|5|expected a digit in the exponent, found ']'",
        "`-`|1|2|expected a digit, found end of input",
        "`[+1]`|1|2|unexpected '+', expected a value",
        "`[NaN]`|1|2|unexpected 'N', expected a value",
        "`[tru]`|1|2|unexpected 't', expected a value",
        "`nullx`|1|5|unexpected 'x' after the value",
        "`1 2`|1|3|unexpected '2' after the value",
        "`\"abc`|1|5|unterminated string starting at line 1, column 1",
        "`\"a\\x\"`|1|3|invalid escape \\x in a string",
        "`\"\\u12G4\"`|1|6|expected four hex digits after \\u",
        "`\"\\u12`|1|6|expected four hex digits after \\u",
        "`[1e999]`|1|2|number 1e999 is beyond the range of a double",
        "`// c\n1`|1|1|unexpected '/', expected a value",
        "`\r\n\r\n  ]`|3|3|unexpected ']', expected a value",
    })
    void malformedInputNamesLineAndColumn(String text, int line, int column, String problem) {
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> JsonParser.parse(text));
        assertEquals(problem, e.problem(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(column, e.column(), e.getMessage());
        assertEquals("line " + line + ", column " + column + ": " + problem, e.getMessage());
    }

    @Test
    void controlCharactersInStringsAreRefused() {
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> JsonParser.parse("[\"a\tb\"]"));
        assertEquals("unescaped control character U+0009 in a string", e.problem());
        assertEquals(4, e.column());
    }

    @Test
    void hostileNestingIsAnErrorNotAStackOverflow() throws JsonSyntaxException {
        String deep = "[".repeat(1_000_000) + "]".repeat(1_000_000);
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> JsonParser.parse(deep));
        assertEquals("nesting deeper than 256 levels", e.problem());
        assertEquals(257, e.column());
        String objects = "{\"a\":".repeat(300) + "1" + "}".repeat(300);
        assertThrows(JsonSyntaxException.class, () -> JsonParser.parse(objects));

        String limit = "[".repeat(256) + "]".repeat(256);
        assertInstanceOf(List.class, JsonParser.parse(limit), "exactly the limit is fine");
        assertThrows(JsonSyntaxException.class, () -> JsonParser.parse("[[[]]]", null, 2));
        assertInstanceOf(List.class, JsonParser.parse("[[]]", null, 2));
    }

    @Test
    void filesAreStrictUtf8AndNamedInErrors(@TempDir Path tmp) throws IOException {
        Path bad = tmp.resolve("bad.json");
        Files.write(bad, new byte[] {'"', (byte) 0xC3, '"'});
        assertThrows(CharacterCodingException.class, () -> JsonParser.parse(bad));
        Path broken = tmp.resolve("case.json");
        Files.writeString(broken, "{\n  \"a\": tru\n}");
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> JsonParser.parse(broken));
        assertEquals("case.json: line 2, column 8: unexpected 't', expected a value", e.getMessage());
    }
}
