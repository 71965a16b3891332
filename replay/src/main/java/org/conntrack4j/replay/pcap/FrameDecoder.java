package org.conntrack4j.replay.pcap;

import java.io.IOException;

/** One capture format's block or record loop. */
interface FrameDecoder {
    /**
     * Fills {@code frame} with the next frame.
     *
     * @return true when a frame was filled, false at a clean end of the capture
     * @throws CaptureFormatException when the capture is truncated or corrupt at this point
     */
    boolean next(CaptureFrame frame) throws IOException;
}
