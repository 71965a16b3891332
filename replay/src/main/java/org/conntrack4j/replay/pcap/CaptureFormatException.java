package org.conntrack4j.replay.pcap;

import java.io.IOException;

/**
 * A capture file that is truncated or corrupt.
 *
 * <p>The message reads {@code NAME: offset N: WHAT}, where N is the byte offset of the block, record or option at
 * fault. Reading is streaming, so the frames before the fault have already been handed out; {@link #framesRead()}
 * says how many. It extends {@link IOException} (as {@code java.util.zip.ZipException} does) so that callers
 * reading a capture need only one catch for a bad disk and a bad file.
 */
public final class CaptureFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String captureName;
    private final long offset;
    private final int framesRead;
    private final String problem;

    public CaptureFormatException(String captureName, long offset, int framesRead, String problem) {
        super(captureName + ": offset " + offset + ": " + problem);
        this.captureName = captureName;
        this.offset = offset;
        this.framesRead = framesRead;
        this.problem = problem;
    }

    /** The display name of the capture (a file name, or what the caller passed for a stream). */
    public String captureName() {
        return captureName;
    }

    /** Byte offset, from the start of the capture, of the block, record or option at fault. */
    public long offset() {
        return offset;
    }

    /** How many frames were delivered before the fault. */
    public int framesRead() {
        return framesRead;
    }

    /** What is wrong, without the name and offset. */
    public String problem() {
        return problem;
    }
}
