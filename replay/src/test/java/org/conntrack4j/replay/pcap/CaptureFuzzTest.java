package org.conntrack4j.replay.pcap;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.Test;

/**
 * Random damage to real captures: the reader must end every time, either cleanly or with a
 * CaptureFormatException that names an offset inside the data; never another exception, a hang or a huge
 * allocation.
 */
class CaptureFuzzTest {
    private static final int ROUNDS = 3000;

    @Test
    void randomlyDamagedCapturesFailCleanly() throws IOException {
        byte[][] originals = {
            Files.readAllBytes(TestData.oracleCases().resolve("tcp_basic").resolve("ingress.pcapng")),
            Files.readAllBytes(TestData.oracleCases().resolve("frag6").resolve("egress.pcapng")),
            pcapOf(Files.readAllBytes(TestData.oracleCases().resolve("udp").resolve("egress.pcapng"))),
        };
        Random random = new Random(20251121);
        int failures = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] original = originals[round % originals.length];
            byte[] bytes = damage(original, random);
            try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(bytes), "fuzz")) {
                int frames = 0;
                while (r.next() != null) {
                    assertTrue(++frames <= bytes.length / 12, "more frames than the data can hold");
                }
            } catch (CaptureFormatException e) {
                failures++;
                assertTrue(e.offset() >= 0 && e.offset() <= bytes.length, e.getMessage());
                assertTrue(e.getMessage().startsWith("fuzz: offset " + e.offset() + ": "), e.getMessage());
            }
        }
        assertTrue(failures > ROUNDS / 2, "most damage is noticed: " + failures);
    }

    private static byte[] damage(byte[] original, Random random) {
        byte[] b = original.clone();
        switch (random.nextInt(4)) {
            case 0: // flip a few bytes
                for (int i = 1 + random.nextInt(4); i > 0; i--) {
                    b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
                }
                return b;
            case 1: // a random 32-bit value at a 4-byte boundary, where lengths and ids sit
                int at = random.nextInt(b.length / 4) * 4;
                int v = random.nextBoolean() ? random.nextInt() : random.nextInt(64);
                b[at] = (byte) v;
                b[at + 1] = (byte) (v >> 8);
                b[at + 2] = (byte) (v >> 16);
                b[at + 3] = (byte) (v >> 24);
                return b;
            case 2: // cut short
                return Arrays.copyOf(b, random.nextInt(b.length));
            default: // garbage appended
                byte[] tail = new byte[1 + random.nextInt(40)];
                random.nextBytes(tail);
                byte[] longer = Arrays.copyOf(b, b.length + tail.length);
                System.arraycopy(tail, 0, longer, b.length, tail.length);
                return longer;
        }
    }

    /** The frames of a pcapng capture as a classic pcap file, so both loops get damaged. */
    private static byte[] pcapOf(byte[] pcapng) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(pcapng), "x");
                PcapWriter w = new PcapWriter(out, LinkType.ETHERNET, true)) {
            for (CaptureFrame f = r.next(); f != null; f = r.next()) {
                w.write(f.timestampNanos(), f.copyBytes());
            }
        }
        return out.toByteArray();
    }
}
