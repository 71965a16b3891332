package org.conntrack4j.replay.pcap;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The byte stream under a decoder: tracks the offset, counts delivered frames for error reports, and owns the one
 * block buffer that is reused for every block.
 */
final class CaptureInput {
    /**
     * Largest block or record accepted. libpcap uses the same bound for pcapng blocks; nothing the replay writes
     * comes near it, and it keeps a hostile length from asking for gigabytes.
     */
    static final int MAX_BLOCK = 16 * 1024 * 1024;

    /** The buffer grows by at most this much ahead of the bytes that actually arrived. */
    private static final int GROWTH_STEP = 1 << 20;

    private final InputStream in;
    private final String name;
    private long offset;
    private int framesRead;
    private byte[] block = new byte[4096];

    CaptureInput(InputStream in, String name) {
        this.in = in;
        this.name = name;
    }

    String name() {
        return name;
    }

    /** Offset of the next byte to be read. */
    long offset() {
        return offset;
    }

    int framesRead() {
        return framesRead;
    }

    void frameDelivered() {
        framesRead++;
    }

    /** The reused block buffer; its content is valid up to what the last {@link #readBlock} returned. */
    byte[] block() {
        return block;
    }

    CaptureFormatException error(long at, String problem) {
        return new CaptureFormatException(name, at, framesRead, problem);
    }

    /**
     * Reads up to {@code n} bytes into {@code dst} at {@code at}; returns how many arrived, fewer only at the end of
     * the stream.
     */
    int read(byte[] dst, int at, int n) throws IOException {
        int got = 0;
        while (got < n) {
            int r = in.read(dst, at + got, n - got);
            if (r < 0) {
                break;
            }
            got += r;
        }
        offset += got;
        return got;
    }

    /**
     * Reads {@code n} bytes into the block buffer starting at {@code at}, growing it only as data arrives so that a
     * lying length cannot allocate more than about twice what the file holds. Returns how many bytes arrived.
     */
    int readBlock(int at, int n) throws IOException {
        int end = at + n;
        int pos = at;
        while (pos < end) {
            if (pos == block.length) {
                int target = (int) Math.min(end, Math.max((long) block.length * 2, (long) pos + GROWTH_STEP));
                block = Arrays.copyOf(block, target);
            }
            int got = read(block, pos, Math.min(end, block.length) - pos);
            pos += got;
            if (pos < Math.min(end, block.length)) {
                break;
            }
        }
        return pos - at;
    }

    void close() throws IOException {
        in.close();
    }
}
