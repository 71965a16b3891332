package org.conntrack4j.replay.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The port scores outputs exactly as compare.py does. Every expected text below is what compare.py printed for
 * the same damaged output (cross-checked by hand with the keep folder of {@link ReplayOutput}); the project's
 * build does not run Python.
 */
class CaseComparisonTest {
    @TempDir
    Path tmp;

    static List<Path> cases() {
        return TestData.cases(TestData.oracleCases(), d -> true);
    }

    private ReplayOutput output(String caseName, String damage) throws IOException {
        return ReplayOutput.copyOf(TestData.oracleCases().resolve(caseName), tmp, damage);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void aCaseComparedWithItselfAgreesCompletely(Path dir) throws IOException {
        ComparisonResult result = ReplayOutput.copyOf(dir, tmp, "self").compare();
        assertTrue(result.ok(), result.render());
        for (PartResult p : result.parts()) {
            assertEquals(p.total(), p.agree(), p.name());
            assertTrue(!p.hasGot() || p.got() == p.total(), p.name());
            assertNull(p.firstMismatch(), p.name());
            assertTrue(p.complete());
        }
        List<String> names = result.parts().stream().map(PartResult::name).collect(Collectors.toList());
        assertEquals("verdicts", names.get(0));
        assertTrue(names.containsAll(List.of("events", "table", "egress")), names.toString());
        assertEquals(Files.exists(dir.resolve("expect-events.txt")), names.contains("expect"));
        // the cases in which the kernel logged reasons
        assertEquals(Set.of("tcp_invalid", "sctp_basic", "sctp_masq").contains(dir.getFileName().toString()),
                names.contains("reasons"));
        assertFalse(names.contains("renamed_nat_ports"), "the kernel's own ports need no renaming");
    }

    @Test
    void selfComparisonRendersLikeComparePy() throws IOException {
        assertEquals("verdicts 11/11\nevents   7/7\ntable    1/1\negress   11/11\n",
                output("tcp_basic", "self").compare().render());
        assertEquals("{\"ok\": true, \"parts\": {\"verdicts\": {\"agree\": 4, \"total\": 4, \"first_mismatch\": null}, "
                + "\"events\": {\"agree\": 4, \"total\": 4, \"got\": 4, \"first_mismatch\": null}, "
                + "\"table\": {\"agree\": 0, \"total\": 0, \"got\": 0, \"missing\": [], \"extra\": []}, "
                + "\"egress\": {\"agree\": 4, \"total\": 4, \"got\": 4, \"first_mismatch_idx\": null, "
                + "\"out_of_order\": 0}}}",
                output("tcp_refused", "self").compare().toJson());
    }

    // verdicts and reasons

    @Test
    void aChangedVerdict() throws IOException {
        ComparisonResult r = output("tcp_basic", "verdict_changed").editLines("ctstate.tsv", lines -> {
            lines.set(1, lines.get(1).replace("\tnew\t", "\testablished\t"));
            return lines;
        }).compare();
        assertFalse(r.ok());
        assertEquals("verdicts 10/11  {\"first_mismatch\": \"idx 1: kernel new/original, got established/original\"}\n"
                + "events   7/7\ntable    1/1\negress   11/11\n", r.render());
        assertEquals("idx 1: kernel new/original, got established/original", r.part("verdicts").firstMismatch());
    }

    @Test
    void aMissingVerdictRow() throws IOException {
        ComparisonResult r = output("udp", "row_missing").editLines("ctstate.tsv", lines -> {
            lines.remove(3);
            return lines;
        }).compare();
        assertEquals("verdicts 20/21  {\"first_mismatch\": \"idx 3: kernel new/original, got missing\"}",
                r.part("verdicts").render());
    }

    @Test
    void reasonsComparedWithoutTheModulePrefixAndFromAReasonColumn() throws IOException {
        ComparisonResult r = output("tcp_invalid", "reason_column").editLines("ctstate.tsv", lines -> lines.stream()
                .map(l -> l.replace("ct_log_reason", "reason").replace("nf_ct_proto_6: ", ""))
                .collect(Collectors.toList())).compare();
        assertTrue(r.ok(), r.render());
        assertEquals("reasons  8/8", r.part("reasons").render());
    }

    @Test
    void missingReasons() throws IOException {
        ComparisonResult r = output("tcp_invalid", "no_reasons").editLines("ctstate.tsv", lines -> lines.stream()
                .map(l -> String.join("\t", List.of(l.split("\t", -1)).subList(0, Math.min(5, l.split("\t", -1).length))))
                .collect(Collectors.toList())).compare();
        assertEquals("verdicts 25/25", r.part("verdicts").render());
        assertEquals("reasons  0/8  {\"first_mismatch\": \"idx 8: kernel 'SEQ is over upper bound 502607366 "
                + "(over the window of the receiver)', got '-'\"}", r.part("reasons").render());
    }

    // events

    @Test
    void aMissingEventLine() throws IOException {
        ComparisonResult r = output("tcp_basic", "event_missing").editLines("events.txt", lines -> {
            lines.remove(2);
            return lines;
        }).compare();
        PartResult events = r.part("events");
        assertEquals(2, events.agree());
        assertEquals(7, events.total());
        assertEquals(6, events.got());
        assertEquals("events   2/7  {\"got\": 6, \"first_mismatch\": {\"kernel\": \"[UPDATE] ipv4 2 tcp 6 432000 "
                + "ESTABLISHED src=198.51.100.10 dst=203.0.113.10 sport=41000 dport=5001 src=203.0.113.10 "
                + "dst=198.51.100.10 sport=5001 dport=41000 [ASSURED]\", \"got\": \"[UPDATE] ipv4 2 tcp 6 120 FIN_WAIT "
                + "src=198.51.100.10 dst=203.0.113.10 sport=41000 dport=5001 src=203.0.113.10 dst=198.51.100.10 "
                + "sport=5001 dport=41000 [ASSURED]\"}}", events.render());
        assertTrue(events.firstMismatch().startsWith("line 3: kernel [UPDATE] ipv4 2 tcp 6 432000 ESTABLISHED"));
    }

    @Test
    void eventTimestampsAndIdsAreNotCompared() throws IOException {
        ComparisonResult r = output("tcp_basic", "event_ts_id").editLines("events.txt", lines -> lines.stream()
                .map(l -> l.replace("[17", "[18").replace(" id=", "   id=9")).collect(Collectors.toList())).compare();
        assertTrue(r.ok(), r.render());
    }

    @Test
    void anExtraEventLine() throws IOException {
        ComparisonResult r = output("tcp_basic", "event_extra").editLines("events.txt", lines -> {
            lines.add(lines.get(0));
            return lines;
        }).compare();
        PartResult events = r.part("events");
        assertEquals(7, events.agree());
        assertEquals(8, events.got());
        assertFalse(events.complete());
        assertEquals(Map.of("kernel", "-", "got", "-").keySet(),
                ((Map<?, ?>) events.details().get("first_mismatch")).keySet());
        assertNull(((Map<?, ?>) events.details().get("first_mismatch")).get("kernel"));
    }

    @Test
    void aMissingExpectationEvent() throws IOException {
        ComparisonResult r = output("ftp_passive_snat", "expect_missing").editLines("expect-events.txt", lines -> {
            lines.remove(0);
            return lines;
        }).compare();
        assertEquals("expect   0/10  {\"got\": 9, \"first_mismatch\": {\"kernel\": \"[NEW] 300 proto=6 src=198.51.100.10 "
                + "dst=203.0.113.10 sport=0 dport=30002 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 "
                + "dport=65535 master-src=198.51.100.10 master-dst=203.0.113.10 sport=43238 dport=21 class=0 "
                + "helper=ftp\", \"got\": \"[DESTROY] 300 proto=6 src=198.51.100.10 dst=203.0.113.10 sport=0 "
                + "dport=30002 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 "
                + "master-src=198.51.100.10 master-dst=203.0.113.10 sport=43238 dport=21 class=0 helper=ftp\"}}",
                r.part("expect").render());
        assertEquals("events   48/48", r.part("events").render());
    }

    // table

    private static final String STRANGER = "ipv4     2 udp      17 12 src=1.2.3.4 dst=5.6.7.8 sport=1 dport=2 "
            + "src=5.6.7.8 dst=1.2.3.4 sport=2 dport=1 mark=0 use=1 id=1";

    @Test
    void anExtraTableLine() throws IOException {
        ComparisonResult r = output("tcp_basic", "table_extra").editLines("table.txt", lines -> {
            lines.add(STRANGER);
            return lines;
        }).compare();
        assertEquals("table    1/1  {\"got\": 2, \"missing\": [], \"extra\": [\"ipv4 2 udp 17 src=1.2.3.4 dst=5.6.7.8 "
                + "sport=1 dport=2 src=5.6.7.8 dst=1.2.3.4 sport=2 dport=1 mark=0\"]}", r.part("table").render());
        assertFalse(r.ok());
        ComparisonResult empty = output("tcp_refused", "table_extra").editLines("table.txt", lines -> {
            lines.add(STRANGER);
            return lines;
        }).compare();
        assertEquals(0, empty.part("table").total());
        assertEquals(1, empty.part("table").got());
        assertFalse(empty.ok());
    }

    @Test
    void tableIsAMultisetWithoutTimeoutsUseAndIds() throws IOException {
        ComparisonResult same = output("udp", "table_reordered").editLines("table.txt", lines -> {
            List<String> out = new ArrayList<>();
            for (int i = lines.size() - 1; i >= 0; i--) {
                out.add(lines.get(i).replace(" 29 ", " 3 ").replace("use=1", "use=7").replace(" id=", "  id=1"));
            }
            out.add("conntrack v1.4.8 (conntrack-tools): 3 flow entries have been shown.");
            return out;
        }).compare();
        assertTrue(same.ok(), same.render());
        ComparisonResult twice = output("udp", "table_dup").editLines("table.txt", lines -> {
            lines.add(lines.get(0));
            return lines;
        }).compare();
        PartResult table = twice.part("table");
        assertEquals(3, table.agree());
        assertEquals(4, table.got());
        assertEquals(1, ((List<?>) table.details().get("extra")).size());
        ComparisonResult missing = output("ftp_active_snat", "table_missing").delete("table.txt").compare();
        assertEquals(3, ((List<?>) missing.part("table").details().get("missing")).size(), "at most three shown");
    }

    // egress

    private static List<ReplayOutput.Frame> move(List<ReplayOutput.Frame> frames, int from, int to) {
        ReplayOutput.Frame f = frames.remove(from);
        frames.add(to, f);
        return frames;
    }

    @Test
    void aModifiedEgressByte() throws IOException {
        ComparisonResult r = output("tcp_basic", "egress_byte").editEgress(frames -> {
            byte[] b = frames.get(5).bytes.clone();
            b[b.length - 1] ^= 1;
            frames.set(5, frames.get(5).with(b));
            return frames;
        }).compare();
        assertEquals("egress   10/11  {\"got\": 11, \"first_mismatch_idx\": 6, \"out_of_order\": 0}",
                r.part("egress").render());
        assertEquals("kernel packet 6 has no match within 8 places", r.part("egress").firstMismatch());
    }

    @Test
    void theEthernetHeaderIsNotCompared() throws IOException {
        ComparisonResult r = output("tcp_basic", "egress_mac").editEgress(frames -> {
            byte[] b = frames.get(0).bytes.clone();
            b[0] ^= 1;
            frames.set(0, frames.get(0).with(b));
            return frames;
        }).compare();
        assertTrue(r.ok(), r.render());
    }

    @Test
    void aPacketMovedThreePlacesStillMatches() throws IOException {
        ComparisonResult r = output("tcp_basic", "egress_moved3").editEgress(f -> move(f, 0, 3)).compare();
        assertTrue(r.ok(), r.render());
        assertEquals(4, r.part("egress").details().get("out_of_order"));
        ComparisonResult back = output("tcp_basic", "egress_moved_back3").editEgress(f -> move(f, 10, 7)).compare();
        assertTrue(back.ok(), back.render());
        assertEquals(4, back.part("egress").details().get("out_of_order"));
    }

    @Test
    void aPacketMovedNinePlacesIsOutsideTheWindow() throws IOException {
        ComparisonResult r = output("tcp_basic", "egress_moved9").editEgress(f -> move(f, 0, 9)).compare();
        assertEquals("egress   10/11  {\"got\": 11, \"first_mismatch_idx\": 1, \"out_of_order\": 9}",
                r.part("egress").render());
        ComparisonResult eight = output("tcp_basic", "egress_moved8").editEgress(f -> move(f, 0, 8)).compare();
        assertTrue(eight.ok(), eight.render());
    }

    @Test
    void aDroppedAndADuplicatedPacket() throws IOException {
        ComparisonResult dropped = output("tcp_basic", "egress_dropped").editEgress(f -> {
            f.remove(2);
            return f;
        }).compare();
        assertEquals("egress   10/11  {\"got\": 10, \"first_mismatch_idx\": 3, \"out_of_order\": 8}",
                dropped.part("egress").render());
        ComparisonResult dup = output("tcp_basic", "egress_dup").editEgress(f -> {
            f.add(4, f.get(4));
            return f;
        }).compare();
        assertEquals("egress   11/11  {\"got\": 12, \"first_mismatch_idx\": null, \"out_of_order\": 6}",
                dup.part("egress").render());
        assertEquals("the replay sent 1 packets more than the kernel", dup.part("egress").firstMismatch());
        assertFalse(dup.ok());
    }

    /** Changes the IPv4 identification and header checksum, or the IPv6 flow label, of every packet. */
    private static List<ReplayOutput.Frame> scrambleRandomFields(List<ReplayOutput.Frame> frames) {
        List<ReplayOutput.Frame> out = new ArrayList<>();
        for (ReplayOutput.Frame f : frames) {
            byte[] b = f.bytes.clone();
            if (b[12] == 0x08 && b[13] == 0x00) {
                b[18] ^= 0x55;
                b[24] ^= 0x33;
            } else if (b[12] == (byte) 0x86 && b[13] == (byte) 0xDD) {
                b[15] ^= 0x05;
                b[16] ^= 0x77;
            }
            out.add(f.with(b));
        }
        return out;
    }

    @Test
    void randomFieldsAreMaskedOnlyInPacketsTheRouterOriginates() throws IOException {
        // icmp: only packet 5, the router's own echo reply, keeps matching
        assertEquals("egress   1/9  {\"got\": 9, \"first_mismatch_idx\": 1, \"out_of_order\": 0}",
                output("icmp", "egress_ipid").editEgress(CaseComparisonTest::scrambleRandomFields).compare()
                        .part("egress").render());
        assertEquals("egress   1/9  {\"got\": 9, \"first_mismatch_idx\": 1, \"out_of_order\": 0}",
                output("frag6", "egress_ipid").editEgress(CaseComparisonTest::scrambleRandomFields).compare()
                        .part("egress").render());
        assertEquals("egress   0/18  {\"got\": 18, \"first_mismatch_idx\": 1, \"out_of_order\": 0}",
                output("ipv6_basic", "egress_ipid").editEgress(CaseComparisonTest::scrambleRandomFields).compare()
                        .part("egress").render());
    }

    @Test
    void egressMayBeAClassicPcapAndAMissingCaptureScoresNothing() throws IOException {
        ReplayOutput out = output("tcp_basic", "egress_as_pcap");
        List<byte[]> frames = new ArrayList<>();
        out.editEgress(f -> {
            f.forEach(x -> frames.add(x.bytes));
            return f;
        });
        out.delete("egress.pcapng");
        try (org.conntrack4j.replay.pcap.PcapWriter w = org.conntrack4j.replay.pcap.PcapWriter.create(
                out.dir.resolve("egress.pcap"), 1, false)) {
            for (byte[] b : frames) {
                w.write(1_000_000_000L, b);
            }
        }
        assertTrue(out.compare().ok());
        out.delete("egress.pcap");
        assertEquals("egress   0/11  {\"got\": 0, \"first_mismatch_idx\": 1, \"out_of_order\": 0}",
                out.compare().part("egress").render());
    }

    @Test
    void aCorruptReplayCaptureIsScoredUpToTheDamageAndNeverComplete() throws IOException {
        ReplayOutput out = output("tcp_basic", "egress_corrupt");
        Path egress = out.dir.resolve("egress.pcapng");
        byte[] bytes = Files.readAllBytes(egress);
        Files.write(egress, java.util.Arrays.copyOf(bytes, bytes.length - 2));
        PartResult part = out.compare().part("egress");
        assertEquals(10, part.agree());
        assertEquals(10, part.got());
        assertFalse(part.complete());
        assertTrue(((String) part.details().get("capture_error")).contains("runs past the end of the file"));
        // a corrupt final block after all packets: everything matches, still not complete
        Files.write(egress, java.util.Arrays.copyOf(bytes, bytes.length + 4));
        part = out.compare().part("egress");
        assertEquals(11, part.agree());
        assertFalse(part.complete());
    }

    @Test
    void anEmptyOutputFolder() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        ComparisonResult r = CaseComparison.compare(TestData.oracleCases().resolve("tcp_basic"), empty);
        assertEquals("verdicts 0/11  {\"first_mismatch\": \"idx 1: kernel new/original, got missing\"}\n"
                + "events   0/7  {\"got\": 0, \"first_mismatch\": {\"kernel\": \"[NEW] ipv4 2 tcp 6 120 SYN_SENT "
                + "src=198.51.100.10 dst=203.0.113.10 sport=41000 dport=5001 [UNREPLIED] src=203.0.113.10 "
                + "dst=198.51.100.10 sport=5001 dport=41000\", \"got\": null}}\n"
                + "table    0/1  {\"got\": 0, \"missing\": [\"ipv4 2 tcp 6 TIME_WAIT src=198.51.100.10 dst=203.0.113.10 "
                + "sport=41000 dport=5001 src=203.0.113.10 dst=198.51.100.10 sport=5001 dport=41000 [ASSURED] "
                + "mark=0\"], \"extra\": []}\n"
                + "egress   0/11  {\"got\": 0, \"first_mismatch_idx\": 1, \"out_of_order\": 0}\n", r.render());
    }

