package org.conntrack4j.replay.pcap;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Streams the frames of a pcap or pcapng capture, one at a time, in file order.
 *
 * <pre>{@code
 * try (CaptureReader reader = CaptureReader.open(path)) {
 *     for (CaptureFrame f = reader.next(); f != null; f = reader.next()) {
 *         ... f.array(), f.offset(), f.capturedLength() are valid until the next call ...
 *     }
 * }
 * }</pre>
 *
 * <p>The format is recognised by its magic: classic pcap in either byte order with microsecond or nanosecond
 * timestamps, or pcapng (any number of sections, each in its own byte order). A truncated or corrupt capture
 * raises {@link CaptureFormatException} at the point of damage, after every frame before it has been delivered;
 * the exception is raised again by any later call. Allocation is bounded by the data actually present, never by a
 * length field. Not thread-safe.
 */
public final class CaptureReader implements Closeable {
    /** The container format of a capture. */
    public enum Format {
        PCAP, PCAPNG
    }

    private static final int BUFFER = 1 << 16;

    private final CaptureInput input;
    private final Format format;
    private final FrameDecoder decoder;
    private final CaptureFrame frame = new CaptureFrame();
    private boolean finished;
    private CaptureFormatException failure;

    private CaptureReader(CaptureInput input, Format format, FrameDecoder decoder) {
        this.input = input;
        this.format = format;
        this.decoder = decoder;
    }

    /**
     * Opens a capture file; error messages name it as {@code file.toString()}.
     *
     * @throws CaptureFormatException when the file is not a pcap or pcapng capture
     */
    public static CaptureReader open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        try {
            return open(in, file.toString());
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /**
     * Reads a capture from a stream; {@code name} stands for it in error messages. The reader buffers the stream
     * itself and closes it when closed.
     *
     * @throws CaptureFormatException when the stream is not a pcap or pcapng capture
     */
    public static CaptureReader open(InputStream stream, String name) throws IOException {
        BufferedInputStream in = new BufferedInputStream(stream, BUFFER);
        byte[] magic = new byte[4];
        in.mark(magic.length);
        int got = in.readNBytes(magic, 0, magic.length);
        in.reset();
        CaptureInput input = new CaptureInput(in, name);
        if (got == 0) {
            throw input.error(0, "file is empty, not a pcap or pcapng capture");
        }
        if (got < 4) {
            throw input.error(0, "file of " + got + " bytes is too short for a capture header");
        }
        int value = Bytes.s32(magic, 0, true);
        if (value == PcapNgDecoder.SECTION_HEADER) {
            return new CaptureReader(input, Format.PCAPNG, new PcapNgDecoder(input));
        }
        for (int pcap : new int[] {PcapDecoder.MAGIC_MICROSECONDS, PcapDecoder.MAGIC_NANOSECONDS}) {
            if (value == pcap || value == Integer.reverseBytes(pcap)) {
                return new CaptureReader(input, Format.PCAP, new PcapDecoder(input));
            }
        }
        throw input.error(0, String.format("unknown magic 0x%08x: neither pcap nor pcapng", value));
    }

    /**
     * Advances to the next frame.
     *
     * @return the frame, a flyweight reused by every call (see {@link CaptureFrame} on keeping its bytes), or null
     *     at the end of the capture
     * @throws CaptureFormatException when the capture is truncated or corrupt before the next frame
     */
    public CaptureFrame next() throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (finished) {
            return null;
        }
        try {
            if (decoder.next(frame)) {
                return frame;
            }
            finished = true;
            return null;
        } catch (CaptureFormatException e) {
            failure = e;
            throw e;
        }
    }

    /** How many frames have been delivered so far. */
    public int framesRead() {
        return input.framesRead();
    }

    /** Byte offset of the next unread byte. */
    public long offset() {
        return input.offset();
    }

    public Format format() {
        return format;
    }

    /** The name used in error messages. */
    public String name() {
        return input.name();
    }

    @Override
    public void close() throws IOException {
        finished = true;
        input.close();
    }
}
