package org.conntrack4j.replay.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.conntrack4j.replay.pcap.CaptureFrame;
import org.conntrack4j.replay.pcap.CaptureReader;
import org.conntrack4j.replay.pcap.PcapNgWriter;

/**
 * A replay output folder made from a case's own files, then damaged on purpose.
 *
 * <p>Setting the system property {@code conntrack4j.compare.keep} to a folder keeps every output there (with a
 * CASE file naming its case), so the same outputs can be scored by compare.py by hand.
 */
final class ReplayOutput {
    static final String[] FILES = {"ctstate.tsv", "events.txt", "expect-events.txt", "table.txt", "egress.pcapng"};

    final Path caseDir;
    final Path dir;

    private ReplayOutput(Path caseDir, Path dir) {
        this.caseDir = caseDir;
        this.dir = dir;
    }

    /** A copy of the case's own output files in {@code tmp}/{@code name} (or the keep folder). */
    static ReplayOutput copyOf(Path caseDir, Path tmp, String name) throws IOException {
        String keep = System.getProperty("conntrack4j.compare.keep");
        Path dir = (keep != null ? Path.of(keep) : tmp).resolve(caseDir.getFileName() + "__" + name);
        Files.createDirectories(dir);
        for (String f : FILES) {
            Path source = caseDir.resolve(f);
            if (Files.exists(source)) {
                Files.write(dir.resolve(f), Files.readAllBytes(source)); // not Files.copy: the case files are read-only
            }
        }
        if (keep != null) {
            Files.writeString(dir.resolve("CASE"), caseDir.getFileName().toString());
        }
        return new ReplayOutput(caseDir, dir);
    }

    /** Rewrites a text file split on "\n" (the last, empty piece after a final newline included). */
    ReplayOutput editLines(String file, UnaryOperator<List<String>> edit) throws IOException {
        Path path = dir.resolve(file);
        String text = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        Files.writeString(path, String.join("\n", edit.apply(lines)));
        return this;
    }

    ReplayOutput replaceText(String file, String from, String to) throws IOException {
        Path path = dir.resolve(file);
        Files.writeString(path, Files.readString(path).replace(from, to));
        return this;
    }

    ReplayOutput delete(String file) throws IOException {
        Files.delete(dir.resolve(file));
        return this;
    }

    /** One egress frame, copied out of the capture. */
    static final class Frame {
        final String iface;
        final long timestamp;
        final byte[] bytes;

        Frame(String iface, long timestamp, byte[] bytes) {
            this.iface = iface;
            this.timestamp = timestamp;
            this.bytes = bytes;
        }

        Frame with(byte[] newBytes) {
            return new Frame(iface, timestamp, newBytes);
        }
    }

    /** Rewrites egress.pcapng with the frames the edit returns. */
    ReplayOutput editEgress(UnaryOperator<List<Frame>> edit) throws IOException {
        Path path = dir.resolve("egress.pcapng");
        List<Frame> frames = new ArrayList<>();
        try (CaptureReader r = CaptureReader.open(path)) {
            for (CaptureFrame f = r.next(); f != null; f = r.next()) {
                frames.add(new Frame(f.interfaceName(), f.timestampNanos(), f.copyBytes()));
            }
        }
        List<Frame> edited = edit.apply(frames);
        try (PcapNgWriter w = PcapNgWriter.create(path)) {
            for (Frame f : edited) {
                w.write(f.iface, f.timestamp, f.bytes, null);
            }
        }
        return this;
    }

    ComparisonResult compare() throws IOException {
        return CaseComparison.compare(caseDir, dir);
    }
}