    // NAT ports the kernel picked at random (snat_port_clash: 20512 for TCP, 48929 for UDP)

    /** Gives the flows NATed to 203.0.113.1:{old} the port {new}, in egress packets with a fresh checksum. */
    private static List<ReplayOutput.Frame> renamePorts(List<ReplayOutput.Frame> frames, Map<Integer, Integer> ports,
            boolean fixChecksum) {
        List<ReplayOutput.Frame> out = new ArrayList<>();
        for (ReplayOutput.Frame f : frames) {
            ByteBuffer b = ByteBuffer.wrap(f.bytes.clone());
            int ip = 14;
            int l4 = ip + (b.get(ip) & 15) * 4;
            int sport = b.getShort(l4) & 0xFFFF;
            int dport = b.getShort(l4 + 2) & 0xFFFF;
            boolean fromRouter = b.getInt(ip + 12) == 0xCB007101; // 203.0.113.1
            boolean toRouter = b.getInt(ip + 16) == 0xCB007101;
            boolean changed = false;
            if (fromRouter && ports.containsKey(sport)) {
                b.putShort(l4, (short) (int) ports.get(sport));
                changed = true;
            }
            if (toRouter && ports.containsKey(dport)) {
                b.putShort(l4 + 2, (short) (int) ports.get(dport));
                changed = true;
            }
            if (changed && fixChecksum) {
                Packets.fixChecksums(b.array(), ip);
            }
            out.add(f.with(b.array()));
        }
        return out;
    }

