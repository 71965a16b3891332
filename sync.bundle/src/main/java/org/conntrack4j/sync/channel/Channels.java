package org.conntrack4j.sync.channel;

import java.util.List;

/**
 * conntrackd's multichannel with buffered channels (channel.c, multichannel.c): messages for the current
 * link are packed into one datagram until the next one would not fit (strictly less than the link's
 * payload size), then the datagram goes; {@link #flush} sends what is pending. The current link is the
 * Default one, and becomes whichever link a valid message last arrived on.
 */
public final class Channels {
    private final List<Link> links;
    private final byte[][] buffers;
    private final int[] fill;
    private int current;

    public Channels(List<Link> links, int defaultLink) {
        this.links = List.copyOf(links);
        this.buffers = new byte[links.size()][];
        this.fill = new int[links.size()];
        for (int i = 0; i < links.size(); i++) {
            buffers[i] = new byte[Math.max(links.get(i).payloadSize(), 1)];
        }
        this.current = defaultLink;
    }

    /** Queues one message on the current link; sends the buffer first when the message does not fit. */
    public void send(byte[] msg, int len) {
        int c = current;
        byte[] buf = buffers[c];
        if (fill[c] + len >= buf.length) {
            if (fill[c] > 0) {
                links.get(c).send(buf, 0, fill[c]);
                fill[c] = 0;
            }
            if (len >= buf.length) {
                // larger than a datagram can carry in one buffer: it goes alone
                links.get(c).send(msg, 0, len);
                return;
            }
        }
        System.arraycopy(msg, 0, buf, fill[c], len);
        fill[c] += len;
    }

    /** Sends what is pending on the current link. */
    public void flush() {
        int c = current;
        if (fill[c] > 0) {
            links.get(c).send(buffers[c], 0, fill[c]);
            fill[c] = 0;
        }
    }

    /** A valid message arrived on link {@code i}: it becomes the current one. */
    public void arrivedOn(int i) {
        if (i != current) {
            flush();
            current = i;
        }
    }

    public int current() {
        return current;
    }

    public List<Link> links() {
        return links;
    }

    public Link currentLink() {
        return links.get(current);
    }
}
