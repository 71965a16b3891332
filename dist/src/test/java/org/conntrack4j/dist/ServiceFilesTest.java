package org.conntrack4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd unit and the Dockerfile in share/. Neither systemd nor docker can run them here: the unit goes
 * through systemd's own checker against the unpacked tree, and the Dockerfile is read as docker would read it,
 * with every path it takes from the build context (the unpacked tree) checked.
 */
class ServiceFilesTest {
    /** Where the unit and the image install the distribution. */
    static final String OPT = "/opt/conntrack4j";

    @TempDir
    static Path tmp;
    static Path home;

    @BeforeAll
    static void unpack() {
        home = Dist.unpack(tmp);
    }

    /** systemd-analyze verify, with /opt/conntrack4j standing for the unpacked tree: no warning, no error. */
    @Test
    void systemdUnitVerifies() throws IOException {
        String unit = Files.readString(home.resolve("share/systemd/conntrack4j.service"));
        assertTrue(unit.contains("ExecStart=" + OPT + "/bin/conntrack4j server\n"), "the unit runs the server mode");
        assertTrue(unit.contains("ReadWritePaths=" + OPT + "/data\n"), "data/ is what the service writes");
        Path copy = Files.createDirectories(tmp.resolve("units")).resolve("conntrack4j.service");
        Files.writeString(copy, unit.replace(OPT, home.toString()));
        Dist.Result r = Dist.run(List.of("systemd-analyze", "verify", copy.toString()), tmp,
            Map.of("PATH", "/usr/bin:/bin:/usr/sbin:/sbin"), null, 60);
        r.assertStatus(0);
        assertEquals("", r.out() + r.err(), "systemd-analyze verify says");
    }

    record Instruction(String keyword, String args) {
    }

    @Test
    void dockerfileBuildsFromTheUnpackedTreeAndAJre17() throws IOException {
        List<Instruction> ins = parse(Files.readString(home.resolve("share/docker/Dockerfile")));
        Set<String> known = Set.of("ARG", "FROM", "COPY", "ADD", "RUN", "ENV", "WORKDIR", "ENTRYPOINT", "CMD", "VOLUME",
            "LABEL", "USER", "EXPOSE", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "ONBUILD");
        Map<String, String> args = new LinkedHashMap<>();
        String from = null;
        Set<String> copied = new TreeSet<>();
        List<String> entrypoint = null;
        List<String> cmd = null;
        for (Instruction i : ins) {
            assertTrue(known.contains(i.keyword()), "unknown instruction " + i.keyword());
            switch (i.keyword()) {
                case "ARG" -> {
                    String[] kv = i.args().split("=", 2);
                    args.put(kv[0], kv.length > 1 ? kv[1] : "");
                }
                case "FROM" -> {
                    assertEquals(null, from, "one stage");
                    from = expand(i.args(), args);
                }
                case "COPY", "ADD" -> {
                    assertTrue(from != null, i + " before FROM");
                    assertEquals("COPY", i.keyword(), "COPY only: the archive is all the context");
                    List<String> words = List.of(i.args().trim().split("\\s+"));
                    assertTrue(words.get(words.size() - 1).startsWith(OPT + "/"), "destination under " + OPT + ": " + i);
                    for (String src : words.subList(0, words.size() - 1)) {
                        assertTrue(!src.startsWith("--"), "no COPY options needed: " + i);
                        Path p = home.resolve(src).normalize();
                        assertTrue(p.startsWith(home) && Files.exists(p), "COPY source " + src + " is not in the archive");
                        copied.add(src.replaceAll("/$", ""));
                    }
                }
                case "ENTRYPOINT" -> entrypoint = jsonArray(i.args());
                case "CMD" -> cmd = jsonArray(i.args());
                default -> {
                }
            }
        }
        assertTrue(from != null && from.matches(".*:17[.-].*jre.*|.*jre.*:17.*"), "base: a Java 17 runtime image, not " + from);
        Set<String> top;
        try (Stream<Path> s = Files.list(home)) {
            top = s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("data"))
                .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(top, copied, "the image holds the whole distribution (data/ is made at start)");
        assertTrue(entrypoint != null && entrypoint.size() == 1, "ENTRYPOINT [\"...\"]");
        assertEquals(OPT + "/bin/conntrack4j", entrypoint.get(0));
        assertTrue(Files.isExecutable(home.resolve(entrypoint.get(0).substring(OPT.length() + 1))), "ENTRYPOINT in the archive");
        assertEquals(List.of("server"), cmd, "the container runs what the unit runs");
    }

    /** Docker's reading: comments and blank lines dropped, backslash continuations joined. */
    static List<Instruction> parse(String text) {
        List<Instruction> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : text.split("\n")) {
            String t = line.strip();
            if (cur.length() == 0 && (t.isEmpty() || t.startsWith("#"))) {
                continue;
            }
            if (t.endsWith("\\")) {
                cur.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            cur.append(t);
            String[] kw = cur.toString().split("\\s+", 2);
            out.add(new Instruction(kw[0].toUpperCase(), kw.length > 1 ? kw[1] : ""));
            cur.setLength(0);
        }
        assertEquals(0, cur.length(), "dangling continuation");
        return out;
    }

    private static String expand(String s, Map<String, String> args) {
        Matcher m = Pattern.compile("\\$\\{(\\w+)\\}|\\$(\\w+)").matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            assertTrue(args.containsKey(name), "undeclared ARG " + name);
            m.appendReplacement(sb, Matcher.quoteReplacement(args.get(name)));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** ["a", "b"] as docker's exec form: a JSON array of strings. */
    private static List<String> jsonArray(String s) {
        String t = s.trim();
        assertTrue(t.startsWith("[") && t.endsWith("]"), "exec form (JSON array) expected: " + s);
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*(,|$)").matcher(t.substring(1, t.length() - 1));
        int end = 0;
        while (m.find() && m.start() == end) {
            out.add(m.group(1));
            end = m.end();
        }
        assertEquals(t.length() - 2, end, "not a JSON array of strings: " + s);
        return out;
    }
}
