package org.conntrack4j.sync.mode;

import org.conntrack4j.sync.cache.CacheObject;
import org.conntrack4j.sync.config.SyncConfig;
import org.conntrack4j.sync.wire.MessageBuilder;
import org.conntrack4j.sync.wire.Wire;

/**
 * A sync mode (conntrackd's {@code struct sync_mode}): how received headers are judged, how changed cache
 * entries are queued and sent, and what runs on timers. The node owns the transmit queue and calls
 * {@link #xmit} whenever it is not empty, as conntrackd's event loop does on the queue's eventfd.
 */
public abstract class SyncMode {
    // what recv() makes of a message (MSG_DATA, MSG_CTL, MSG_DROP, MSG_BAD)
    public static final int DATA = 0;
    public static final int CTL = 1;
    public static final int DROP = 2;
    public static final int BAD = 3;

    /** One second: conntrackd's ALIVE_INT. */
    protected static final long ALIVE_INTERVAL_S = 1;

    /** What a mode needs of its node. */
    public interface Host {
        long nowMicros();

        Alarms alarms();

        SyncConfig config();

        SeqTracker seq();

        /** The transmit queue (conntrackd's tx_queue, unbounded). */
        Queue txQueue();

        /** Builds the message of a cache entry (type from its status) with a new sequence number. */
        MessageBuilder build(CacheObject<?> obj);

        /** Sends one message over the current link (buffered until {@link #flush} or the buffer is full). */
        void send(byte[] msg, int len);

        /** Queues every entry of both internal caches with {@code toTx} (resync_send: the bulk send). */
        void resyncSend(java.util.function.Consumer<CacheObject<?>> toTx);

        /** Without an internal cache: sends the whole table straight away as NEW messages (NOTRACK). */
        void sendTable();

        void log(String message);
    }

    protected final Host host;
    /** The builder for control messages. */
    protected final MessageBuilder ctl = new MessageBuilder();

    protected SyncMode(Host host) {
        this.host = host;
    }

    /** Starts the mode's timers. */
    public abstract void start();

    /** Stops the mode's timers and releases its queues. */
    public abstract void stop();

    /** Judges a received message's header. @return {@link #DATA}, {@link #CTL}, {@link #DROP} or {@link #BAD} */
    public abstract int recv(int type, int flags, int seq, int from, int to);

    /** Queues a changed cache entry for sending. */
    public abstract void enqueue(CacheObject<?> obj);

    /** Sends what is queued. */
    public abstract void xmit();

    /** conntrackd -n: asks the peer for a full resync. */
    public void requestResync() {
        host.log("resync requested");
        host.txQueue().add(new CtlNode(Wire.F_RESYNC, 0, 0));
    }

    /** conntrackd -B: sends the whole internal cache. */
    public abstract void sendBulk();

    /** Called when an internal cache entry is added, updated, removed (cache_extra). */
    public void added(CacheObject<?> obj) {
    }

    public void updated(CacheObject<?> obj) {
    }

    public void destroyed(CacheObject<?> obj) {
        obj.node.remove();
    }

    /** @return conntrackd -s rsqueue's text (FTFW only; empty otherwise) */
    public String rsQueueDump() {
        return "";
    }

    /** @return the queues for conntrackd -s queue, besides the transmit queue */
    public Queue[] queues() {
        return new Queue[0];
    }

    /**
     * Sends everything queued once and forgets it (NOTRACK and ALARM: nothing is kept for resending; a state
     * message releases the entry's reference).
     */
    protected void sendAndForget() {
        host.txQueue().iterate(n -> {
            n.remove();
            if (n instanceof CtlNode c) {
                sendCtl(c);
            } else {
                CacheObject.ObjNode o = (CacheObject.ObjNode) n;
                MessageBuilder m = host.build(o.obj);
                host.send(m.buffer(), m.length());
                o.obj.put();
            }
            return false;
        });
    }

    /** Sends a queued control message with a fresh sequence number. */
    protected void sendCtl(CtlNode n) {
        n.seq = host.seq().next(host.nowMicros() / 1_000_000L);
        if (Wire.hasRange(Wire.T_CTL, n.flags)) {
            ctl.startRange(n.flags, n.seq, n.from, n.to);
        } else {
            ctl.start(Wire.T_CTL, n.flags, n.seq);
        }
        host.send(ctl.buffer(), ctl.length());
    }

    /** @return the message type of an entry by its status: NEW, UPD or DEL of its kind */
    public static int typeOf(CacheObject<?> obj, boolean expectation) {
        int base = expectation ? Wire.T_EXP_NEW : Wire.T_CT_NEW;
        return switch (obj.status()) {
            case CacheObject.NEW -> base;
            case CacheObject.DEAD -> base + 2;
            default -> base + 1;
        };
    }
}
