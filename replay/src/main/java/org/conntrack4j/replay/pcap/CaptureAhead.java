package org.conntrack4j.replay.pcap;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link CaptureReader} read ahead on a thread of its own, so that reading and decoding the file takes none of
 * the caller's time: the thread fills batches of up to {@link #FRAMES} frames (or about {@link #BYTES} bytes) and
 * hands each over whole, one wake-up per batch. {@link #next()} keeps the reader's contract: a flyweight frame whose
 * bytes are valid until the next call, then null at the end, or the reader's exception after the frames before it.
 *
 * <p>Memory is bounded: {@link #BATCHES} batches go round. {@link #close()} ends the thread (it finishes the frame
 * it reads, then stops); the caller closes the reader after it.
 */
public final class CaptureAhead implements Closeable {
    static final int FRAMES = 256;
    static final int BYTES = 1 << 20;
    static final int BATCHES = 3;

    private final CaptureReader reader;
    private final BlockingQueue<Batch> full = new ArrayBlockingQueue<>(BATCHES);
    private final BlockingQueue<Batch> free = new ArrayBlockingQueue<>(BATCHES);
    private final Thread thread;
    private final CaptureFrame frame = new CaptureFrame();
    /** The batch being read from, and its next frame. */
    private Batch current;
    private int at;
    private volatile boolean stopped;
    /** The reader's offset after the last batch handed over (for progress). */
    private volatile long offset;

    /** Frames as the reader gave them, their bytes one after the other. */
    private static final class Batch {
        int frames;
        final int[] index = new int[FRAMES];
        final long[] ts = new long[FRAMES];
        final boolean[] hasTs = new boolean[FRAMES];
        final int[] ifIndex = new int[FRAMES];
        final String[] ifName = new String[FRAMES];
        final int[] linkType = new int[FRAMES];
        final long[] original = new long[FRAMES];
        final int[] captured = new int[FRAMES];
        final int[] offset = new int[FRAMES];
        final String[] comment = new String[FRAMES];
        final long[] flags = new long[FRAMES];
        byte[] data = new byte[64 << 10];
        int dataLength;
        /** The last batch: after its frames, the end of the capture, or {@link #failure}. */
        boolean end;
        Throwable failure;

        void clear() {
            frames = 0;
            dataLength = 0;
            Arrays.fill(comment, null);
        }
    }

    /** Starts reading {@code reader} ahead on a thread called {@code threadName}. */
    public CaptureAhead(CaptureReader reader, String threadName) {
        this.reader = reader;
        for (int i = 0; i < BATCHES; i++) {
            free.add(new Batch());
        }
        thread = new Thread(this::loop, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** As {@link CaptureReader#next()}. */
    public CaptureFrame next() throws IOException {
        while (current == null || at == current.frames) {
            if (current != null) {
                if (current.end) {
                    return end(current.failure);
                }
                current.clear();
                free.add(current);
                current = null;
            }
            try {
                // a thread that died of something it could not hand over (it hands over what it meets) ends it too
                while ((current = full.poll(100, TimeUnit.MILLISECONDS)) == null) {
                    if (!thread.isAlive() && full.isEmpty()) {
                        throw new IOException(reader.name() + ": the thread reading it ended unexpectedly");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading " + reader.name());
            }
            at = 0;
        }
        Batch b = current;
        int i = at++;
        frame.set(b.index[i], b.ifIndex[i], b.ifName[i], b.linkType[i], b.data, b.offset[i], b.captured[i],
            b.original[i]);
        if (b.hasTs[i]) {
            frame.timestamp(b.ts[i]);
        }
        frame.comment(b.comment[i]);
        frame.flags(b.flags[i]);
        return frame;
    }

    /** How far into the file the reader is (ahead of the frames {@link #next()} gave). */
    public long offset() {
        return offset;
    }

    private static CaptureFrame end(Throwable failure) throws IOException {
        if (failure == null) {
            return null;
        }
        if (failure instanceof IOException) {
            throw (IOException) failure;
        }
        if (failure instanceof RuntimeException) {
            throw (RuntimeException) failure;
        }
        throw (Error) failure;
    }

    @Override
    public void close() {
        stopped = true;
        // give back what the thread handed over, so that it is never stuck waiting for room
        while (thread.isAlive()) {
            Batch b;
            try {
                b = full.poll(10, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                b = full.poll();
            }
            if (b != null) {
                b.clear();
                free.offer(b);
            }
        }
    }

    /** The thread: fills batches until the end of the capture, a failure or {@link #close()}. */
    private void loop() {
        Batch b = null;
        try {
            while (!stopped) {
                b = free.take();
                boolean more = fill(b);
                offset = reader.offset();
                Batch done = b;
                b = null;
                full.put(done);
                if (!more) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // nobody interrupts this thread: close() stops it
            Thread.currentThread().interrupt();
        }
    }

    /** Fills {@code b}; false once it holds the end (or a failure). */
    private boolean fill(Batch b) {
        try {
            CaptureFrame f;
            while (b.frames < FRAMES && b.dataLength < BYTES && !stopped) {
                if ((f = reader.next()) == null) {
                    b.end = true;
                    return false;
                }
                int i = b.frames++;
                b.index[i] = f.index();
                b.ts[i] = f.timestampNanos();
                b.hasTs[i] = f.hasTimestamp();
                b.ifIndex[i] = f.interfaceIndex();
                b.ifName[i] = f.interfaceName();
                b.linkType[i] = f.linkType();
                b.original[i] = f.originalLength();
                b.captured[i] = f.capturedLength();
                b.comment[i] = f.comment();
                b.flags[i] = f.flags();
                int n = f.capturedLength();
                if (b.dataLength + n > b.data.length) {
                    b.data = Arrays.copyOf(b.data, Math.max(b.dataLength + n, 2 * b.data.length));
                }
                System.arraycopy(f.array(), f.offset(), b.data, b.dataLength, n);
                b.offset[i] = b.dataLength;
                b.dataLength += n;
            }
            return true;
        } catch (IOException | RuntimeException | Error e) {
            b.end = true;
            b.failure = e;
            return false;
        }
    }
}
