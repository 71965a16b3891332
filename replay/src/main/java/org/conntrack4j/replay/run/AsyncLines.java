package org.conntrack4j.replay.run;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Function;

/**
 * A text file whose lines are made and written by a thread of their own: the caller queues immutable things (an
 * event, a connection's snapshot) and the text, a good part of a replay's work when every output is written, is
 * made on the other core. The queue is bounded ({@link #QUEUE} entries): a caller that runs ahead waits. Lines are
 * written in the order they were queued.
 *
 * @param <T> what is queued; {@code format} makes its line
 */
final class AsyncLines<T> implements Closeable {
    /** Entries queued at most; the caller waits beyond. */
    static final int QUEUE = 8192;
    /** Queued last, by {@link #close()}. */
    private static final Object END = new Object();

    private final Lines lines;
    private final Function<T, String> format;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Thread thread;
    /** What stopped the writing (an I/O error, or anything the formatting threw); the caller gets it rethrown. */
    private volatile Throwable failure;
    private boolean closed;

    /** Opens {@code file} and starts the thread ({@code name}) that writes it. */
    AsyncLines(Path file, Function<T, String> format, String name) throws IOException {
        this.lines = new Lines(file);
        this.format = format;
        this.thread = new Thread(this::write, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues the line of {@code item}. */
    void add(T item) throws IOException {
        put(item);
    }

    /** Queues {@code text} as a line of its own. */
    void line(String text) throws IOException {
        put(new Literal(text));
    }

    private record Literal(String text) {
    }

    private void put(Object o) throws IOException {
        check();
        try {
            queue.put(o);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while queueing a line");
        }
    }

    /** Throws what stopped the writing, if anything did: an {@link IOException}, or what the formatting threw. */
    void check() throws IOException {
        Throwable f = failure;
        if (f == null) {
            return;
        }
        if (f instanceof IOException io) {
            throw io;
        }
        if (f instanceof Error err) {
            throw err;
        }
        throw (RuntimeException) f;
    }

    @SuppressWarnings("unchecked")
    private void write() {
        try {
            for (Object o = queue.take(); o != END; o = queue.take()) {
                if (failure != null) {
                    // keep taking, so that the caller never waits on a queue nobody empties
                    continue;
                }
                try {
                    lines.line(o instanceof Literal l ? l.text : format.apply((T) o));
                } catch (IOException | RuntimeException | Error e) {
                    failure = e;
                }
            }
        } catch (InterruptedException e) {
            failure = new InterruptedIOException(thread.getName() + " was interrupted");
        }
    }

    /** Writes what is queued, stops the thread and closes the file; throws what stopped the writing, if anything. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        boolean interrupted = false;
        try {
            while (thread.isAlive()) {
                try {
                    if (!queue.contains(END)) {
                        queue.put(END);
                    }
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            lines.close();
        }
        check();
    }
}
