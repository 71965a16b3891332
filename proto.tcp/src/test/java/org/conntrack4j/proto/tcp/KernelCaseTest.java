package org.conntrack4j.proto.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The recorded kernel cases, replayed: for every case without NAT or helper that carries TCP, every TCP
 * packet gets the kernel's verdict and direction and, where the kernel logged one, its reason (and no reason
 * where it logged none); the TCP events are the kernel's line by line; the TCP table lines are the kernel's
 * as a set. Cases added to the folder are picked up.
 */
class KernelCaseTest {
    static Stream<String> replayableCases() throws IOException {
        try (Stream<Path> s = Files.list(KernelCase.casesRoot())) {
            return s.filter(KernelCase::replayable).map(p -> p.getFileName().toString()).sorted()
                .collect(Collectors.toList()).stream();
        }
    }

    @Test
    void theSixTcpCasesAndIpv6BasicAreAmongTheReplayedOnes() throws IOException {
        List<String> cases = replayableCases().collect(Collectors.toList());
        for (String c : List.of("tcp_basic", "tcp_refused", "tcp_abort", "tcp_midstream", "tcp_invalid", "tcp_reopen",
            "ipv6_basic")) {
            assertTrue(cases.contains(c), c + " not replayed; found " + cases);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("replayableCases")
    void tcpVerdictsReasonsEventsAndTableMatchTheKernel(String name) throws IOException {
        KernelCase kc = new KernelCase(KernelCase.casesRoot().resolve(name));
        KernelCase.Result got = kc.replay(new TcpTracker());
        List<KernelCase.Row> want = kc.expectedRows();
        assertEquals(want.size(), got.rows.size(), name + ": packets replayed");

        List<String> diffs = new ArrayList<>();
        int tcpRows = 0;
        for (int i = 0; i < want.size(); i++) {
            KernelCase.Row w = want.get(i);
            KernelCase.Row g = got.rows.get(i);
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
        List<String> wantEvents = kc.expectedEvents().stream().filter(KernelCase::isTcpLine).collect(Collectors.toList());
        List<String> gotEvents = got.events.stream().filter(KernelCase::isTcpLine).collect(Collectors.toList());
        for (int i = 0; i < Math.max(wantEvents.size(), gotEvents.size()); i++) {
            String w = i < wantEvents.size() ? wantEvents.get(i) : "(none)";
            String g = i < gotEvents.size() ? gotEvents.get(i) : "(none)";
            if (!w.equals(g)) {
                diffs.add("event " + (i + 1) + ":\n   got    " + g + "\n   kernel " + w);
            }
        }
        List<String> wantTable = kc.expectedTable().stream().filter(KernelCase::isTcpLine).collect(Collectors.toList());
        List<String> gotTable = got.table.stream().filter(KernelCase::isTcpLine).collect(Collectors.toList());
        if (!wantTable.equals(gotTable)) {
            diffs.add("table:\n   got    " + String.join("\n          ", gotTable) + "\n   kernel "
                + String.join("\n          ", wantTable));
        }
        assertFalse(tcpRows == 0, name + ": no TCP packets");
        assertFalse(wantEvents.isEmpty(), name + ": no TCP events recorded");
        assertTrue(diffs.isEmpty(), name + " disagrees with the kernel:\n" + String.join("\n", diffs));
    }
}
