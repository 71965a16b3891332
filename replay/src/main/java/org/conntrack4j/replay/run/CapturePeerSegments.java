package org.conntrack4j.replay.run;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.conntrack4j.replay.pcap.CaptureFrame;
import org.conntrack4j.replay.pcap.CaptureReader;
import org.conntrack4j.router.PeerSegments;

/**
 * The replay's look ahead for the router's local TCP stack: the TCP segments of the capture after the frame being
 * replayed, read by a second reader of the same file, so that a SYN-ACK can carry the initial sequence number the
 * recording kernel drew (the peer's next ACK says it) and its timestamps the kernel's offset (the peer's echo).
 * Bounded: it reads at most {@link #REACH_FRAMES} frames and {@link #REACH_NANOS} of capture time past the current
 * frame, and keeps only TCP segments' few numbers.
 */
final class CapturePeerSegments implements PeerSegments, Closeable {
    static final int REACH_FRAMES = 65536;
    static final long REACH_NANOS = 120_000_000_000L;

    /** One TCP segment of the capture and where it is. */
    private static final class Seen {
        int index;
        final Segment seg = new Segment();
    }

    private final CaptureReader reader;
    private final IngressFrames frames;
    private final ArrayDeque<Seen> ahead = new ArrayDeque<>();
    private boolean ended;
    private int current = -1;
    private long currentNanos;
    private int lastRead = -1;
    private long lastReadNanos;

    CapturePeerSegments(Path capture, Map<String, String> interfaceMap, Set<String> routerNames, String fallback)
        throws IOException {
        reader = CaptureReader.open(capture);
        frames = new IngressFrames(interfaceMap, routerNames, fallback);
    }

    /** The replay is at frame {@code index} (time {@code nanos}): what came before it is forgotten. */
    void at(int index, long nanos) {
        current = index;
        currentNanos = nanos;
        while (!ahead.isEmpty() && ahead.peekFirst().index <= index) {
            ahead.pollFirst();
        }
    }

    @Override
    public boolean next(int family, long peerHi, long peerLo, int peerPort, int seq, Segment into) {
        return find(s -> from(s, family, peerHi, peerLo, peerPort) && s.seg.seq == seq, into);
    }

    @Override
    public boolean nextEcho(int family, long peerHi, long peerLo, int peerPort, int afterTsecr, Segment into) {
        return find(s -> from(s, family, peerHi, peerLo, peerPort) && s.seg.hasTimestamp
            && s.seg.tsecr - afterTsecr > 0, into);
    }

    /** The first segment after the current frame that {@code wanted} accepts, read ahead as far as the reach. */
    private boolean find(Predicate<Seen> wanted, Segment into) {
        into.clear();
        for (Iterator<Seen> it = ahead.iterator(); it.hasNext(); ) {
            Seen s = it.next();
            if (s.index > current && wanted.test(s)) {
                return fill(s, into);
            }
        }
        try {
            while (!ended && lastRead - current < REACH_FRAMES
                && (lastRead < 0 || lastReadNanos - currentNanos < REACH_NANOS)) {
                Seen s = readOne();
                if (s != null && s.index > current && wanted.test(s)) {
                    return fill(s, into);
                }
            }
        } catch (IOException e) {
            // the replay's own reader meets the same problem and reports it; the look just ends here
            ended = true;
        }
        return false;
    }

    private static boolean from(Seen s, int family, long hi, long lo, int port) {
        Segment g = s.seg;
        return g.family == family && g.srcHi == hi && g.srcLo == lo && g.sport == port;
    }

    private static boolean fill(Seen s, Segment into) {
        into.hasAck = s.seg.hasAck;
        into.ack = s.seg.ack;
        into.hasTimestamp = s.seg.hasTimestamp;
        into.tsecr = s.seg.tsecr;
        return true;
    }

    /** Reads one frame; keeps it when it is a TCP segment (returned), null otherwise. */
    private Seen readOne() throws IOException {
        CaptureFrame f = reader.next();
        if (f == null) {
            ended = true;
            return null;
        }
        lastRead = f.index();
        lastReadNanos = f.timestampNanos();
        frames.take(f);
        if (frames.skip != null || frames.network < 0) {
            return null;
        }
        Seen s = new Seen();
        if (!s.seg.read(f.array(), frames.offset + frames.network, frames.length - frames.network)) {
            return null;
        }
        s.index = f.index();
        if (ahead.size() >= REACH_FRAMES) {
            ahead.pollFirst();
        }
        ahead.addLast(s);
        return s;
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException e) {
            // a second reader of a file the replay reads too: nothing was written, nothing is lost
            ended = true;
        }
    }
}
