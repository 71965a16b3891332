package org.conntrack4j.proto.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.testkit.Capture;
import org.conntrack4j.testkit.KernelCase;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The recorded kernel cases, replayed: for every case without NAT or helper that carries TCP, every TCP
 * packet gets the kernel's verdict and direction and, where the kernel logged one, its reason (and no reason
 * where it logged none); the TCP events are the kernel's line by line; the TCP table lines are the kernel's
 * as a set. Cases added to the folder are picked up. The replay is the kit's rig with only the TCP tracker (other
 * protocols go to the generic tracker): each ingress frame through PRE_ROUTING, then LOCAL_IN when it is for the
 * router, else POST_ROUTING, the clock following the capture.
 */
class KernelCaseTest {
    /** Cases this harness can replay exactly: no NAT, no helper, no conntrack features, and some TCP traffic. */
    static boolean replayable(Path caseDir) {
        KernelCase kc = KernelCase.at(caseDir);
        // ct_features: rules that change what conntrack does (zones, marks, timeout policies, ...)
        return kc.json().get("nat") == null && kc.json().get("helper") == null && kc.object("ct_features") == null
            && kc.read("ctstate.tsv").contains("\tTCP ");
    }

    static Stream<String> replayableCases() {
        return TestData.caseNames(TestData.oracleCases(), KernelCaseTest::replayable).stream();
    }

    static boolean isTcpLine(String line) {
        return line.matches(".*\\btcp +6 .*");
    }

    @Test
    void theSixTcpCasesAndIpv6BasicAreAmongTheReplayedOnes() {
        List<String> cases = replayableCases().collect(Collectors.toList());
        for (String c : List.of("tcp_basic", "tcp_refused", "tcp_abort", "tcp_midstream", "tcp_invalid", "tcp_reopen",
            "ipv6_basic")) {
            assertTrue(cases.contains(c), c + " not replayed; found " + cases);
        }
    }

    /** One ingress frame's verdict, as a ctstate.tsv row. */
    private record Got(String verdict, String reason) {
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("replayableCases")
    void tcpVerdictsReasonsEventsAndTableMatchTheKernel(String name) {
        KernelCase kc = KernelCase.oracle(name);
        Plugins plugins = new Plugins();
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        List<Got> got = new ArrayList<>();
        List<String> gotTable = new ArrayList<>();
        List<String> gotEvents;
        try (Rig rig = new Rig(plugins, "replay:" + name, KernelCase::normaliseEvent)) {
            kc.sysctls().forEach((k, v) -> {
                // The TCP settings (defined by the tracker) and the core ones the tracker reads; not other trackers'.
                if (k.startsWith("nf_conntrack_tcp_") || k.equals("nf_conntrack_log_invalid")
                    || k.equals("nf_conntrack_checksum")) {
                    rig.set(k, Long.parseLong(v));
                }
            });
            List<byte[]> local = kc.routerAddresses().stream().map(Packets::addr).toList();
            for (Capture.Frame f : kc.ingress()) {
                byte[] d = f.data();
                Packet pkt = new Packet().load(d, 14, d.length - 14, 14);
                rig.clock().setWallNanos(f.nanos());
                rig.expire();
                if (IpHeaders.validate(pkt) != null) {
                    got.add(new Got("dropped-by-ip/none", null));
                    continue;
                }
                pkt.tstamp = f.nanos();
                Rig.Result r = rig.pass(pkt, Hook.PRE_ROUTING, toRouter(f.ip(), local) ? Hook.LOCAL_IN : Hook.POST_ROUTING);
                got.add(new Got(r.verdict(), r.logReason));
            }
            rig.net().table().list(null).forEach(s -> gotTable.add(KernelCase.normaliseTableLine(CtFormat.listLine(s))));
            gotTable.sort(null);
            gotEvents = List.copyOf(rig.events().lines());
        }
        List<KernelCase.Row> want = kc.rows();
        assertEquals(want.size(), got.size(), name + ": packets replayed");

        List<String> diffs = new ArrayList<>();
        int tcpRows = 0;
        for (int i = 0; i < want.size(); i++) {
            KernelCase.Row w = want.get(i);
            Got g = got.get(i);
            if (!w.summary().startsWith("TCP ")) {
                continue;
            }
            tcpRows++;
            if (!w.verdict().equals(g.verdict())) {
                diffs.add("packet " + w.idx() + ": verdict " + g.verdict() + ", kernel " + w.verdict() + "  | "
                    + w.summary());
            }
            if (!String.valueOf(w.reason()).equals(String.valueOf(g.reason()))) {
                diffs.add("packet " + w.idx() + ": reason " + g.reason() + ", kernel " + w.reason());
            }
        }
        List<String> wantEvents = kc.events().stream().filter(KernelCaseTest::isTcpLine).collect(Collectors.toList());
        List<String> tcpEvents = gotEvents.stream().filter(KernelCaseTest::isTcpLine).collect(Collectors.toList());
        for (int i = 0; i < Math.max(wantEvents.size(), tcpEvents.size()); i++) {
            String w = i < wantEvents.size() ? wantEvents.get(i) : "(none)";
            String g = i < tcpEvents.size() ? tcpEvents.get(i) : "(none)";
            if (!w.equals(g)) {
                diffs.add("event " + (i + 1) + ":\n   got    " + g + "\n   kernel " + w);
            }
        }
        List<String> wantTable = kc.table().stream().filter(KernelCaseTest::isTcpLine).collect(Collectors.toList());
        List<String> tcpTable = gotTable.stream().filter(KernelCaseTest::isTcpLine).collect(Collectors.toList());
        if (!wantTable.equals(tcpTable)) {
            diffs.add("table:\n   got    " + String.join("\n          ", tcpTable) + "\n   kernel "
                + String.join("\n          ", wantTable));
        }
        assertFalse(tcpRows == 0, name + ": no TCP packets");
        assertFalse(wantEvents.isEmpty(), name + ": no TCP events recorded");
        assertTrue(diffs.isEmpty(), name + " disagrees with the kernel:\n" + String.join("\n", diffs));
    }

    /** Is the packet addressed to one of the router's own addresses? */
    static boolean toRouter(byte[] ip, List<byte[]> local) {
        byte[] dst = Packets.addr(Packets.dst(ip));
        return local.stream().anyMatch(a -> Arrays.equals(a, dst));
    }
}
