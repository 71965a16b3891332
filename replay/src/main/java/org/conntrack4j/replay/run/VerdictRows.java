package org.conntrack4j.replay.run;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.conntrack4j.core.text.TextBuffer;
import org.conntrack4j.replay.pcap.FileOutput;
import org.conntrack4j.router.Result;

/**
 * {@code ctstate.tsv}, written as the frames go, one row per frame in capture order.
 *
 * <p>A fragment held for reassembly gets its row when its datagram completes, with the verdict of the frame that
 * completed it, or when it no longer can: a reassembly queue lives at most its timeout ({@code ipfrag_time},
 * {@code nf_conntrack_frag6_timeout}) from its first fragment, and a restarted queue drops what it held, so a
 * fragment not absorbed within that time of its own arrival, on the capture's clock, never will be; it gets
 * {@code -}. Meanwhile the rows after it wait: the first {@link #MEMORY_ROWS} in memory, the others in a temporary
 * file beside the output, copied over when their turn comes (and the file removed).
 */
final class VerdictRows implements Closeable {
    static final String HEADER = "idx\ttime\tiface\tct_state\tct_dir\tsummary\tct_log_reason\tfate\n";
    private static final String NEVER_COMPLETED = "(fragment held for reassembly; its datagram never completed)";
    /** The fate column of such a fragment. */
    private static final String NEVER_COMPLETED_FATE = "held for reassembly, never completed";

    /** Decided rows kept in memory behind an undecided one; the rest wait in the spill file. */
    static final int MEMORY_ROWS = 65536;

    /**
     * A row that waits: a held fragment's ({@link #done} null until decided), one after it, or a run of rows after it
     * that wait in the spill file ({@link #spilled} bytes of it).
     */
    private static final class Row {
        final long ts;
        final long tag;
        byte[] prefix;
        byte[] summary;
        byte[] done;
        long spilled;
        /** A held fragment's row (not counted in {@link #inMemory}). */
        boolean fragment;

        Row(long ts, long tag) {
            this.ts = ts;
            this.tag = tag;
        }
    }

    private final OutputStream out;
    private final long heldLimitNanos;
    /** The frame's first columns (index, time, interface) and its summary, as {@link #begin} and the caller fill them. */
    private final TextBuffer prefix = new TextBuffer(64);
    private final TextBuffer summary = new TextBuffer(256);
    private final TextBuffer row = new TextBuffer(512);
    private final ArrayDeque<Row> waiting = new ArrayDeque<>();
    private final Map<Long, Row> held = new HashMap<>();
    /** Frames per ct state word (the router's constants). */
    private final Map<String, long[]> states = new HashMap<>();
    /** The first state words seen (by identity) and their counters in {@link #states}. */
    private final String[] stateWords = new String[8];
    private final long[][] stateCounts = new long[8][];
    private final Path spillDir;
    private final int memoryRows;
    private int inMemory;
    private Path spillFile;
    private OutputStream spillOut;
    private java.io.InputStream spillIn;

    /**
     * Opens {@code file} and writes the header; a held fragment is decided {@code heldLimitNanos} of capture time
     * after it arrived at the latest.
     */
    VerdictRows(Path file, long heldLimitNanos) throws IOException {
        this(file, heldLimitNanos, MEMORY_ROWS);
    }

