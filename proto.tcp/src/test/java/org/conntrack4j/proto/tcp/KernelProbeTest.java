package org.conntrack4j.proto.tcp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.inet.IpHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TCP situations the public kernel cases do not show, as the running Linux 6.18 kernel handled them: crafted
 * packets injected into a router namespace (src/test/kprobe/scenarios.py), with conntrack's per-packet
 * verdict and logged reason (nflog, as the oracle recorder) and the connection's line in
 * /proc/net/nf_conntrack after each packet. Recorded in src/test/resources/kernel-probe/tcp-scenarios.tsv.
 * Each scenario is replayed through the tracker and must agree on every packet: verdict and direction,
 * reason (the first the kernel logged), and the connection's state, [UNREPLIED], [ASSURED] and timeout
 * (within a second: the kernel's listing was read some milliseconds after the packet).
 */
class KernelProbeTest {
    private static final String RESOURCE = "/kernel-probe/tcp-scenarios.tsv";

    /** One recorded packet, or a sysctl change (when {@code sysctl} is set). */
    record Step(String sysctl, long value, String side, long nanos, byte[] ip, String state, String dir,
        String reason, String table) {
    }

    static Map<String, List<Step>> scenarios() throws IOException {
        Map<String, List<Step>> m = new LinkedHashMap<>();
        try (InputStream in = KernelProbeTest.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " missing");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null;) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                if (f[0].equals("#sysctl")) {
                    m.computeIfAbsent(f[1], k -> new ArrayList<>())
                        .add(new Step(f[2], Long.parseLong(f[3]), null, 0, null, null, null, null, null));
                    continue;
                }
                String reason = f[6].equals("-") ? null : f[6].split(" \\|\\| ")[0].replaceFirst("^nf_ct_proto_\\d+: ", "").trim();
                m.computeIfAbsent(f[0], k -> new ArrayList<>()).add(new Step(null, 0, f[1], Long.parseLong(f[2]),
                    HexFormat.of().parseHex(f[3]), f[4], f[5], reason, f[7]));
            }
        }
        return m;
    }

    static Stream<String> names() throws IOException {
        return scenarios().keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void theTrackerDecidesAsTheKernelDid(String name) throws IOException {
        List<Step> steps = scenarios().get(name);
        Registry reg = new Registry();
        reg.addTracker(new TcpTracker(), 6, true, true, reg.localId(), 0, "test");
        ManualClock clock = new ManualClock(250);
        Engine net = new Engine(reg, "probe:" + name, clock, 1);
        net.settings().set("nf_conntrack_log_invalid", 255);
        List<String> diffs = new ArrayList<>();
        Packet pkt = new Packet();
        int n = 0;
        for (Step s : steps) {
            if (s.sysctl() != null) {
                net.settings().set(s.sysctl(), s.value());
                continue;
            }
            n++;
            pkt.reset();
            pkt.load(s.ip(), 0, s.ip().length, 14);
            assertTrue(IpHeaders.validate(pkt) == null, name + " packet " + n + " rejected by IP");
            clock.setWallNanos(s.nanos());
            pkt.tstamp = s.nanos();
            net.runHook(Hook.PRE_ROUTING, pkt);
            String state = CtInfo.stateName(pkt.ct != null, pkt.ctinfo);
            String dir = pkt.ct == null ? "none"
                : CtInfo.direction(pkt.ctinfo) == Direction.ORIGINAL ? "original" : "reply";
            if (!(state + "/" + dir).equals(s.state() + "/" + s.dir())) {
                diffs.add("packet " + n + ": " + state + "/" + dir + ", kernel " + s.state() + "/" + s.dir());
            }
            if (!String.valueOf(pkt.logReason).equals(String.valueOf(s.reason()))) {
                diffs.add("packet " + n + ": reason " + pkt.logReason + ", kernel " + s.reason());
            }
            net.runHook(Hook.POST_ROUTING, pkt);
            int sport = pkt.u16(pkt.l4off);
            int dport = pkt.u16(pkt.l4off + 2);
            String mine = describe(net.list(c -> c.srcPort(Direction.ORIGINAL) == sport
                && c.dstPort(Direction.ORIGINAL) == dport
                || c.srcPort(Direction.ORIGINAL) == dport && c.dstPort(Direction.ORIGINAL) == sport));
            String kernels = describeKernel(s.table());
            if (!sameConnections(mine, kernels)) {
                diffs.add("packet " + n + ": table " + mine + ", kernel " + kernels);
            }
        }
        assertFalse(n == 0, name + ": no packets");
        assertTrue(diffs.isEmpty(), name + " disagrees with the kernel:\n" + String.join("\n", diffs));
    }

    /** "STATE timeout [UNREPLIED] [ASSURED]" per connection, sorted. */
    private static String describe(List<ConnectionSnapshot> list) {
        List<String> out = new ArrayList<>();
        for (ConnectionSnapshot s : list) {
            out.add(s.state() + " " + s.timeoutSeconds() + ((s.status() & Status.SEEN_REPLY) == 0 ? " UNREPLIED" : "")
                + ((s.status() & Status.ASSURED) != 0 ? " ASSURED" : "") + " sport=" + s.orig().srcPort);
        }
        out.sort(null);
        return String.join("; ", out);
    }

    private static String describeKernel(String table) {
        if (table.equals("-")) {
            return "";
        }
        List<String> out = new ArrayList<>();
        for (String line : table.split(" ## ")) {
            String[] t = line.trim().split("\\s+");
            String sport = "";
            for (String tok : t) {
                if (tok.startsWith("sport=")) {
                    sport = tok.substring(6);
                    break;
                }
            }
            out.add(t[5] + " " + t[4] + (line.contains("[UNREPLIED]") ? " UNREPLIED" : "")
                + (line.contains("[ASSURED]") ? " ASSURED" : "") + " sport=" + sport);
        }
        out.sort(null);
        return String.join("; ", out);
    }

    /** Equal but for timeouts, which may differ by one second. */
    private static boolean sameConnections(String mine, String kernels) {
        String[] a = mine.isEmpty() ? new String[0] : mine.split("; ");
        String[] b = kernels.isEmpty() ? new String[0] : kernels.split("; ");
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            String[] x = a[i].split(" ");
            String[] y = b[i].split(" ");
            if (x.length != y.length || !x[0].equals(y[0])
                || Math.abs(Long.parseLong(x[1]) - Long.parseLong(y[1])) > 1) {
                return false;
            }
            for (int j = 2; j < x.length; j++) {
                if (!x[j].equals(y[j])) {
                    return false;
                }
            }
        }
        return true;
    }
}
