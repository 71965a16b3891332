package org.conntrack4j.sync.wire;

/**
 * Splits a received datagram (or a stream's bytes) into messages and checks each header, as conntrackd's
 * {@code channel_handler_routine}: a datagram may carry several messages back to back. A header that is
 * cut short, a length of 0, a length beyond the data or below the header's own size is counted and ends
 * the datagram (for a stream, an incomplete tail is kept for the next read instead). Never throws on
 * input.
 */
public final class DatagramReader {
    /** Receives each message whose header passed the checks. */
    public interface Handler {
        /**
         * @param b the buffer
         * @param off where the message starts
         * @param len its length from the header
         */
        void message(byte[] b, int off, int len);
    }

    private final RecvStats stats;
    private final boolean stream;
    private byte[] pending = new byte[0];

    /** @param stream whether the bytes come from a stream (TCP), where a message may span reads */
    public DatagramReader(RecvStats stats, boolean stream) {
        this.stats = stats;
        this.stream = stream;
    }

    public void read(byte[] data, int off, int n, Handler h) {
        byte[] b = data;
        int p = off;
        int remain = n;
        if (pending.length > 0) {
            b = new byte[pending.length + n];
            System.arraycopy(pending, 0, b, 0, pending.length);
            System.arraycopy(data, off, b, pending.length, n);
            p = 0;
            remain = b.length;
            pending = new byte[0];
        }
        while (remain > 0) {
            if (remain < Wire.HEADER_SIZE) {
                if (!keep(b, p, remain)) {
                    stats.malformed++;
                    stats.truncated++;
                }
                return;
            }
            int len = Wire.length(b, p);
            if (len <= 0) {
                stats.malformed++;
                stats.badSize++;
                return;
            }
            if (len > remain) {
                if (!keep(b, p, remain)) {
                    stats.malformed++;
                    stats.badSize++;
                }
                return;
            }
            int type = Wire.type(b, p);
            int flags = Wire.flags(b, p);
            if (Wire.hasRange(type, flags)) {
                if (remain < Wire.ACK_HEADER_SIZE) {
                    if (!keep(b, p, remain)) {
                        stats.malformed++;
                        stats.truncated++;
                    }
                    return;
                }
                if (len < Wire.ACK_HEADER_SIZE) {
                    stats.malformed++;
                    stats.badSize++;
                    return;
                }
            } else if (len < Wire.HEADER_SIZE) {
                stats.malformed++;
                stats.badSize++;
                return;
            }
            h.message(b, p, len);
            p += len;
            remain -= len;
        }
    }

    private boolean keep(byte[] b, int p, int remain) {
        if (!stream) {
            return false;
        }
        // a stream message longer than conntrackd's receive buffer can never complete: drop it
        if (remain > 65536) {
            return false;
        }
        pending = new byte[remain];
        System.arraycopy(b, p, pending, 0, remain);
        return true;
    }
}
