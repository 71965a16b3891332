package org.conntrack4j.proto.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.testkit.Capture;
import org.conntrack4j.testkit.EventLog;
import org.conntrack4j.testkit.KernelCase;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TCP situations the public kernel cases do not show, as the running Linux 6.18 kernel handled them: crafted
 * segments sent one at a time through a router namespace (tools/kernellab, subject probe_tcp), recorded as kernel
 * cases in testdata/probes/tcp/NAME: each segment's verdict and logged reason (ctstate.tsv) and the connection
 * table after it (tables.txt). Each case is replayed through the tracker and must agree on every packet: verdict
 * and direction, reason, and the connection's state, [UNREPLIED], [ASSURED] and timeout (within a second: the
 * kernel's table was listed some milliseconds after the packet).
 */
class KernelProbeTest {
    static Stream<String> names() {
        List<String> names = TestData.caseNames(TestData.probes("tcp"), d -> Files.isRegularFile(d.resolve("tables.txt")));
        assertFalse(names.isEmpty(), "no TCP probes in testdata/probes/tcp");
        return names.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void theTrackerDecidesAsTheKernelDid(String name) {
        KernelCase kc = KernelCase.probe("tcp", name);
        List<KernelCase.Row> rows = kc.rows();
        Map<Integer, List<String>> tables = kc.tablesAfterFrames();
        List<Capture.Frame> frames = kc.ingress();
        assertEquals(rows.size(), frames.size(), name + ": ctstate.tsv rows and ingress frames");
        Plugins plugins = new Plugins();
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        List<String> diffs = new ArrayList<>();
        int n = 0;
        try (Rig rig = new Rig(plugins, "probe:" + name, EventLog.AS_PRINTED)) {
            // The scenario's TCP settings and the logging the recording had (nf_conntrack_log_invalid=255).
            kc.sysctls().forEach((k, v) -> {
                if (k.startsWith("nf_conntrack_tcp_") || k.equals("nf_conntrack_log_invalid")) {
                    rig.set(k, Long.parseLong(v));
                }
            });
            for (Capture.Frame f : frames) {
                KernelCase.Row s = rows.get(n++);
                rig.clock().setWallNanos(f.nanos());
                Rig.Result r = rig.forward(f.ip());
                if (!r.verdict().equals(s.verdict())) {
                    diffs.add("packet " + n + ": " + r.verdict() + ", kernel " + s.verdict());
                }
                if (!String.valueOf(r.logReason).equals(String.valueOf(s.reason()))) {
                    diffs.add("packet " + n + ": reason " + r.logReason + ", kernel " + s.reason());
                }
                Packet pkt = r.packet;
                int sport = pkt.u16(pkt.l4off);
                int dport = pkt.u16(pkt.l4off + 2);
                String mine = describe(rig.net().table().list(c -> c.srcPort(Direction.ORIGINAL) == sport
                    && c.dstPort(Direction.ORIGINAL) == dport
                    || c.srcPort(Direction.ORIGINAL) == dport && c.dstPort(Direction.ORIGINAL) == sport));
                List<String> after = tables.get(n);
                assertTrue(after != null, name + ": no table after frame " + n);
                String kernels = describeKernel(after, sport, dport);
                if (!sameConnections(mine, kernels)) {
                    diffs.add("packet " + n + ": table " + mine + ", kernel " + kernels);
                }
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

    /** The same for the kernel's TCP lines of the flow with these ports (either way round). */
    private static String describeKernel(List<String> table, int sport, int dport) {
        List<String> out = new ArrayList<>();
        String key = "sport=" + sport + " dport=" + dport + " ";
        String rkey = "sport=" + dport + " dport=" + sport + " ";
        for (String line : table) {
            if (!KernelCaseTest.isTcpLine(line) || !line.contains(key) && !line.contains(rkey)) {
                continue;
            }
            String[] t = line.trim().split("\\s+");
            String first = "";
            for (String tok : t) {
                if (tok.startsWith("sport=")) {
                    first = tok.substring(6);
                    break;
                }
            }
            out.add(t[5] + " " + t[4] + (line.contains("[UNREPLIED]") ? " UNREPLIED" : "")
                + (line.contains("[ASSURED]") ? " ASSURED" : "") + " sport=" + first);
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
