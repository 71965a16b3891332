package org.conntrack4j.replay.run;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.core.text.LabelMap;
import org.conntrack4j.core.text.TextBuffer;
import org.conntrack4j.replay.pcap.PcapNgWriter;
import org.conntrack4j.router.Result;

/**
 * The replay's outputs written on a thread of their own, so that a second core formats them while the first runs
 * the router: the replay thread copies what each output needs (the frame as captured, the router's result, the
 * events, the frames sent) into a batch, and hands over whole batches ({@link #FRAMES} frames, or fewer when the
 * batch's bytes or events reach their bound); the output thread writes them in the order they came, each file as
 * the replay thread alone would have. A wake-up per batch, not per item: per item, the hand-off cost more than the
 * formatting it moved (tried before, a blocking queue per event).
 *
 * <p>Memory is bounded: {@link #BATCHES} batches go round, each at most {@link #FRAMES} frames, about
 * {@link #BYTES} bytes of frames per kind and {@link #EVENTS} events (a larger frame, or a frame's own events,
 * may pass them once). The thread ends with {@link #finish()} (all written) or {@link #close()} (the rest dropped,
 * on the way out of a failed replay); after either, the calls write on the caller's thread, as before the stage.
 * A failure of the output thread reaches the replay thread at its next frame's result or at {@link #finish()}.
 */
final class OutputStage implements AutoCloseable {
    static final int FRAMES = 256;
    static final int BYTES = 1 << 20;
    static final int EVENTS = 4096;
    /** Batches in circulation: one filling, one being written, one waiting between them. */
    static final int BATCHES = 3;

    /** What the outputs are written to; {@code events}, {@code expects} and {@code egress} may be null. */
    private final VerdictRows rows;
    private final OutputStream events;
    private final OutputStream expects;
    private final PcapNgWriter egress;
    private final LabelMap labels;
    private final List<String> portNames;

    private final BlockingQueue<Batch> full = new ArrayBlockingQueue<>(BATCHES + 1);
    private final BlockingQueue<Batch> free = new ArrayBlockingQueue<>(BATCHES);
    /** The batch marking the end: the output thread ends when it takes it. */
    private final Batch last = new Batch();
    /** The batch asking for a sign ({@link #synced}) that everything before it is written. */
    private final Batch sync = new Batch();
    private final Semaphore synced = new Semaphore(0);
    /** {@code table.xml}, once the table is taken ({@link #tableXml}). */
    private OutputStream xml;
    /** The line being written to {@code events.txt}, {@code expect-events.txt} or {@code table.xml}. */
    private final TextBuffer line = new TextBuffer(1024);
    private int flows;
    private final Thread thread;
    /** The batch the replay thread fills; null once the thread ended (the calls then write directly). */
    private Batch filling;
    /** The output thread's first failure. */
    private volatile Throwable failed;
    private int eventsWritten;
    private int expectationsWritten;

    /** The frame being processed, copied as captured before the router sees it (its result comes after). */
    private byte[] frame = new byte[2048];
    private int frameLength;
    private int frameNetwork;
    private long frameIndex;
    private long frameTs;
    private long frameRelative;
    private String frameIface;
    private int frameCaptured;

    /**
     * One hand-over: frames with their results, events, expectation events, the table's connections for
     * {@code table.xml}, frames sent; each in order.
     */
    private static final class Batch {
        int frames;
        final long[] index = new long[FRAMES];
        final long[] ts = new long[FRAMES];
        final long[] relative = new long[FRAMES];
        final String[] iface = new String[FRAMES];
        /** The network header's offset in the frame's bytes, or -1 for a frame that is not IP. */
        final int[] network = new int[FRAMES];
        final int[] captured = new int[FRAMES];
        final int[] offset = new int[FRAMES];
        final int[] length = new int[FRAMES];
        final Result[] results = new Result[FRAMES];
        byte[] data = new byte[64 << 10];
        int dataLength;

        final List<Object> events = new ArrayList<>();
        int sent;
        int[] port = new int[FRAMES];
        long[] sentTs = new long[FRAMES];
        int[] sentOffset = new int[FRAMES];
        int[] sentLength = new int[FRAMES];
        byte[] sentData = new byte[64 << 10];
        int sentDataLength;

        Batch() {
            for (int i = 0; i < FRAMES; i++) {
                results[i] = new Result();
            }
        }

        boolean isFull() {
            return frames == FRAMES || dataLength >= BYTES || sentDataLength >= BYTES || events.size() >= EVENTS;
        }

        void clear() {
            frames = 0;
            dataLength = 0;
            events.clear();
            sent = 0;
            sentDataLength = 0;
        }
    }

