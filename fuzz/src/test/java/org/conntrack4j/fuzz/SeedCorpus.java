package org.conntrack4j.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.conntrack4j.testkit.Capture;

/**
 * Writes the seed corpus of every target from the kernel evidence in {@code testdata/} and the sync bundle's
 * recorded vectors: the first frames of each case's capture as a packet path input (interface, time gaps),
 * the smaller captures themselves, each case's ruleset, and each recorded sync link's datagrams. Run once
 * (arguments: the repository root); the output, with what campaigns add, is the saved corpus under
 * {@code src/test/resources}.
 */
public final class SeedCorpus {
    private static final int FRAMES_PER_SEED = 24;
    private static final int MAX_CAPTURE_SEED = 16 * 1024;

    private SeedCorpus() {
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        Path out = root.resolve("fuzz/src/test/resources/org/conntrack4j/fuzz");
        Path packets = dir(out.resolve("PacketPathFuzzInputs/packetPath"));
        Path captures = dir(out.resolve("CaptureFuzzInputs/captures"));
        Path rules = dir(out.resolve("RulesFuzzInputs/rules"));
        Path sync = dir(out.resolve("SyncFuzzInputs/syncMessages"));
        for (String set : List.of("testdata/oracle/cases", "testdata/recorded")) {
            try (Stream<Path> cases = Files.list(root.resolve(set))) {
                for (Path c : cases.sorted().toList()) {
                    Path ingress = c.resolve("ingress.pcapng");
                    String name = c.getFileName().toString();
                    if (Files.isRegularFile(ingress)) {
                        Files.write(packets.resolve(name), packetPath(Capture.read(ingress)));
                        if (Files.size(ingress) <= MAX_CAPTURE_SEED) {
                            Files.copy(ingress, captures.resolve(name + ".pcapng"),
                                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                    Path nft = c.resolve("ruleset.nft");
                    if (Files.isRegularFile(nft)) {
                        Files.copy(nft, rules.resolve(name + ".nft"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        try (Stream<Path> vectors = Files.list(root.resolve("sync.bundle/src/test/resources/vectors"))) {
            for (Path v : vectors.sorted().toList()) {
                String name = v.getFileName().toString();
                int mode = name.startsWith("ftfw") ? 0 : name.startsWith("notrack") ? 1 : 2;
                Files.write(sync.resolve(name), sync(v.resolve("wire.txt"), mode));
            }
        }
    }

    private static Path dir(Path p) throws IOException {
        return Files.createDirectories(p);
    }

    /** The first frames as {@link PacketPathFuzz.Input} records: a time record for each gap, then the frame. */
    static byte[] packetPath(List<Capture.Frame> frames) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        long last = frames.isEmpty() ? 0 : frames.get(0).nanos();
        for (Capture.Frame f : frames.subList(0, Math.min(FRAMES_PER_SEED, frames.size()))) {
            long gap = Math.min(0xffff, (f.nanos() - last) / 10_000_000L);
            last = f.nanos();
            if (gap > 0) {
                o.write(PacketPathFuzz.Input.TIME);
                o.write((int) (gap >>> 8));
                o.write((int) gap);
            }
            byte[] ip = f.ip();
            o.write("wan".equals(f.iface()) ? PacketPathFuzz.Input.WAN : 0);
            o.write(ip.length >>> 8);
            o.write(ip.length);
            o.write(ip, 0, ip.length);
        }
        return o.toByteArray();
    }

    /** The link's datagrams (hex in the last column) as {@link SyncFuzz} records, a second's time between each. */
    static byte[] sync(Path wire, int mode) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(mode);
        for (String line : Files.readAllLines(wire, StandardCharsets.US_ASCII)) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] cols = line.trim().split("\\s+");
            byte[] d = HexFormat.of().parseHex(cols[cols.length - 1]);
            o.write(d.length >>> 8);
            o.write(d.length);
            o.write(d, 0, d.length);
            o.write(new byte[] {(byte) 0xff, (byte) 0xff, 0x03, (byte) 0xe8}, 0, 4);
        }
        return o.toByteArray();
    }
}