    /** As {@link #VerdictRows(Path, long)}, keeping at most {@code memoryRows} decided rows in memory while waiting. */
    VerdictRows(Path file, long heldLimitNanos, int memoryRows) throws IOException {
        this.out = FileOutput.create(file);
        this.heldLimitNanos = heldLimitNanos;
        this.memoryRows = memoryRows;
        this.spillDir = file.toAbsolutePath().getParent();
        out.write(HEADER.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /**
     * Nanoseconds as seconds with six decimals, as {@code "%d.%06d"} of the microseconds' quotient and the absolute
     * value of their remainder (so -0.5 s prints {@code 0.500000}, as the replay always printed it).
     */
    static TextBuffer seconds(TextBuffer t, long nanos) {
        long us = nanos / 1000;
        return t.dec(us / 1_000_000).ch('.').zeroPadded((int) Math.abs(us % 1_000_000), 6);
    }

    /** Starts the row of a frame; returns the text its summary goes into. */
    TextBuffer begin(long index, long relativeNanos, String iface) {
        seconds(prefix.clear().dec(index).ch('\t'), relativeNanos).ch('\t').str(iface).ch('\t');
        return summary.clear();
    }

    /** Ends the row begun last with what the router did with the frame ({@code ts}: its capture time). */
    void end(Result result, long ts, long tag) throws IOException {
        if (result.held) {
            Row h = new Row(ts, tag);
            h.fragment = true;
            h.prefix = prefix.copy();
            h.summary = summary.copy();
            waiting.add(h);
            held.put(tag, h);
        } else {
            row.clear().bytes(prefix.array(), prefix.length());
            verdict(row, result);
            row.bytes(summary.array(), summary.length());
            reason(row, result);
            fate(row, result, result.absorbedCount);
            count(result.ctState);
            if (waiting.isEmpty()) {
                row.writeTo(out);
            } else if (inMemory < memoryRows) {
                Row r = new Row(ts, tag);
                r.done = row.copy();
                waiting.add(r);
                inMemory++;
            } else {
                spill(ts, tag);
            }
        }
        // the frames this one completed a datagram with carry its verdict
        for (int i = 0; i < result.absorbedCount; i++) {
            Row h = held.remove(result.absorbed[i]);
            if (h != null) {
                row.clear().bytes(h.prefix, h.prefix.length);
                verdict(row, result);
                row.bytes(h.summary, h.summary.length);
                reason(row, result);
                fate(row, result, result.absorbedCount);
                h.done = row.copy();
                h.prefix = null;
                h.summary = null;
                count(result.ctState);
            }
        }
        drain(ts, false);
    }

    /** Appends the row built last to the spill file, as part of the run at the end of the queue. */
    private void spill(long ts, long tag) throws IOException {
        if (spillOut == null) {
            spillFile = Files.createTempFile(spillDir, ".ctstate", ".spill");
            spillOut = new BufferedOutputStream(Files.newOutputStream(spillFile), 1 << 16);
        }
        Row last = waiting.peekLast();
        if (last.spilled == 0) {
            last = new Row(ts, tag);
            waiting.add(last);
        }
        row.writeTo(spillOut);
        last.spilled += row.length();
    }

    /**
     * Writes the waiting rows that are decided, in order, deciding held fragments whose time ran out by {@code now}
     * (all of them when {@code all}).
     */
    private void drain(long now, boolean all) throws IOException {
        Row r;
        while ((r = waiting.peek()) != null) {
            if (r.spilled > 0) {
                unspill(r.spilled);
            } else {
                if (r.done == null) {
                    if (!all && now - r.ts <= heldLimitNanos) {
                        return;
                    }
                    neverCompleted(r);
                }
                out.write(r.done);
                if (!r.fragment) {
                    inMemory--;
                }
            }
            waiting.poll();
        }
        closeSpill();
    }

    /** Copies the next {@code n} bytes of the spill file to the output. */
    private void unspill(long n) throws IOException {
        if (spillIn == null) {
            spillOut.flush();
            spillIn = new java.io.BufferedInputStream(Files.newInputStream(spillFile), 1 << 16);
        }
        byte[] buf = row.array();
        while (n > 0) {
            int k = spillIn.read(buf, 0, (int) Math.min(buf.length, n));
            if (k < 0) {
                throw new IOException(spillFile + ": ends before the rows written to it");
            }
            out.write(buf, 0, k);
            n -= k;
        }
    }

    private void closeSpill() throws IOException {
        if (spillFile == null) {
            return;
        }
        try {
            if (spillIn != null) {
                spillIn.close();
            }
            spillOut.close();
        } finally {
            Files.deleteIfExists(spillFile);
            spillFile = null;
            spillIn = null;
            spillOut = null;
        }
    }

    private void neverCompleted(Row h) {
        row.clear().bytes(h.prefix, h.prefix.length).str("-\tnone\t").bytes(h.summary, h.summary.length).ch('\t')
            .str(NEVER_COMPLETED).ch('\t')
            .str(NEVER_COMPLETED_FATE).ch('\n');
        h.done = row.copy();
        held.remove(h.tag);
        count("-");
    }

    /**
     * The end of the capture (or of what was processed): fragments still held never completed; every row is
     * written and flushed.
     */
    void finish() throws IOException {
        drain(0, true);
        out.flush();
    }

    private static void verdict(TextBuffer t, Result r) {
        t.str(r.ctState).ch('\t').str(r.ctDir).ch('\t');
    }

    private static void reason(TextBuffer t, Result r) {
        t.ch('\t');
        if (r.logReason != null) {
            t.str("nf_ct_proto_").dec(r.logProto).str(": ").str(r.logReason);
        } else if (r.note != null) {
            t.ch('(').str(r.note).ch(')');
        } else {
            t.ch('-');
        }
    }

    /**
     * The fate column and the line's end: what the router did ({@link Result#appendFate}), after "reassembled from N
     * fragments" for each frame of a datagram rebuilt from {@code fragments} of them (0: none).
     */
    private static void fate(TextBuffer t, Result r, int fragments) {
        t.ch('\t');
        int from = t.length();
        if (fragments > 0) {
            t.str("reassembled from ").dec(fragments).str(" fragments, ");
        }
        r.appendFate(t);
        if (r.by != null) {
            // a rule's text may hold a comment with anything in it; the rest are our own words and interface names
            t.oneCell(from);
        }
        t.ch('\n');
    }

    private void count(String state) {
        // the router's words are constants: found by identity among the few seen, with no hashing per row
        for (int i = 0; i < stateWords.length; i++) {
            if (stateWords[i] == state) {
                stateCounts[i][0]++;
                return;
            }
            if (stateWords[i] == null) {
                stateWords[i] = state;
                stateCounts[i] = states.computeIfAbsent(state, k -> new long[1]);
                stateCounts[i][0]++;
                return;
            }
        }
        states.computeIfAbsent(state, k -> new long[1])[0]++;
    }

    /** Rows waiting behind a held fragment. */
    int waiting() {
        return waiting.size();
    }

    /** Frames per ct state so far. */
    Map<String, Integer> states() {
        Map<String, Integer> m = new TreeMap<>();
        states.forEach((k, v) -> m.put(k, (int) v[0]));
        return m;
    }

    @Override
    public void close() throws IOException {
        try {
            closeSpill();
        } finally {
            out.close();
        }
    }
}