    private ReplayOutput renamed(String damage, Map<Integer, Integer> ports, boolean events, boolean table,
            boolean egress, boolean fixChecksum) throws IOException {
        ReplayOutput out = output("snat_port_clash", damage);
        for (Map.Entry<Integer, Integer> e : ports.entrySet()) {
            if (events) {
                out.replaceText("events.txt", "dport=" + e.getKey(), "dport=" + e.getValue());
            }
            if (table) {
                out.replaceText("table.txt", "dport=" + e.getKey(), "dport=" + e.getValue());
            }
        }
        if (egress) {
            out.editEgress(f -> renamePorts(f, ports, fixChecksum));
        }
        return out;
    }

    @Test
    void natPortsRenamedConsistentlyAgree() throws IOException {
        ComparisonResult r = renamed("nat_consistent", Map.of(20512, 31000, 48929, 31001), true, true, true, true)
                .compare();
        assertTrue(r.ok(), r.render());
        assertEquals("verdicts 20/20\nevents   16/16\ntable    4/4\negress   20/20\nrenamed_nat_ports 2/2\n",
                r.render());
        assertEquals("{\"udp 203.0.113.10 203.0.113.1 9000 48929\": \"31001\", "
                + "\"tcp 203.0.113.10 203.0.113.1 80 20512\": \"31000\"}",
                PyJson.dumps(r.part("renamed_nat_ports").details().get("map")), "in compare.py's dict order");
        ComparisonResult tcpOnly = renamed("nat_tcp_only", Map.of(20512, 31000), true, true, true, true).compare();
        assertTrue(tcpOnly.ok(), tcpOnly.render());
        assertEquals("renamed_nat_ports 1/1", tcpOnly.part("renamed_nat_ports").render());
    }

