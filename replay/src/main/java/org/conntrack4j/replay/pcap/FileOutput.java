package org.conntrack4j.replay.pcap;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file written through one direct buffer of its own, for outputs written many small pieces at a time (a replay's
 * rows, events and frames, hundreds of megabytes): a piece is copied once, into the buffer, which goes to the kernel
 * when full. A {@code BufferedOutputStream} over {@code Files.newOutputStream} copies it twice (into its array,
 * then into the channel's temporary direct buffer) and takes a lock per write. Not thread-safe.
 */
public final class FileOutput extends OutputStream {
    /** The buffer's size: large enough that the system calls cost little beside the copying. */
    static final int BUFFER = 1 << 18;

    private final FileChannel channel;
    private final ByteBuffer buffer;

    private FileOutput(FileChannel channel, int size) {
        this.channel = channel;
        this.buffer = ByteBuffer.allocateDirect(size);
    }

    /** Creates (or truncates) {@code file}, as {@link java.nio.file.Files#newOutputStream} does. */
    public static FileOutput create(Path file) throws IOException {
        return create(file, BUFFER);
    }

    /** As {@link #create(Path)}, with a buffer of {@code size} bytes. */
    static FileOutput create(Path file, int size) throws IOException {
        return new FileOutput(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE), size);
    }

    @Override
    public void write(int b) throws IOException {
        if (!buffer.hasRemaining()) {
            drain();
        }
        buffer.put((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len > buffer.remaining()) {
            drain();
            if (len > buffer.capacity()) {
                // as large as the buffer: straight to the channel
                writeFully(ByteBuffer.wrap(b, off, len));
                return;
            }
        }
        buffer.put(b, off, len);
    }

    /** Hands what the buffer holds to the kernel (no {@code fsync}). */
    @Override
    public void flush() throws IOException {
        drain();
    }

    private void drain() throws IOException {
        buffer.flip();
        writeFully(buffer);
        buffer.clear();
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** Writes what is buffered and closes the file; idempotent. */
    @Override
    public void close() throws IOException {
        if (!channel.isOpen()) {
            return;
        }
        try {
            drain();
        } finally {
            channel.close();
        }
    }
}
