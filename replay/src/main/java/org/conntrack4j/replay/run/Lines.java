package org.conntrack4j.replay.run;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A text file written a line at a time, in UTF-8, through a byte buffer: a {@code Writer}'s encoder goes character by
 * character, while {@link String#getBytes} copies an ASCII string (every line conntrack prints) in bulk.
 */
final class Lines implements Closeable {
    private final OutputStream out;

    Lines(Path file) throws IOException {
        out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
    }

    /** Writes {@code s} and a line feed. */
    void line(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
