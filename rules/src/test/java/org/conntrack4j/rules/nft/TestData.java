package org.conntrack4j.rules.nft;

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
import java.util.stream.Stream;

/** Locates the oracle cases (testdata/oracle/cases) and reads their case.json strings. */
public final class TestData {
    /**
     * Oracle cases whose rulesets use nftables features the subset does not have yet, with the start of the error
     * the parser gives: the other tests leave them out, {@code OracleCasesTest} checks that each still fails with
     * its message (and fails once one parses, so that the list stays true).
     */
    public static final Map<String, String> NOT_YET_SUPPORTED = Map.of();

    private TestData() {
    }

    /**
     * The cases folder: from the system property {@code conntrack4j.testdata} (the testdata folder) if set, else the
     * first {@code testdata/oracle/cases} found walking up from the working directory.
     */
    public static Path casesDir() {
        String prop = System.getProperty("conntrack4j.testdata");
        if (prop != null && !prop.isBlank()) {
            Path p = Path.of(prop, "oracle", "cases");
            assertTrue(Files.isDirectory(p), "conntrack4j.testdata points to no oracle/cases: " + p);
            return p;
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path p = dir.resolve("testdata").resolve("oracle").resolve("cases");
            if (Files.isDirectory(p)) {
                return p;
            }
            dir = dir.getParent();
        }
        return fail("testdata/oracle/cases not found above " + Path.of("").toAbsolutePath());
    }

    /** The oracle case folders whose rulesets the subset supports. */
    public static List<Path> caseDirs() {
        try (Stream<Path> s = Files.list(casesDir())) {
            List<Path> out = new ArrayList<>();
            s.filter(Files::isDirectory).filter(d -> !NOT_YET_SUPPORTED.containsKey(d.getFileName().toString()))
                .sorted().forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    public static Path caseDir(String name) {
        Path p = casesDir().resolve(name);
        assertTrue(Files.isDirectory(p), "missing oracle case " + name);
        return p;
    }

    public static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Top-level string members of case.json. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> caseJson(Path caseDir) {
        Object o = new MiniJson(read(caseDir.resolve("case.json"))).parse();
        assertTrue(o instanceof Map, "case.json is not an object");
        return (Map<String, Object>) o;
    }

    /** A small strict JSON reader, enough for case.json (objects, arrays, strings, numbers, literals). */
    static final class MiniJson {
        private final String s;
        private int i;

        MiniJson(String s) {
            this.s = s;
        }

        Object parse() {
            Object v = value(0);
            ws();
            if (i != s.length()) {
                throw new IllegalArgumentException("trailing data at " + i);
            }
            return v;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private Object value(int depth) {
            if (depth > 200) {
                throw new IllegalArgumentException("too deep");
            }
            ws();
            char c = s.charAt(i);
            if (c == '{') {
                i++;
                Map<String, Object> m = new LinkedHashMap<>();
                ws();
                if (s.charAt(i) == '}') {
                    i++;
                    return m;
                }
                while (true) {
                    ws();
                    String k = string();
                    ws();
                    expect(':');
                    m.put(k, value(depth + 1));
                    ws();
                    if (s.charAt(i) == ',') {
                        i++;
                        continue;
                    }
                    expect('}');
                    return m;
                }
            }
            if (c == '[') {
                i++;
                List<Object> l = new ArrayList<>();
                ws();
                if (s.charAt(i) == ']') {
                    i++;
                    return l;
                }
                while (true) {
                    l.add(value(depth + 1));
                    ws();
                    if (s.charAt(i) == ',') {
                        i++;
                        continue;
                    }
                    expect(']');
                    return l;
                }
            }
            if (c == '"') {
                return string();
            }
            int start = i;
            while (i < s.length() && "+-0123456789.eEtruefalsn".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            String lit = s.substring(start, i);
            switch (lit) {
                case "true":
                    return Boolean.TRUE;
                case "false":
                    return Boolean.FALSE;
                case "null":
                    return null;
                default:
                    return Double.valueOf(lit);
            }
        }

        private void expect(char c) {
            if (s.charAt(i) != c) {
                throw new IllegalArgumentException("expected " + c + " at " + i);
            }
            i++;
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n':
                        sb.append('\n');
                        break;
                    case 't':
                        sb.append('\t');
                        break;
                    case 'r':
                        sb.append('\r');
                        break;
                    case 'b':
                        sb.append('\b');
                        break;
                    case 'f':
                        sb.append('\f');
                        break;
                    case 'u':
                        sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                        break;
                    default:
                        sb.append(e);
                }
            }
        }
    }
}
