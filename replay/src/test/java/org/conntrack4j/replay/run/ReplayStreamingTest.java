package org.conntrack4j.replay.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.replay.pcap.PcapNgWriter;
import org.conntrack4j.router.Result;
import org.conntrack4j.router.RouterInterface;
import org.conntrack4j.testkit.Plugins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay writes its outputs as it goes: a fatal error (injected: a hook that throws, a thread that dies) stops
 * it with {@link ReplayException#FATAL} and the rows of the frames before it written; a fragment that never
 * completes is decided once its reassembly time has passed on the capture's clock, not at the end.
 */
class ReplayStreamingTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final ConntrackFactory ENGINES = new Plugins().factory();

    private static byte[] eth(byte[] ip) {
        byte[] f = new byte[14 + ip.length];
        System.arraycopy(RouterInterface.parseMac("02:00:00:00:01:01"), 0, f, 0, 6);
        f[12] = 0x08;
        System.arraycopy(ip, 0, f, 14, ip.length);
        return f;
    }

    /** UDP/IPv4 from 198.51.100.10:{@code sport} to 203.0.113.10:6666 with {@code data} bytes; {@code mf}: a first fragment. */
    private static byte[] udp4(int sport, int data, boolean mf) {
        Packet p = new Packet(64).wrap(new byte[28 + data], 0, 28 + data);
        p.put8(0, 0x45);
        p.put16(2, 28 + data);
        p.put16(4, sport);
        p.put16(6, mf ? 0x2000 : 0);
        p.put8(8, 64);
        p.put8(9, 17);
        p.put32(12, Addr.parseV4("198.51.100.10"));
        p.put32(16, Addr.parseV4("203.0.113.10"));
        p.put16(20, sport);
        p.put16(22, 6666);
        p.put16(24, 8 + data);
        p.put16(10, Checksum.ipv4Header(p));
        return p.array();
    }

    private static CaseSpec spec(Path capture) {
        return spec(capture, null);
    }

    /** {@code ruleset} non-null: a text for the installer (which the tests' installers do not parse). */
    private static CaseSpec spec(Path capture, String ruleset) {
        return new CaseSpec("streaming", List.of(
            RouterInterface.of("lan", "02:00:00:00:01:01", "02:00:00:00:01:02", 1500, "198.51.100.1/24"),
            RouterInterface.of("wan", "02:00:00:00:02:01", "02:00:00:00:02:02", 1500, "203.0.113.1/24")),
            Map.of(), ruleset, ruleset, capture, "lan");
    }

    /** {@code n} UDP datagrams, one per second. */
    private static Path capture(Path dir, int n) throws Exception {
        Path capture = dir.resolve("in.pcapng");
        try (PcapNgWriter w = PcapNgWriter.create(capture)) {
            for (int i = 0; i < n; i++) {
                w.write("lan", T0 + i * 1_000_000_000L, eth(udp4(40000 + i, 10, false)), null);
            }
        }
        return capture;
    }

    /** Installs, in place of a ruleset, a prerouting hook that calls {@code action} with the frame's number. */
    private static Replay.RulesetInstaller hook(java.util.function.IntConsumer action) {
        AtomicInteger seen = new AtomicInteger();
        return (net, text, source) -> net.packets().registerHook(Family.IPV4, Hook.PRE_ROUTING, -500, p -> {
            action.accept(seen.incrementAndGet());
            return Verdict.ACCEPT;
        }, "test");
    }

    private static Replay.EngineSource engines() {
        return (name, clock, sysctls) -> ENGINES.create(name, clock, sysctls, true);
    }

    @Test
    void outOfMemoryInThePacketPathEndsWithFatalAndTheRowsBeforeIt(@TempDir Path tmp) throws Exception {
        CaseSpec spec = spec(capture(tmp, 10), "injected");
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("table.txt"), "an earlier run's table\n");
        ReplayException e = assertThrows(ReplayException.class, () -> Replay.run(spec, out, engines(), hook(n -> {
            if (n == 4) {
                throw new OutOfMemoryError("Java heap space");
            }
        }), null, -1, false, FatalErrors.local()));
        assertEquals(ReplayException.FATAL, e.exitStatus());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("fatal: out of memory (Java heap space) after 3 frames of "), e.getMessage());
        List<String> rows = Files.readAllLines(out.resolve("ctstate.tsv"));
        assertEquals(1 + 3, rows.size(), "the header and the three frames processed: " + rows);
        assertTrue(rows.get(3).startsWith("3\t2.000000\tlan\tnew\toriginal\tUDP "), rows.get(3));
        assertTrue(Files.size(out.resolve("events.txt")) > 0, "the events so far are flushed");
        assertTrue(Files.size(out.resolve("egress.pcapng")) > 0);
        assertFalse(Files.exists(out.resolve("table.txt")), "no table is taken after a fatal error, nor left from before");
    }

    /** The threads of the outputs ({@link OutputStage}) and of the capture read ahead still alive. */
    private static long outputThreads() {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("replay-output") || t.getName().startsWith("replay-input")).count();
    }

    @Test
    void theOutputsThreadEndsWithTheReplayAndKeepsTheRowsInOrder(@TempDir Path tmp) throws Exception {
        // more frames than a hand-over holds: several batches, and a partial one at the end
        int n = 2 * OutputStage.FRAMES + 17;
        Path capture = capture(tmp, n);
        CaseSpec spec = spec(capture);
        Path out = tmp.resolve("out");
        ReplayReport r = Replay.run(spec, out, engines(), (net, text, source) -> () -> { }, null, -1, false,
            FatalErrors.local());
        assertEquals(n, r.frames());
        assertEquals(0, outputThreads());
        List<String> rows = Files.readAllLines(out.resolve("ctstate.tsv"));
        assertEquals(1 + n, rows.size());
        for (int i = 1; i <= n; i++) {
            assertTrue(rows.get(i).startsWith(i + "\t"), rows.get(i));
        }
        // every frame forwarded, each in the egress capture in its order
        assertEquals(n, r.egressFrames());
        try (org.conntrack4j.replay.pcap.CaptureReader sent = org.conntrack4j.replay.pcap.CaptureReader.open(
            out.resolve("egress.pcapng"))) {
            for (int i = 0; i < n; i++) {
                org.conntrack4j.replay.pcap.CaptureFrame f = sent.next();
                // the UDP source port, behind the Ethernet and IPv4 headers
                assertEquals(40000 + i, f.getUnsignedByte(34) << 8 | f.getUnsignedByte(35));
            }
        }

        ReplayException e = assertThrows(ReplayException.class, () -> Replay.run(spec(capture, "injected"),
            tmp.resolve("fatal"), engines(), hook(k -> {
                if (k == OutputStage.FRAMES + 3) {
                    throw new OutOfMemoryError("Java heap space");
                }
            }), null, -1, false, FatalErrors.local()));
        assertEquals(ReplayException.FATAL, e.exitStatus());
        assertEquals(0, outputThreads(), "the outputs' thread ends with a replay that failed");
        assertEquals(1 + OutputStage.FRAMES + 2, Files.readAllLines(tmp.resolve("fatal/ctstate.tsv")).size());
    }

    @Test
    void anUnexpectedExceptionIsAnInternalError(@TempDir Path tmp) throws Exception {
        CaseSpec spec = spec(capture(tmp, 5), "injected");
        ReplayException e = assertThrows(ReplayException.class, () -> Replay.run(spec, tmp.resolve("out"), engines(),
            hook(n -> {
                if (n == 2) {
                    // a hook's RuntimeException is the engine's to survive; an Error is not
                    throw new AssertionError("broken invariant");
                }
            }), null, -1, false, FatalErrors.local()));
        assertEquals(ReplayException.FATAL, e.exitStatus());
        assertTrue(e.getMessage().startsWith("fatal: internal error: java.lang.AssertionError: broken invariant (at "),
            e.getMessage());
    }

    @Test
    void aThreadThatDiesStopsTheReplay(@TempDir Path tmp) throws Exception {
        CaseSpec spec = spec(capture(tmp, 10), "injected");
        Path out = tmp.resolve("out");
        ReplayException e;
        try (FatalErrors fatal = FatalErrors.install()) {
            e = assertThrows(ReplayException.class, () -> Replay.run(spec, out, engines(), hook(n -> {
                if (n == 6) {
                    Thread t = new Thread(() -> {
                        throw new OutOfMemoryError("Java heap space");
                    }, "conntrack-expiry");
                    t.start();
                    try {
                        t.join();
                    } catch (InterruptedException x) {
                        Thread.currentThread().interrupt();
                    }
                }
            }), null, -1, false, fatal));
        }
        assertEquals(ReplayException.FATAL, e.exitStatus());
        assertTrue(e.getMessage().startsWith("fatal: out of memory (Java heap space) in thread \"conntrack-expiry\" after"
            + " 6 frames"), e.getMessage());
        assertEquals(1 + 6, Files.readAllLines(out.resolve("ctstate.tsv")).size(), "the frame it died in is written");
    }

    @Test
    void aFragmentThatNeverCompletesIsDecidedWhenItsTimeHasPassed(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("ctstate.tsv");
        Result held = new Result();
        held.clear();
        held.held = true;
        Result seen = new Result();
        seen.clear();
        seen.ctState = "new";
        seen.ctDir = "original";
        try (VerdictRows rows = new VerdictRows(file, 61_000_000_000L)) {
            rows.begin(1, 0, "lan").str("IPv4-FRAG");
            rows.end(held, T0, 1);
            for (int i = 1; i <= 61; i++) {
                rows.begin(1 + i, i * 1_000_000_000L, "lan").str("UDP");
                rows.end(seen, T0 + i * 1_000_000_000L, 1 + i);
                assertEquals(i + 1, rows.waiting(), "within its time the fragment may still complete (" + i + " s)");
            }
            rows.begin(63, 62_000_000_000L, "lan").str("UDP");
            rows.end(seen, T0 + 62_000_000_000L, 63);
            assertEquals(0, rows.waiting(), "decided and written once its time has passed");
            assertEquals(Map.of("-", 1, "new", 62), rows.states());
            rows.finish();
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(VerdictRows.HEADER.trim(), lines.get(0));
        assertEquals("1\t0.000000\tlan\t-\tnone\tIPv4-FRAG\t(fragment held for reassembly; its datagram never"
            + " completed)\theld for reassembly, never completed", lines.get(1));
        assertEquals("63\t62.000000\tlan\tnew\toriginal\tUDP\t-\t-", lines.get(63));
    }

    @Test
    void aHeldFragmentTakesTheVerdictOfItsDatagram(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("ctstate.tsv");
        Result held = new Result();
        held.clear();
        held.held = true;
        Result done = new Result();
        done.clear();
        done.ctState = "new";
        done.ctDir = "original";
        done.absorbed = new long[] {7, 8};
        done.absorbedCount = 2;
        try (VerdictRows rows = new VerdictRows(file, 61_000_000_000L)) {
            rows.begin(7, -1_500_000_000L, "lan").str("first");
            rows.end(held, T0, 7);
            rows.begin(8, -500_000, "lan").str("last");
            rows.end(done, T0, 8);
            assertEquals(0, rows.waiting());
            rows.finish();
        }
        assertEquals(List.of(VerdictRows.HEADER.trim(),
            "7\t-1.500000\tlan\tnew\toriginal\tfirst\t-\treassembled from 2 fragments, -",
            "8\t0.000500\tlan\tnew\toriginal\tlast\t-\treassembled from 2 fragments, -"), Files.readAllLines(file));
    }

    @Test
    void aDroppingRulesTextStaysInItsCell(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("ctstate.tsv");
        Result dropped = new Result();
        dropped.clear();
        dropped.ctState = "new";
        dropped.ctDir = "original";
        dropped.fate = org.conntrack4j.router.Fate.DROPPED_FORWARD;
        dropped.by = "table ip t chain c rule 1 (handle 2): drop comment \"a\ttab\nand a line\"";
        try (VerdictRows rows = new VerdictRows(file, 61_000_000_000L)) {
            rows.begin(1, 0, "lan").str("UDP");
            rows.end(dropped, T0, 1);
            rows.finish();
        }
        assertEquals(List.of(VerdictRows.HEADER.trim(), "1\t0.000000\tlan\tnew\toriginal\tUDP\t-\tdropped in forward by"
            + " table ip t chain c rule 1 (handle 2): drop comment \"a tab and a line\""), Files.readAllLines(file));
    }

    /** The same frames through rows that keep {@code memoryRows} in memory while waiting; returns the file's lines. */
    private static List<String> rowsOf(Path dir, int memoryRows) throws Exception {
        Path file = dir.resolve("ctstate-" + memoryRows + ".tsv");
        SplittableRandom random = new SplittableRandom(5);
        Result r = new Result();
        try (VerdictRows rows = new VerdictRows(file, 61_000_000_000L, memoryRows)) {
            long waitingFor = -1;
            for (int i = 1; i <= 5000; i++) {
                r.clear();
                r.ctState = "established";
                r.ctDir = "original";
                if (waitingFor < 0 && random.nextInt(50) == 0) {
                    r.held = true;
                    waitingFor = i;
                } else if (waitingFor >= 0 && random.nextInt(400) == 0) {
                    // completes the datagram: its first fragment takes this verdict
                    r.ctState = "new";
                    r.absorbed = new long[] {waitingFor, i};
                    r.absorbedCount = 2;
                    waitingFor = -1;
                }
                rows.begin(i, i * 1_000_000L, "lan").str("frame ").dec(i);
                rows.end(r, T0 + i * 1_000_000L, i);
            }
            rows.finish();
        }
        try (var files = Files.list(dir)) {
            assertEquals(0, files.filter(p -> p.toString().endsWith(".spill")).count(), "the spill file is removed");
        }
        return Files.readAllLines(file);
    }

    @Test
    void rowsWaitingBeyondTheMemoryLimitWaitInAFileInTheirOrder(@TempDir Path tmp) throws Exception {
        List<String> inMemory = rowsOf(tmp, VerdictRows.MEMORY_ROWS);
        assertEquals(5001, inMemory.size());
        assertTrue(inMemory.stream().anyMatch(l -> l.contains("\tnew\t")), "some datagrams completed");
        assertEquals(inMemory, rowsOf(tmp, 3));
        assertEquals(inMemory, rowsOf(tmp, 0));
    }

    @Test
    void verdictsOnlyWritesTheRowsAlone(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        ReplayReport r = Replay.run(spec(capture(tmp, 3)), out, engines(), (net, text, source) -> () -> { }, null, -1,
            true, FatalErrors.local());
        assertEquals(3, r.frames());
        assertEquals(4, Files.readAllLines(out.resolve("ctstate.tsv")).size());
        try (var files = Files.list(out)) {
            assertEquals(List.of("ctstate.tsv"), files.map(p -> p.getFileName().toString()).toList());
        }
    }
}
