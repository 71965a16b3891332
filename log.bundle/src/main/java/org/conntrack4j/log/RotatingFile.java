package org.conntrack4j.log;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A log file that rotates by size: once a write would take it past {@code limit} bytes, {@code NAME} becomes
 * {@code NAME.1}, {@code NAME.1} becomes {@code NAME.2} and so on, the oldest of {@code keep} goes, and writing
 * starts afresh. Nothing is created before the first write, so an instance that logs nothing leaves nothing.
 *
 * <p>One process writes a file: it holds a lock on it while writing there (the lock goes with the process, even a
 * killed one); a second instance on the same folder takes the next free name ({@code BASE-2.log}, ...). Each write
 * is one entry, written through at once so that a crash loses nothing already logged.
 */
final class RotatingFile implements Closeable {
    /** How many names a folder offers to instances running at once. */
    static final int INSTANCES = 16;

    private final Path dir;
    private final String base;
    private final long limit;
    private final int keep;
    private Path file;
    private FileChannel channel;
    private long size;

    private RotatingFile(Path dir, String base, long limit, int keep) {
        this.dir = dir;
        this.base = base;
        this.limit = limit;
        this.keep = keep;
    }

    /** A file {@code dir/BASE.log} (or {@code dir/BASE-N.log}, see the class comment), opened on the first write. */
    static RotatingFile open(Path dir, String base, long limit, int keep) {
        return new RotatingFile(dir, base, limit, keep);
    }

    /** The file written to, or null before the first write. */
    synchronized Path path() {
        return file;
    }

    synchronized void write(String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (channel == null) {
            acquire();
        } else if (size > 0 && size + b.length > limit) {
            rotate();
        }
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
        size += b.length;
    }

    /**
     * Opens the first name whose lock is free, creating the folder.
     *
     * @throws IOException when the folder cannot be written or every name is taken
     */
    private void acquire() throws IOException {
        Files.createDirectories(dir);
        for (int i = 1; i <= INSTANCES; i++) {
            Path f = dir.resolve(i == 1 ? base + ".log" : base + "-" + i + ".log");
            FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // this JVM writes it already
            }
            if (l == null) {
                ch.close();
                continue;
            }
            file = f;
            channel = ch;
            size = ch.size();
            return;
        }
        throw new IOException(dir + ": " + INSTANCES + " instances write logs here already");
    }

    private void rotate() throws IOException {
        Path f = file;
        if (keep > 0) {
            Files.deleteIfExists(numbered(f, keep));
            for (int i = keep - 1; i >= 1; i--) {
                if (Files.exists(numbered(f, i))) {
                    Files.move(numbered(f, i), numbered(f, i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(f, numbered(f, 1), StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.deleteIfExists(f);
        }
        // the lock is the old file's: let go of it, and take the name afresh
        channel.close();
        channel = null;
        acquire();
    }

    private static Path numbered(Path f, int i) {
        return f.resolveSibling(f.getFileName() + "." + i);
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }
}
