package org.conntrack4j.replay.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.router.RouterInterface;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays of the captures in testdata/linktypes (a Linux router recorded with tcpdump / dumpcap {@code -i any}, and
 * the same packets under other link types) through a router with the recording router's addresses.
 */
class ReplayLinkTypesTest {
    private static final Path DIR = TestData.folder("linktypes");
    private static final ConntrackFactory ENGINES = new Plugins().factory();

    private static CaseSpec spec(String file, Map<String, String> map) {
        return new CaseSpec(file, List.of(
            RouterInterface.of("lan", "02:00:00:00:01:01", "02:00:00:00:01:02", 1500, "198.51.100.1/24",
                "2001:db8:1::1/64"),
            RouterInterface.of("wan", "02:00:00:00:02:01", "02:00:00:00:02:02", 1500, "203.0.113.1/24",
                "2001:db8:2::1/64")),
            Map.of(), null, null, DIR.resolve(file), null).withInterfaceMap(map);
    }

    private static ReplayReport replay(CaseSpec spec, Path out) throws Exception {
        return Replay.run(spec, out, (name, clock, sysctls) -> ENGINES.create(name, clock, sysctls, true),
            (net, text, source) -> () -> { }, null);
    }

    private static List<String[]> rows(Path out) throws Exception {
        return Files.readAllLines(out.resolve("ctstate.tsv")).stream().skip(1).map(l -> l.split("\t", -1)).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"any-sll2.pcap", "any-sll2.pcapng"})
    void sll2FramesGoToTheRouterInterfaceTheirIndexIsMappedToAndOutgoingOnesAreNotReplayed(String file,
        @TempDir Path tmp) throws Exception {
        ReplayReport r = replay(spec(file, Map.of("2", "lan", "3", "wan")), tmp);
        assertEquals(List.of(), r.warnings());
        assertFalse(r.noFrameMapped());
        int requests = 0;
        int replies = 0;
        int outgoing = 0;
        for (String[] row : rows(tmp)) {
            assertTrue(row[2].equals("lan") || row[2].equals("wan"), String.join(" ", row));
            if (row[6].contains("outgoing")) {
                outgoing++;
                assertEquals("-", row[3]);
            } else if (row[5].matches("ICMP(v6)? .* type=(8|128) code=0 .*")) {
                assertEquals("lan", row[2]);
                assertEquals(row[5].contains("seq=1 ") ? "new" : "established", row[3], String.join(" ", row));
                requests++;
            } else if (row[5].matches("ICMP(v6)? .* type=(0|129) code=0 .*")) {
                assertEquals("wan", row[2]);
                assertEquals("established", row[3], String.join(" ", row));
                replies++;
            }
        }
        assertEquals(4, requests, "two pings over IPv4 and two over IPv6, each seen coming in on lan");
        assertEquals(4, replies);
        assertTrue(outgoing >= 9, "every forwarded packet also left the recording router: " + outgoing);
        // what the router sent: the requests out of wan and the replies out of lan, as the recording router did
        assertTrue(r.egressFrames() >= 8, "egress " + r.egressFrames());
    }

    @Test
    void unmappedInterfaceIndexesAreCountedAndNoFrameMappedIsReported(@TempDir Path tmp) throws Exception {
        ReplayReport r = replay(spec("any-sll2.pcap", Map.of()), tmp);
        assertTrue(r.noFrameMapped());
        assertEquals(1, r.warnings().size(), r.warnings().toString());
        String w = r.warnings().get(0);
        assertTrue(w.contains("ifindex 2: ") && w.contains("ifindex 3: ") && w.contains("--map-iface"), w);
        for (String[] row : rows(tmp)) {
            assertEquals("-", row[3]);
        }
        ReplayReport half = replay(spec("any-sll2.pcap", Map.of("2", "lan")), tmp.resolve("half"));
        assertFalse(half.noFrameMapped());
        assertTrue(half.warnings().get(0).contains("ifindex 3: "), half.warnings().toString());
        assertFalse(half.warnings().get(0).contains("ifindex 2"), half.warnings().toString());
    }

    @Test
    void aPcapngInterfaceNameMapsToo(@TempDir Path tmp) throws Exception {
        // dumpcap's "any" interface: mapping the name catches the frames whose index is not mapped
        ReplayReport r = replay(spec("any-sll2.pcapng", Map.of("any", "lan", "3", "wan")), tmp);
        assertEquals(List.of(), r.warnings());
        assertTrue(rows(tmp).stream().anyMatch(row -> row[2].equals("wan")));
    }

    @Test
    void everyLinkTypeReplaysAsTheRawIpCapture(@TempDir Path tmp) throws Exception {
        List<String> reference = null;
        for (String file : List.of("raw12.pcap", "raw14.pcap", "null-le.pcap", "null-be.pcap", "loop.pcap",
            "ppp.pcap", "ppp-hdlc.pcap")) {
            Path out = tmp.resolve(file);
            ReplayReport r = replay(spec(file, Map.of()), out);
            assertEquals(List.of(), r.warnings(), file);
            List<String> lines = Files.readAllLines(out.resolve("ctstate.tsv"));
            assertEquals(11, lines.size(), file);
            assertEquals("new", lines.get(1).split("\t")[3], file + ": " + lines.get(1));
            if (reference == null) {
                reference = lines;
            } else {
                assertEquals(reference, lines, file);
            }
        }
    }

    @Test
    void aLinkTypeNotReadGetsOneWarningWithItsFrameCount(@TempDir Path tmp) throws Exception {
        ReplayReport r = replay(spec("ieee802-11.pcap", Map.of()), tmp);
        assertEquals(List.of("link type LINKTYPE_IEEE802_11 (105) is not read: its 10 frames were not replayed"
            + " (counted as not IP)"), r.warnings());
        for (String[] row : rows(tmp)) {
            assertEquals("-", row[3]);
            assertTrue(row[5].startsWith("non-IP frame"), row[5]);
        }
    }
}
