package org.conntrack4j.replay.pcap;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Writes a classic little-endian pcap capture (version 2.4) with microsecond or nanosecond timestamps. Classic
 * pcap has one link type and no interface names or comments. Not thread-safe.
 */
public final class PcapWriter implements Closeable, Flushable {
    private final OutputStream out;
    private final boolean nanoseconds;
    private final byte[] header = new byte[24];
    private int framesWritten;

    /**
     * Writes the file header at once.
     *
     * @param nanoseconds true for the nanosecond magic; false for microseconds, to which timestamps are rounded
     *     down
     */
    public PcapWriter(OutputStream out, int linkType, boolean nanoseconds) throws IOException {
        this.out = new BufferedOutputStream(Objects.requireNonNull(out, "out"), 1 << 16);
        this.nanoseconds = nanoseconds;
        Bytes.putLe32(header, 0, nanoseconds ? PcapDecoder.MAGIC_NANOSECONDS : PcapDecoder.MAGIC_MICROSECONDS);
        Bytes.putLe16(header, 4, 2);
        Bytes.putLe16(header, 6, 4);
        Bytes.putLe32(header, 8, 0);
        Bytes.putLe32(header, 12, 0);
        Bytes.putLe32(header, 16, PcapNgWriter.SNAP_LENGTH);
        Bytes.putLe32(header, 20, linkType);
        this.out.write(header, 0, 24);
    }

    /** Creates (or truncates) {@code file}. */
    public static PcapWriter create(Path file, int linkType, boolean nanoseconds) throws IOException {
        OutputStream stream = Files.newOutputStream(file);
        try {
            return new PcapWriter(stream, linkType, nanoseconds);
        } catch (IOException | RuntimeException e) {
            stream.close();
            throw e;
        }
    }

    /** Writes a frame with its whole length captured. */
    public void write(long timestampNanos, byte[] data) throws IOException {
        write(timestampNanos, data, 0, data.length, data.length);
    }

    /**
     * Writes one record.
     *
     * @param timestampNanos nanoseconds since the epoch, from 0 up to the year 2106 (32-bit seconds)
     * @param originalLength length on the wire, at least {@code length}
     */
    public void write(long timestampNanos, byte[] data, int offset, int length, long originalLength)
            throws IOException {
        Objects.checkFromIndexSize(offset, length, data.length);
        long seconds = Math.floorDiv(timestampNanos, 1_000_000_000L);
        long fraction = Math.floorMod(timestampNanos, 1_000_000_000L);
        if (seconds < 0 || seconds > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("timestamp " + timestampNanos + " ns is outside 32-bit seconds");
        }
        if (originalLength < length || originalLength > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("original length " + originalLength + " for " + length
                    + " captured bytes");
        }
        if (length > PcapNgWriter.SNAP_LENGTH) {
            throw new IllegalArgumentException("frame of " + length + " bytes exceeds the snap length");
        }
        Bytes.putLe32(header, 0, (int) seconds);
        Bytes.putLe32(header, 4, (int) (nanoseconds ? fraction : fraction / 1000));
        Bytes.putLe32(header, 8, length);
        Bytes.putLe32(header, 12, (int) originalLength);
        out.write(header, 0, 16);
        out.write(data, offset, length);
        framesWritten++;
    }

    /** How many frames have been written. */
    public int framesWritten() {
        return framesWritten;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
