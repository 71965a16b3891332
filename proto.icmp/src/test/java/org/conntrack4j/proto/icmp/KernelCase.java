package org.conntrack4j.proto.icmp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One recorded kernel case (testdata/oracle/cases/NAME, format in its README): the router's settings and
 * addresses from case.json, the ingress and egress captures, and the kernel's verdict rows, events and
 * table, normalised the way the README's comparison prescribes.
 */
final class KernelCase {
    /** One ctstate.tsv row. */
    static final class Row {
        final int idx;
        final String iface;
        final String state;
        final String dir;
        final String summary;
        /** The reason conntrack logged, or null ({@code -}). */
        final String reason;

        Row(String[] cells) {
            idx = Integer.parseInt(cells[0]);
            iface = cells[2];
            state = cells[3];
            dir = cells[4];
            summary = cells[5];
            String r = cells.length > 6 ? cells[6].replaceFirst("^nf_ct_proto_\\d+:\\s*", "").trim() : "-";
            reason = r.equals("-") ? null : r;
        }
    }

    private static final Pattern SYSCTL = Pattern.compile("\"net\\.netfilter\\.([a-z0-9_.]+)\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern ROUTER_ADDRESS = Pattern.compile("\"ipv[46]\"\\s*:\\s*\"([^\"/]+)(/\\d+)?\"");

    final String name;
    final Path dir;
    final Map<String, String> sysctls = new LinkedHashMap<>();
    /** The router's own addresses (the destinations it answers itself). */
    final List<String> routerAddresses = new ArrayList<>();
    final List<Row> rows = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    final List<String> table = new ArrayList<>();
    final List<PcapNgReader.Frame> ingress;
    final List<PcapNgReader.Frame> egress;

    KernelCase(String name) throws IOException {
        this.name = name;
        this.dir = casesDir().resolve(name);
        String json = read("case.json");
        Matcher m = SYSCTL.matcher(json);
        while (m.find()) {
            sysctls.put(m.group(1), m.group(2));
        }
        int from = json.indexOf("\"router_interfaces\"");
        int to = json.indexOf("\"hosts\"", from);
        m = ROUTER_ADDRESS.matcher(json.substring(from, to));
        while (m.find()) {
            routerAddresses.add(m.group(1));
        }
        String[] lines = read("ctstate.tsv").split("\n");
        for (int i = 1; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                rows.add(new Row(lines[i].split("\t")));
            }
        }
        for (String l : read("events.txt").split("\n")) {
            if (!l.isBlank()) {
                events.add(normaliseEvent(l));
            }
        }
        for (String l : read("table.txt").split("\n")) {
            if (!l.isBlank() && !l.contains("have been shown")) {
                table.add(normaliseTableLine(l));
            }
        }
        table.sort(null);
        ingress = PcapNgReader.read(dir.resolve("ingress.pcapng"));
        egress = PcapNgReader.read(dir.resolve("egress.pcapng"));
    }

    private String read(String file) throws IOException {
        return new String(Files.readAllBytes(dir.resolve(file)), StandardCharsets.UTF_8);
    }

    /** testdata/oracle/cases, found from the working directory upwards (the module or the repository root). */
    static Path casesDir() {
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolve("testdata/oracle/cases");
            if (Files.isDirectory(c)) {
                return c;
            }
        }
        throw new IllegalStateException("testdata/oracle/cases not found above " + Paths.get("").toAbsolutePath());
    }

    /** An event line without its timestamp and connection id, blanks collapsed. */
    static String normaliseEvent(String line) {
        return collapse(line.replaceFirst("^\\[[0-9. ]+\\]\\s*", "").replaceFirst("\\s+id=\\d+\\s*$", ""));
    }

    /** A table line without connection id, use count and timeout, blanks collapsed. */
    static String normaliseTableLine(String line) {
        String l = collapse(line).replaceFirst(" id=\\d+$", "").replaceAll(" use=\\d+", "");
        return l.replaceFirst("^(ipv[46] \\d+ \\S+ \\d+) \\d+ ", "$1 ");
    }

    private static String collapse(String s) {
        return s.trim().replaceAll("\\s+", " ");
    }
}