    @Test
    void natPortsRenamedWithABadChecksumDisagree() throws IOException {
        ComparisonResult r = renamed("nat_bad_checksum", Map.of(20512, 31000, 48929, 31001), true, true, true, false)
                .compare();
        assertEquals("egress   14/20  {\"got\": 20, \"first_mismatch_idx\": 6, \"out_of_order\": 0}",
                r.part("egress").render());
        assertEquals("renamed_nat_ports 2/2", r.part("renamed_nat_ports").render());
    }

    @Test
    void natPortsRenamedInconsistentlyDisagree() throws IOException {
        // only the table has the new port: events define the same flow with the kernel's port, and win
        ComparisonResult tableOnly = renamed("nat_table_only", Map.of(20512, 31000), false, true, false, false)
                .compare();
        assertEquals("verdicts 20/20\nevents   16/16\n"
                + "table    3/4  {\"got\": 4, \"missing\": [\"ipv4 2 tcp 6 TIME_WAIT src=198.51.100.11 dst=203.0.113.10 "
                + "sport=40000 dport=80 src=203.0.113.10 dst=203.0.113.1 sport=80 dport=20512 [ASSURED] mark=0\"], "
                + "\"extra\": [\"ipv4 2 tcp 6 TIME_WAIT src=198.51.100.11 dst=203.0.113.10 sport=40000 dport=80 "
                + "src=203.0.113.10 dst=203.0.113.1 sport=80 dport=31000 [ASSURED] mark=0\"]}\n"
                + "egress   20/20\n", tableOnly.render());
        assertNull(tableOnly.part("renamed_nat_ports"));
        // the events use the new port, table and egress the old one: the later events line defines the renaming,
        // so the table disagrees; the packets still equal the kernel's before any renaming
        ComparisonResult eventsOnly = renamed("nat_events_only", Map.of(20512, 31000), true, false, false, false)
                .compare();
        assertEquals("verdicts 20/20\nevents   16/16\n"
                + "table    3/4  {\"got\": 4, \"missing\": [\"ipv4 2 tcp 6 TIME_WAIT src=198.51.100.11 dst=203.0.113.10 "
                + "sport=40000 dport=80 src=203.0.113.10 dst=203.0.113.1 sport=80 dport=31000 [ASSURED] mark=0\"], "
                + "\"extra\": [\"ipv4 2 tcp 6 TIME_WAIT src=198.51.100.11 dst=203.0.113.10 sport=40000 dport=80 "
                + "src=203.0.113.10 dst=203.0.113.1 sport=80 dport=20512 [ASSURED] mark=0\"]}\n"
                + "egress   20/20\nrenamed_nat_ports 1/1\n", eventsOnly.render());
        // the packets use a new port that no conntrack line announces
        ComparisonResult egressOnly = renamed("nat_egress_only", Map.of(20512, 31000), false, false, true, true)
                .compare();
        assertEquals("egress   15/20  {\"got\": 20, \"first_mismatch_idx\": 6, \"out_of_order\": 0}",
                egressOnly.part("egress").render());
        assertNull(egressOnly.part("renamed_nat_ports"));
    }
}
