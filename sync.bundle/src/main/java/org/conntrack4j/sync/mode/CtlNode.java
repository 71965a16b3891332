package org.conntrack4j.sync.mode;

/** A queued control message (ACK, NACK, RESYNC, ALIVE): its flags, range and the sequence number it last went with. */
public final class CtlNode extends Queue.Node {
    public int flags;
    public final int from;
    public final int to;
    public int seq;

    public CtlNode(int flags, int from, int to) {
        super(Queue.Node.CTL);
        this.flags = flags;
        this.from = from;
        this.to = to;
    }
}