    OutputStage(String name, VerdictRows rows, OutputStream events, OutputStream expects, PcapNgWriter egress,
        LabelMap labels, List<String> portNames) {
        this.rows = rows;
        this.events = events;
        this.expects = expects;
        this.egress = egress;
        this.labels = labels;
        this.portNames = portNames;
        for (int i = 0; i < BATCHES - 1; i++) {
            free.add(new Batch());
        }
        filling = new Batch();
        thread = new Thread(this::loop, "replay-output " + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Events written to {@code events.txt} and {@code expect-events.txt}, once the stage finished. */
    int eventsWritten() {
        return eventsWritten;
    }

    int expectationsWritten() {
        return expectationsWritten;
    }

    /**
     * The frame about to go through the router: its index, capture time (and that since the first frame),
     * interface, bytes from {@code offset} ({@code length} of them, the network header at {@code network} past
     * {@code offset}, or -1 when not IP) and its captured length.
     */
    void frame(long index, long ts, long relative, String iface, byte[] b, int offset, int length, int network,
        int captured) {
        frameIndex = index;
        frameTs = ts;
        frameRelative = relative;
        frameIface = iface;
        frameNetwork = network;
        frameCaptured = captured;
        if (network < 0) {
            frameLength = 0;
            return;
        }
        if (frame.length < length) {
            frame = new byte[Math.max(length, 2 * frame.length)];
        }
        System.arraycopy(b, offset, frame, 0, length);
        frameLength = length;
    }

    /** What the router did with the frame given last: its row goes to {@code ctstate.tsv}. */
    void result(Result r) throws IOException {
        if (filling == null) {
            TextBuffer summary = rows.begin(frameIndex, frameRelative, frameIface);
            summarize(summary, frame, 0, frameLength, frameNetwork, frameCaptured);
            rows.end(r, frameTs, frameIndex);
            return;
        }
        rethrow();
        Batch b = filling;
        int i = b.frames++;
        b.index[i] = frameIndex;
        b.ts[i] = frameTs;
        b.relative[i] = frameRelative;
        b.iface[i] = frameIface;
        b.network[i] = frameNetwork;
        b.captured[i] = frameCaptured;
        b.offset[i] = b.dataLength;
        b.length[i] = frameLength;
        b.data = append(b.data, b.dataLength, frame, 0, frameLength);
        b.dataLength += frameLength;
        copy(r, b.results[i]);
        if (b.isFull()) {
            handOver();
        }
    }

    /** A connection's event for {@code events.txt}. */
    void event(ConntrackEvent e) throws IOException {
        event0(e);
    }

    /** An expectation's event for {@code expect-events.txt}. */
    void expectation(ExpectationEvent e) throws IOException {
        event0(e);
    }

    private void event0(Object e) throws IOException {
        if (filling == null) {
            writeEvent(e);
            return;
        }
        filling.events.add(e);
        if (filling.isFull()) {
            handOver();
        }
    }

    /** From now on, {@link #flow} writes to {@code x} ({@code table.xml}, its header and footer aside). */
    void tableXml(OutputStream x) {
        xml = x;
    }

    /** A connection of the table for {@code table.xml}: the header comes before the first. */
    void flow(ConnectionSnapshot s) throws IOException {
        event0(s);
    }

    /** The connections written to {@code table.xml} so far, once {@link #finish} returned. */
    int flows() {
        return flows;
    }

    /**
     * Waits until everything handed over so far is written (the thread goes on, idle, until more comes); throws
     * the output thread's failure. Meanwhile, the caller may use the outputs itself.
     */
    void drain() throws IOException {
        if (filling == null) {
            return;
        }
        put(filling);
        put(sync);
        try {
            synced.acquire();
            filling = free.take();
        } catch (InterruptedException e) {
            throw interrupted();
        }
        rethrow();
    }

    /** A frame the router sent by port {@code port} at {@code ts}: {@code n} bytes of {@code b} from {@code o}. */
    void sent(int port, long ts, byte[] b, int o, int n) throws IOException {
        if (filling == null) {
            egress.write(portNames.get(port), ts, b, o, n, n, null);
            return;
        }
        Batch f = filling;
        if (f.sent == f.port.length) {
            int size = 2 * f.sent;
            f.port = Arrays.copyOf(f.port, size);
            f.sentTs = Arrays.copyOf(f.sentTs, size);
            f.sentOffset = Arrays.copyOf(f.sentOffset, size);
            f.sentLength = Arrays.copyOf(f.sentLength, size);
        }
        int i = f.sent++;
        f.port[i] = port;
        f.sentTs[i] = ts;
        f.sentOffset[i] = f.sentDataLength;
        f.sentLength[i] = n;
        f.sentData = append(f.sentData, f.sentDataLength, b, o, n);
        f.sentDataLength += n;
        if (f.isFull()) {
            handOver();
        }
    }

    /**
     * Waits until everything handed over is written and the output thread ended; throws its failure. The calls
     * write on the caller's thread from then on.
     */
    void finish() throws IOException {
        if (filling == null) {
            return;
        }
        Batch b = filling;
        filling = null;
        put(b);
        put(last);
        join();
        rethrow();
    }

    /** Ends the output thread, dropping what it was not given yet (a replay that failed); idempotent. */
    @Override
    public void close() {
        if (filling == null) {
            return;
        }
        filling = null;
        // only this thread puts: with the waiting batches taken away, the end's place is free
        full.clear();
        full.add(last);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Gives the filled batch to the output thread and takes an empty one. It throws no failure of the output
     * thread's: it may run inside the engine's listener or the router's egress, which would take it for theirs;
     * {@link #result} and {@link #finish} throw it, on the replay's own path.
     */
    private void handOver() throws IOException {
        Batch b = filling;
        put(b);
        try {
            filling = free.take();
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    private void put(Batch b) throws InterruptedIOException {
        try {
            full.put(b);
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    private void join() throws InterruptedIOException {
        try {
            thread.join();
        } catch (InterruptedException e) {
            close();
            throw interrupted();
        }
    }

    /** The replay thread was interrupted while it waited for the outputs: the flag stays set for its caller. */
    private static InterruptedIOException interrupted() {
        Thread.currentThread().interrupt();
        return new InterruptedIOException("replay interrupted while its outputs were written");
    }

    /** The output thread's failure, as the replay thread would have met it writing itself. */
    private void rethrow() throws IOException {
        Throwable t = failed;
        if (t == null) {
            return;
        }
        if (t instanceof IOException) {
            throw (IOException) t;
        }
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        throw (Error) t;
    }

    /** The output thread: writes each batch in turn until the end; after a failure it only gives them back. */
    private void loop() {
        while (true) {
            Batch b;
            try {
                b = full.take();
            } catch (InterruptedException e) {
                // nobody interrupts this thread: the replay thread ends it with the last batch
                continue;
            }
            if (b == last) {
                return;
            }
            if (b == sync) {
                synced.release();
                continue;
            }
            if (failed == null) {
                try {
                    write(b);
                } catch (UncheckedIOException e) {
                    failed = e.getCause();
                } catch (IOException | RuntimeException | Error e) {
                    failed = e;
                }
            }
            b.clear();
            free.add(b);
        }
    }

    private void write(Batch b) throws IOException {
        for (Object e : b.events) {
            writeEvent(e);
        }
        for (int i = 0; i < b.sent; i++) {
            egress.write(portNames.get(b.port[i]), b.sentTs[i], b.sentData, b.sentOffset[i], b.sentLength[i],
                b.sentLength[i], null);
        }
        for (int i = 0; i < b.frames; i++) {
            TextBuffer summary = rows.begin(b.index[i], b.relative[i], b.iface[i]);
            summarize(summary, b.data, b.offset[i], b.length[i], b.network[i], b.captured[i]);
            rows.end(b.results[i], b.ts[i], b.index[i]);
        }
    }

    /** Writes {@code e}'s line, formatted straight into bytes: no String per line, nothing allocated. */
    private void writeEvent(Object e) throws IOException {
        TextBuffer t = line.clear();
        if (e instanceof ConnectionSnapshot) {
            if (flows++ == 0) {
                t.str(CtFormat.XML_HEADER).ch('\n');
            }
            CtFormat.appendXmlFlow(t, (ConnectionSnapshot) e, labels).ch('\n').writeTo(xml);
        } else if (e instanceof ConntrackEvent) {
            CtFormat.appendEvent(t, (ConntrackEvent) e, true, true, true, labels, false).ch('\n').writeTo(events);
            eventsWritten++;
        } else {
            CtFormat.appendExpectationEvent(t, (ExpectationEvent) e, true).ch('\n').writeTo(expects);
            expectationsWritten++;
        }
    }

    /** The summary column of a frame: its IP packet, or what it is when it is not one. */
    private static void summarize(TextBuffer summary, byte[] b, int offset, int length, int network, int captured) {
        if (network >= 0) {
            PacketSummary.describe(summary, b, offset + network, length - network);
        } else {
            summary.str("non-IP frame (").dec(captured).str(" bytes)");
        }
    }

    private static byte[] append(byte[] to, int at, byte[] b, int o, int n) {
        byte[] t = to;
        if (at + n > t.length) {
            t = Arrays.copyOf(t, Math.max(at + n, 2 * t.length));
        }
        System.arraycopy(b, o, t, at, n);
        return t;
    }

    /**
     * {@code from}'s fields into {@code to}: the row's columns come from them after the router reused {@code from}
     * (OutputStageTest checks that every field of {@link Result} is copied).
     */
    static void copy(Result from, Result to) {
        to.ctState = from.ctState;
        to.ctDir = from.ctDir;
        to.ctId = from.ctId;
        to.hasCt = from.hasCt;
        to.logReason = from.logReason;
        to.logProto = from.logProto;
        to.note = from.note;
        to.fate = from.fate;
        to.out = from.out;
        to.mtu = from.mtu;
        to.by = from.by;
        to.answer = from.answer;
        to.held = from.held;
        if (to.absorbed.length < from.absorbedCount) {
            to.absorbed = new long[from.absorbed.length];
        }
        System.arraycopy(from.absorbed, 0, to.absorbed, 0, from.absorbedCount);
        to.absorbedCount = from.absorbedCount;
    }
}
