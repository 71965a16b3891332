package org.conntrack4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One kernel case folder as {@code tools/kernellab} records it and {@code testdata/oracle/README.md} describes it:
 * {@code case.json} (topology, sysctls, nat, helper), {@code ruleset.nft}, {@code ingress.pcapng} and
 * {@code egress.pcapng}, the kernel's verdict per ingress frame ({@code ctstate.tsv}), its events
 * ({@code events.txt}, {@code expect-events.txt}), its final table ({@code table.txt}, {@code expect.txt}), and for
 * probes the tables after each frame ({@code tables.txt}, {@code expect.txt} in sections
 * {@code # conntrack -L ... (after frame N)}). Files are read when asked; a missing one is an UncheckedIOException
 * naming it.
 *
 * <p>Normalised forms, for comparing lines of the kernel with the engine's ({@link #normaliseEvent},
 * {@link #normaliseTableLine}): no timestamp prefix, connection id, use count or (in tables) timeout; blanks
 * collapsed.
 */
public final class KernelCase {
    /**
     * One row of ctstate.tsv: the ingress frame's index (from 1), interface, the ct state and direction a rule would
     * have seen ({@code new}, {@code original}), the packet's summary, and the reason conntrack logged (the
     * {@code nf_ct_proto_N: } prefix taken off), or null.
     */
    public record Row(int idx, String iface, String state, String dir, String summary, String reason) {
        /** {@code state/dir}. */
        public String verdict() {
            return state + "/" + dir;
        }
    }

    private static final Pattern TIMESTAMP = Pattern.compile("^\\[[0-9. ]+\\]\\s*");
    private static final Pattern TABLE_TIMEOUT = Pattern.compile("^(\\S+ \\d+ \\S+ \\d+) \\d+ ");
    private static final Pattern LOG_PREFIX = Pattern.compile("^nf_ct_proto_\\d+:\\s*");
    private static final Pattern AFTER_FRAME = Pattern.compile("^# conntrack -L.*\\(after frame (\\d+)\\)$");

    private final Path dir;
    private Map<String, Object> json;

    private KernelCase(Path dir) {
        if (!Files.isRegularFile(dir.resolve("case.json"))) {
            throw new IllegalArgumentException(dir + " is no kernel case (no case.json)");
        }
        this.dir = dir;
    }

    /** The case in {@code dir}. */
    public static KernelCase at(Path dir) {
        return new KernelCase(dir);
    }

    /** A reference case, {@code testdata/oracle/cases/NAME}. */
    public static KernelCase oracle(String name) {
        return new KernelCase(TestData.oracleCases().resolve(name));
    }

    /** A probe, {@code testdata/probes/SUBJECT/NAME}. */
    public static KernelCase probe(String subject, String name) {
        return new KernelCase(TestData.probes(subject).resolve(name));
    }

    public String name() {
        return dir.getFileName().toString();
    }

    public Path dir() {
        return dir;
    }

    /** A file of the case. */
    public Path file(String name) {
        return dir.resolve(name);
    }

    public boolean has(String file) {
        return Files.isRegularFile(dir.resolve(file));
    }

    /** The text of a file of the case. */
    public String read(String file) {
        try {
            return Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(name() + ": " + file, e);
        }
    }

    private List<String> lines(String file) {
        return read(file).lines().toList();
    }

    /** case.json, parsed: objects as maps, arrays as lists, numbers as doubles. */
    @SuppressWarnings("unchecked")
    public synchronized Map<String, Object> json() {
        if (json == null) {
            Object o = Json.parse(read("case.json"));
            if (!(o instanceof Map)) {
                throw new IllegalStateException(name() + ": case.json is not an object");
            }
            json = Collections.unmodifiableMap((Map<String, Object>) o);
        }
        return json;
    }

    /** A member of case.json's top-level object as an object, or null (absent or null). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> object(String member) {
        Object o = json().get(member);
        return o instanceof Map ? (Map<String, Object>) o : null;
    }

    /**
     * The router's sysctls at recording time, names without {@code net.netfilter.} ({@code nf_conntrack_tcp_loose}),
     * others as recorded ({@code net.ipv4.ipfrag_time}).
     */
    public Map<String, String> sysctls() {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, Object> s = object("sysctls");
        if (s != null) {
            s.forEach((k, v) -> out.put(k.startsWith("net.netfilter.") ? k.substring("net.netfilter.".length()) : k,
                String.valueOf(v)));
        }
        return out;
    }

    /** The router's own addresses, without prefix lengths, interface by interface. */
    public List<String> routerAddresses() {
        List<String> out = new ArrayList<>();
        Map<String, Object> topo = object("topology");
        Object ifs = topo == null ? null : topo.get("router_interfaces");
        if (ifs instanceof Map<?, ?> m) {
            for (Object i : m.values()) {
                if (i instanceof Map<?, ?> ifc) {
                    for (String fam : List.of("ipv4", "ipv6")) {
                        Object a = ifc.get(fam);
                        if (a instanceof String s) {
                            out.add(s.replaceFirst("/\\d+$", ""));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** ruleset.nft. */
    public String ruleset() {
        return read("ruleset.nft");
    }

    /** The data rows of a TSV file of the case (non-blank lines after the header), split on tabs. */
    public List<String[]> tsv(String file) {
        List<String> l = lines(file);
        List<String[]> rows = new ArrayList<>();
        for (String line : l.subList(Math.min(1, l.size()), l.size())) {
            if (!line.isBlank()) {
                rows.add(line.split("\t", -1));
            }
        }
        return rows;
    }

    /** ctstate.tsv's rows. */
    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (String[] f : tsv("ctstate.tsv")) {
            String r = f.length > 6 ? LOG_PREFIX.matcher(f[6]).replaceFirst("").trim() : "-";
            rows.add(new Row(Integer.parseInt(f[0]), f[2], f[3], f[4], f[5], r.equals("-") ? null : r));
        }
        return rows;
    }

    /** events.txt, normalised. */
    public List<String> events() {
        return normalisedEvents("events.txt");
    }

    /** expect-events.txt, normalised. */
    public List<String> expectationEvents() {
        return normalisedEvents("expect-events.txt");
    }

    private List<String> normalisedEvents(String file) {
        List<String> out = new ArrayList<>();
        for (String l : lines(file)) {
            if (!l.isBlank()) {
                out.add(normaliseEvent(l));
            }
        }
        return out;
    }

    /** table.txt, normalised and sorted (without conntrack's closing count line). */
    public List<String> table() {
        List<String> out = new ArrayList<>();
        for (String l : lines("table.txt")) {
            if (!l.isBlank() && !l.contains("have been shown")) {
                out.add(normaliseTableLine(l));
            }
        }
        out.sort(null);
        return out;
    }

    /** tables.txt of a probe: the {@code conntrack -L} lines after each frame, as recorded, by frame number. */
    public Map<Integer, List<String>> tablesAfterFrames() {
        return afterFrames("tables.txt");
    }

    /** expect.txt of a probe: the {@code conntrack -L expect} lines after each frame, as recorded, by frame number. */
    public Map<Integer, List<String>> expectationsAfterFrames() {
        return afterFrames("expect.txt");
    }

    private Map<Integer, List<String>> afterFrames(String file) {
        Map<Integer, List<String>> m = new LinkedHashMap<>();
        List<String> current = null;
        for (String l : lines(file)) {
            Matcher h = AFTER_FRAME.matcher(l);
            if (h.matches()) {
                current = new ArrayList<>();
                m.put(Integer.parseInt(h.group(1)), current);
            } else if (l.startsWith("#")) {
                current = null;
            } else if (current != null && !l.isBlank()) {
                current.add(l);
            }
        }
        return m;
    }

    /** The frames the router received. */
    public List<Capture.Frame> ingress() {
        return capture("ingress.pcapng");
    }

    /** The frames the router sent. */
    public List<Capture.Frame> egress() {
        return capture("egress.pcapng");
    }

    private List<Capture.Frame> capture(String file) {
        try {
            return Capture.read(dir.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(name() + ": " + file, e);
        }
    }

    /** An event line without timestamp, connection id and use count, blanks collapsed. */
    public static String normaliseEvent(String line) {
        return EventLog.compact(TIMESTAMP.matcher(line).replaceFirst(""));
    }

    /** A table line without connection id, use count and timeout, blanks collapsed. */
    public static String normaliseTableLine(String line) {
        return TABLE_TIMEOUT.matcher(EventLog.compact(line)).replaceFirst("$1 ");
    }

    @Override
    public String toString() {
        return name();
    }
}
