package org.conntrack4j.replay.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What goes in comes out, in order, whatever the sizes of the pieces beside the buffer's. */
class FileOutputTest {
    @TempDir
    Path tmp;

    @Test
    void piecesSmallerLargerAndAsLargeAsTheBuffer() throws IOException {
        Path f = tmp.resolve("out");
        Files.writeString(f, "what an earlier run left, longer than what this one writes ".repeat(2000));
        SplittableRandom r = new SplittableRandom(3);
        ByteArrayOutputStream want = new ByteArrayOutputStream();
        try (FileOutput out = FileOutput.create(f, 64)) {
            for (int i = 0; i < 2000; i++) {
                int kind = r.nextInt(4);
                if (kind == 0) {
                    int b = r.nextInt(256);
                    out.write(b);
                    want.write(b);
                    continue;
                }
                byte[] piece = new byte[kind == 1 ? r.nextInt(64) : kind == 2 ? 64 : 65 + r.nextInt(200)];
                r.nextBytes(piece);
                int off = piece.length > 0 ? r.nextInt(piece.length) : 0;
                out.write(piece, off, piece.length - off);
                want.write(piece, off, piece.length - off);
                if (r.nextInt(50) == 0) {
                    out.flush();
                }
            }
        }
        assertArrayEquals(want.toByteArray(), Files.readAllBytes(f));
    }
}
