package org.conntrack4j.proto.tcp;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.text.CtFormat;

/**
 * One recorded kernel case (testdata/oracle/cases/NAME) and its replay through an engine with only the TCP
 * tracker (other protocols go to the generic tracker), compared as testdata/oracle/README.md says, for the
 * TCP packets, events and table lines only. A stand-in for the project's replay command.
 */
final class KernelCase {
    /** One row of ctstate.tsv: what conntrack decided for an ingress packet. */
    record Row(int idx, String iface, String state, String dir, String reason, String summary) {
        String verdict() {
            return state + "/" + dir;
        }
    }

    private static final Pattern SYSCTL = Pattern.compile("\"net\\.netfilter\\.(nf_conntrack_[a-z0-9_]+)\": \"(-?\\d+)\"");
    private static final Pattern ROUTER_ADDR = Pattern.compile("\"ipv[46]\": \"([0-9a-fA-F.:]+)/\\d+\"");
    private static final Pattern EVENT_PREFIX = Pattern.compile("^\\[[^\\]]*\\]\\t");
    private static final Pattern ID = Pattern.compile(" id=\\d+");
    private static final Pattern USE = Pattern.compile(" use=\\d+");
    private static final Pattern TABLE_TIMEOUT = Pattern.compile("^(\\S+\\s+\\d+\\s+\\S+\\s+\\d+) \\d+ ");
    private static final Pattern LOG_PREFIX = Pattern.compile("^nf_ct_proto_\\d+: ");
    private static final Pattern AFTER_FRAME = Pattern.compile("^# conntrack -L .*\\(after frame (\\d+)\\)$");

    final String name;
    final Path dir;
    final String caseJson;

    KernelCase(Path dir) throws IOException {
        this.dir = dir;
        this.name = dir.getFileName().toString();
        this.caseJson = Files.readString(dir.resolve("case.json"));
    }

    /** The folder holding the recorded cases, found from the working directory upwards. */
    static Path casesRoot() {
        return testdata("oracle/cases");
    }

    /** A folder under the repository's testdata/ (oracle/cases, probes/tcp, ...), found from the working directory upwards. */
    static Path testdata(String folder) {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            Path c = p.resolve("testdata").resolve(folder);
            if (Files.isDirectory(c)) {
                return c;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("testdata/" + folder + " not found above " + Path.of("").toAbsolutePath());
    }

    /**
     * Cases this harness can replay exactly: no NAT, no helper, no conntrack features, and some TCP traffic. The
     * feature cases (ct_features: zones, marks, labels, timeout policies, ct count, ct expectation) need the
     * ruleset evaluated, which this tracker-only harness does not do: difftest's KernelCasesTest replays them
     * whole, with the rules bundle.
     */
    static boolean replayable(Path caseDir) {
        try {
            String json = Files.readString(caseDir.resolve("case.json"));
            return json.contains("\"nat\": null") && json.contains("\"helper\": null")
                && !json.contains("\"ct_features\": {") && Files.readString(caseDir.resolve("ctstate.tsv")).contains("\tTCP ");
        } catch (IOException e) {
            return false;
        }
    }

    Map<String, Long> sysctls() {
        Map<String, Long> m = new LinkedHashMap<>();
        Matcher mt = SYSCTL.matcher(caseJson);
        while (mt.find()) {
            m.put(mt.group(1), Long.parseLong(mt.group(2)));
        }
        return m;
    }

    List<byte[]> routerAddresses() throws IOException {
        List<byte[]> out = new ArrayList<>();
        int from = caseJson.indexOf("\"router_interfaces\"");
        int to = caseJson.indexOf("\"hosts\"", from);
        Matcher mt = ROUTER_ADDR.matcher(caseJson.substring(Math.max(from, 0), to > from ? to : caseJson.length()));
        while (mt.find()) {
            out.add(InetAddress.getByName(mt.group(1)).getAddress());
        }
        return out;
    }

    List<Row> expectedRows() throws IOException {
        List<Row> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(dir.resolve("ctstate.tsv"), StandardCharsets.UTF_8);
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split("\t", -1);
            String reason = f[6].equals("-") ? null : LOG_PREFIX.matcher(f[6]).replaceFirst("");
            rows.add(new Row(Integer.parseInt(f[0]), f[2], f[3], f[4], reason, f[5]));
        }
        return rows;
    }

