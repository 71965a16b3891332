package org.conntrack4j.replay.pcap;

import java.nio.charset.StandardCharsets;

/**
 * Walks the options of one pcapng block in place (code, length, value, padded to 32 bits, until opt_endofopt or
 * the end of the block). Reused for every block, so walking options allocates nothing.
 */
final class OptionCursor {
    static final int END_OF_OPTIONS = 0;
    static final int COMMENT = 1;

    private final CaptureInput input;
    private byte[] b;
    private boolean bigEndian;
    private int pos;
    private int end;
    private long blockStart;
    private int code;
    private int length;
    private int valueAt;

    OptionCursor(CaptureInput input) {
        this.input = input;
    }

    /** Starts on the options found between {@code from} and {@code to} of the block at {@code blockStart}. */
    void reset(byte[] block, int from, int to, boolean bigEndian, long blockStart) {
        this.b = block;
        this.pos = from;
        this.end = to;
        this.bigEndian = bigEndian;
        this.blockStart = blockStart;
    }

    /**
     * Moves to the next option.
     *
     * @return false at opt_endofopt or when no bytes are left
     * @throws CaptureFormatException when an option header or value runs past the end of the block
     */
    boolean next() throws CaptureFormatException {
        if (pos >= end) {
            return false;
        }
        if (end - pos < 4) {
            throw input.error(blockStart + pos, "option header cut short: " + (end - pos) + " bytes left in the block");
        }
        code = Bytes.u16(b, pos, bigEndian);
        length = Bytes.u16(b, pos + 2, bigEndian);
        if (code == END_OF_OPTIONS) {
            pos = end;
            return false;
        }
        if (length > end - pos - 4) {
            throw input.error(blockStart + pos,
                    "option " + code + " with length " + length + " runs past the end of the block");
        }
        valueAt = pos + 4;
        pos = valueAt + Math.min(Bytes.pad4(length), end - valueAt);
        return true;
    }

    int code() {
        return code;
    }

    int length() {
        return length;
    }

    /** Index of the value in the block buffer. */
    int valueAt() {
        return valueAt;
    }

    /** Offset of the current option from the start of the capture, for error messages. */
    long offset() {
        return blockStart + valueAt - 4;
    }

    /** The value as UTF-8 text, with the NUL terminator some writers add removed. */
    String text() {
        int n = length;
        while (n > 0 && b[valueAt + n - 1] == 0) {
            n--;
        }
        return new String(b, valueAt, n, StandardCharsets.UTF_8);
    }
}
