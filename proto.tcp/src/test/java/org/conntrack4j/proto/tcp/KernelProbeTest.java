package org.conntrack4j.proto.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * segments sent one at a time through a router namespace (tools/kernellab, subject probe_tcp), recorded as kernel
 * cases in testdata/probes/tcp/NAME: each segment's verdict and logged reason (ctstate.tsv) and the connection
 * table after it (tables.txt). Each case is replayed through the tracker and must agree on every packet: verdict
 * and direction, reason, and the connection's state, [UNREPLIED], [ASSURED] and timeout (within a second: the
 * kernel's table was listed some milliseconds after the packet).
 */
class KernelProbeTest {
    static Stream<String> names() throws IOException {
        try (Stream<Path> s = Files.list(KernelCase.testdata("probes/tcp"))) {
            List<String> names = s.filter(d -> Files.isRegularFile(d.resolve("tables.txt")))
                .map(d -> d.getFileName().toString()).sorted().toList();
            assertFalse(names.isEmpty(), "no TCP probes in testdata/probes/tcp");
            return names.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void theTrackerDecidesAsTheKernelDid(String name) throws IOException {
        KernelCase kc = new KernelCase(KernelCase.testdata("probes/tcp").resolve(name));
        List<KernelCase.Row> rows = kc.expectedRows();
        Map<Integer, List<String>> tables = kc.tablesAfterFrames();
        List<PcapNgFrames.Frame> frames = PcapNgFrames.read(kc.dir.resolve("ingress.pcapng"));
        assertEquals(rows.size(), frames.size(), name + ": ctstate.tsv rows and ingress frames");
        Registry reg = new Registry();
        reg.addTracker(new TcpTracker(), 6, true, true, reg.localId(), 0, "test");
        ManualClock clock = new ManualClock(250);
        Engine net = new Engine(reg, "probe:" + name, clock, 1);
        // The scenario's TCP settings and the logging the recording had (nf_conntrack_log_invalid=255).
        kc.sysctls().forEach((k, v) -> {
            if (k.startsWith("nf_conntrack_tcp_") || k.equals("nf_conntrack_log_invalid")) {
                net.settings().set(k, v);
            }
        });
        List<String> diffs = new ArrayList<>();
        Packet pkt = new Packet();
        int n = 0;
        for (PcapNgFrames.Frame f : frames) {
            KernelCase.Row s = rows.get(n++);
            byte[] d = f.data();
            pkt.reset();
            pkt.load(d, 14, d.length - 14, 14);
            assertTrue(IpHeaders.validate(pkt) == null, name + " packet " + n + " rejected by IP");
            clock.setWallNanos(f.nanos());
            pkt.tstamp = f.nanos();
            net.runHook(Hook.PRE_ROUTING, pkt);
            String state = CtInfo.stateName(pkt.ct != null, pkt.ctinfo);
            String dir = pkt.ct == null ? "none"
                : CtInfo.direction(pkt.ctinfo) == Direction.ORIGINAL ? "original" : "reply";
            if (!(state + "/" + dir).equals(s.verdict())) {
                diffs.add("packet " + n + ": " + state + "/" + dir + ", kernel " + s.verdict());
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
            List<String> after = tables.get(n);
            assertTrue(after != null, name + ": no table after frame " + n);
            String kernels = describeKernel(after, sport, dport);
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

    /** The same for the kernel's TCP lines of the flow with these ports (either way round). */
    private static String describeKernel(List<String> table, int sport, int dport) {
        List<String> out = new ArrayList<>();
        String key = "sport=" + sport + " dport=" + dport + " ";
        String rkey = "sport=" + dport + " dport=" + sport + " ";
        for (String line : table) {
            if (!KernelCase.isTcpLine(line) || !line.contains(key) && !line.contains(rkey)) {
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