    List<String> expectedEvents() throws IOException {
        return Files.readAllLines(dir.resolve("events.txt")).stream().filter(l -> !l.isBlank())
            .map(l -> normaliseEvent(EVENT_PREFIX.matcher(l).replaceFirst(""))).collect(Collectors.toList());
    }

    List<String> expectedTable() throws IOException {
        return Files.readAllLines(dir.resolve("table.txt")).stream().filter(l -> !l.isBlank())
            .map(KernelCase::normaliseTableLine).sorted().collect(Collectors.toList());
    }

    /**
     * The connection table after each ingress frame, where the case recorded it (tables.txt of a probe: sections
     * "# conntrack -L -o extended,id (after frame N)"), by frame number.
     */
    Map<Integer, List<String>> tablesAfterFrames() throws IOException {
        Map<Integer, List<String>> m = new LinkedHashMap<>();
        List<String> current = null;
        for (String l : Files.readAllLines(dir.resolve("tables.txt"), StandardCharsets.UTF_8)) {
            Matcher h = AFTER_FRAME.matcher(l);
            if (h.matches()) {
                current = new ArrayList<>();
                m.put(Integer.parseInt(h.group(1)), current);
            } else if (current != null && !l.isBlank()) {
                current.add(l);
            }
        }
        return m;
    }

    static String normaliseEvent(String line) {
        return ID.matcher(line).replaceAll("");
    }

    static String normaliseTableLine(String line) {
        String s = TABLE_TIMEOUT.matcher(line).replaceFirst("$1 ");
        return ID.matcher(USE.matcher(s).replaceAll("")).replaceAll("");
    }

    static boolean isTcpLine(String line) {
        return line.matches(".*\\btcp +6 .*");
    }

    /** What the replay produced. */
    static final class Result {
        final List<Row> rows = new ArrayList<>();
        final List<String> events = new ArrayList<>();
        final List<String> table = new ArrayList<>();
        Engine net;
    }

    /** Replays ingress.pcapng through a fresh engine with {@code tracker} registered for TCP. */
    Result replay(TcpTracker tracker) throws IOException {
        Registry reg = new Registry();
        reg.addTracker(tracker, 6, true, true, reg.localId(), 0, "test");
        ManualClock clock = new ManualClock(250);
        Engine net = new Engine(reg, "replay:" + name, clock, 1);
        sysctls().forEach((k, v) -> {
            // The TCP settings (defined by the tracker) and the core ones the tracker reads; not other trackers'.
            if (k.startsWith("nf_conntrack_tcp_") || k.equals("nf_conntrack_log_invalid")
                || k.equals("nf_conntrack_checksum")) {
                net.settings().set(k, v);
            }
        });
        Result res = new Result();
        res.net = net;
        net.addListener(ev -> res.events.add(normaliseEvent(CtFormat.event(ev, false))), true);
        List<byte[]> local = routerAddresses();
        Packet pkt = new Packet();
        int idx = 0;
        for (PcapNgFrames.Frame f : PcapNgFrames.read(dir.resolve("ingress.pcapng"))) {
            idx++;
            byte[] d = f.data();
            pkt.reset();
            pkt.load(d, 14, d.length - 14, 14);
            clock.setWallNanos(f.nanos());
            net.expire();
            if (IpHeaders.validate(pkt) != null) {
                res.rows.add(new Row(idx, f.iface(), "dropped-by-ip", "none", null, ""));
                continue;
            }
            pkt.tstamp = f.nanos();
            net.runHook(Hook.PRE_ROUTING, pkt);
            String state = CtInfo.stateName(pkt.ct != null, pkt.ctinfo);
            String dir = pkt.ct == null ? "none"
                : CtInfo.direction(pkt.ctinfo) == Direction.ORIGINAL ? "original" : "reply";
            res.rows.add(new Row(idx, f.iface(), state, dir, pkt.logReason, ""));
            net.runHook(toRouter(pkt, local) ? Hook.LOCAL_IN : Hook.POST_ROUTING, pkt);
        }
        net.list(null).forEach(s -> res.table.add(normaliseTableLine(CtFormat.listLine(s))));
        res.table.sort(null);
        return res;
    }

    private static boolean toRouter(Packet pkt, List<byte[]> local) {
        int off = (pkt.u8(0) >>> 4) == 4 ? 16 : 24;
        int n = off == 16 ? 4 : 16;
        byte[] dst = new byte[n];
        pkt.copyOut(off, dst, 0, n);
        for (byte[] a : local) {
            if (Arrays.equals(a, dst)) {
                return true;
            }
        }
        return false;
    }
}
