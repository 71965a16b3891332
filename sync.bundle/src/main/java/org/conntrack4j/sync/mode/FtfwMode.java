package org.conntrack4j.sync.mode;

import org.conntrack4j.sync.cache.CacheObject;
import org.conntrack4j.sync.wire.MessageBuilder;
import org.conntrack4j.sync.wire.Wire;

/**
 * FT-FW (sync-ftfw.c): reliable replication over an unreliable link.
 *
 * <p>Sender: every message gets the next sequence number; what was sent (state messages and ACK, NACK,
 * RESYNC) is kept in the resend queue (ResendQueueSize; when full its oldest element goes) until the
 * peer acknowledges its range; a NACK moves the named range back to the transmit queue, to go again with
 * new sequence numbers. When a second passes without sending, an ALIVE goes (or the pending ACK).
 *
 * <p>Receiver: a message in sequence counts towards the window (ACKWindowSize); a full window is
 * acknowledged (ACK from..to). A gap is answered with the pending ACK and a NACK for the missing range,
 * and the message that revealed it starts a new window. Older messages are dropped.
 *
 * <p>HELLO: until the peer answers with HELLO_BACK, every message carries HELLO; a received HELLO is
 * answered with HELLO_BACK on the next message, empties the resend queue (the peer knows nothing of it)
 * and restarts the window if the peer's sequence went backwards. Messages carrying HELLO skip sequence
 * tracking, so what is lost while either side is still saying hello is not recovered: conntrackd's
 * "unreliable until the helloing finishes".
 */
public final class FtfwMode extends SyncMode {
    private static final int HELLO_INIT = 0;
    private static final int HELLO_SAY = 1;
    private static final int HELLO_DONE = 2;

    private final Queue rsQueue;
    private final Alarms.Alarm alive = new Alarms.Alarm(this::aliveAlarm);
    private int window;
    private int ackFrom;
    private boolean ackFromSet;
    private int helloState = HELLO_INIT;
    private boolean sayHelloBack;
    /** Messages moved back to the transmit queue by a NACK. */
    private long resent;

    public FtfwMode(Host host) {
        super(host);
        rsQueue = new Queue("rsqueue", host.config().resendQueueSize);
        window = host.config().windowSize;
    }

    @Override
    public void start() {
        armAlive();
    }

    @Override
    public void stop() {
        host.alarms().del(alive);
        rsQueue.iterate(n -> {
            n.remove();
            return false;
        });
    }

    private void armAlive() {
        host.alarms().add(alive, host.nowMicros(), ALIVE_INTERVAL_S, 0);
    }

    /** A second without sending: acknowledge what is pending, or say we are alive. */
    private void aliveAlarm() {
        if (ackFromSet && host.seq().isSet()) {
            host.txQueue().add(new CtlNode(Wire.F_ACK, ackFrom, host.seq().lastReceived()));
            ackFromSet = false;
        } else {
            host.txQueue().add(new CtlNode(Wire.F_ALIVE, 0, 0));
        }
        armAlive();
    }

    private void helloFlags(MessageBuilder m, CtlNode n) {
        int f = 0;
        if (helloState == HELLO_INIT) {
            helloState = HELLO_SAY;
        }
        if (helloState == HELLO_SAY) {
            f |= Wire.F_HELLO;
        }
        if (sayHelloBack) {
            f |= Wire.F_HELLO_BACK;
            sayHelloBack = false;
        }
        if (n != null) {
            n.flags |= f;
        } else {
            m.orFlags(f);
        }
    }

    /** Moves a queued entry to the transmit queue (do_cache_to_tx / ftfw_enqueue). */
    private void toTx(CacheObject<?> obj) {
        if (obj.node.in(rsQueue)) {
            obj.node.remove();
            host.txQueue().add(obj.node);
        } else if (host.txQueue().add(obj.node) > 0) {
            obj.get();
        }
    }

    @Override
    public void enqueue(CacheObject<?> obj) {
        toTx(obj);
    }

    @Override
    public void sendBulk() {
        host.log("sending bulk update");
        host.resyncSend(this::toTx);
    }

    @Override
    public int recv(int type, int flags, int seq, int from, int to) {
        int ret;
        SeqTracker st = host.seq();
        if (digestHello(flags)) {
            // a hello while we had data to acknowledge: the peer knows nothing of it
            if (ackFromSet && Wire.before(seq, ackFrom)) {
                window = host.config().windowSize - 1;
                ackFrom = seq;
            }
            // the peer knows nothing of what we sent before: unreliable until the helloing finishes
            emptyRsQueue(0, 0, true);
            ret = inWindow(type, flags, seq, from, to);
        } else {
            switch (st.track(seq)) {
                case SeqTracker.AFTER -> {
                    ret = digest(type, flags, from, to);
                    if (ret == BAD) {
                        return BAD;
                    }
                    int exp = st.expected();
                    if (ackFromSet) {
                        host.txQueue().add(new CtlNode(Wire.F_ACK, ackFrom, exp - 1));
                        ackFromSet = false;
                    }
                    host.txQueue().add(new CtlNode(Wire.F_NACK, exp, seq - 1));
                    // this message is the first of a new window
                    window = host.config().windowSize - 1;
                    ackFrom = seq;
                    ackFromSet = true;
                }
                case SeqTracker.BEFORE -> ret = DROP; // delayed messages are not accepted
                default -> ret = inWindow(type, flags, seq, from, to);
            }
        }
        if (ret == DATA || ret == CTL) {
            st.update(seq);
        }
        return ret;
    }

    private int inWindow(int type, int flags, int seq, int from, int to) {
        int ret = digest(type, flags, from, to);
        if (ret == BAD) {
            return BAD;
        }
        if (!ackFromSet) {
            ackFromSet = true;
            ackFrom = seq;
        }
        if (--window <= 0) {
            host.txQueue().add(new CtlNode(Wire.F_ACK, ackFrom, seq));
            window = host.config().windowSize;
            ackFromSet = false;
        }
        return ret;
    }

    private boolean digestHello(int flags) {
        boolean hello = false;
        if ((flags & Wire.F_HELLO) != 0) {
            sayHelloBack = true;
            hello = true;
        }
        if ((flags & Wire.F_HELLO_BACK) != 0 && helloState == HELLO_SAY) {
            helloState = HELLO_DONE;
        }
        return hello;
    }

    private int digest(int type, int flags, int from, int to) {
        if (Wire.isData(type, flags)) {
            return DATA;
        }
        if (Wire.isAck(type, flags)) {
            if (Wire.before(to, from)) {
                return BAD;
            }
            emptyRsQueue(from, to, false);
            return CTL;
        }
        if (Wire.isNack(type, flags)) {
            if (Wire.before(to, from)) {
                return BAD;
            }
            resend(from, to);
            return CTL;
        }
        if (Wire.isResync(type, flags)) {
            host.log("resync requested by other node");
            host.resyncSend(this::toTx);
            return CTL;
        }
        if (Wire.isAlive(type, flags)) {
            return CTL;
        }
        return BAD;
    }

    private static int seqOf(Queue.Node n) {
        return n instanceof CtlNode c ? c.seq : ((CacheObject.ObjNode) n).seq;
    }

    /** Releases what the peer acknowledged (rs_queue_empty); {@code all}: everything. */
    private void emptyRsQueue(int from, int to, boolean all) {
        rsQueue.iterate(n -> {
            if (!all) {
                int s = seqOf(n);
                if (Wire.before(s, from)) {
                    return false;
                }
                if (Wire.after(s, to)) {
                    return true;
                }
            }
            n.remove();
            if (n instanceof CacheObject.ObjNode o) {
                o.obj.put();
            }
            return false;
        });
    }

    /** Moves the NACKed range back to the transmit queue (rs_queue_to_tx). */
    private void resend(int from, int to) {
        rsQueue.iterate(n -> {
            int s = seqOf(n);
            if (Wire.before(s, from)) {
                return false;
            }
            if (Wire.after(s, to)) {
                return true;
            }
            n.remove();
            host.txQueue().add(n);
            resent++;
            return false;
        });
    }

    /** @return how many messages a NACK sent again */
    public long resent() {
        return resent;
    }

    private void keep(Queue.Node n) {
        if (rsQueue.add(n) < 0) {
            // full: the oldest goes (rs_queue_purge_full)
            Queue.Node old = rsQueue.removeHead();
            if (old instanceof CacheObject.ObjNode o) {
                o.obj.put();
            }
            rsQueue.add(n);
        }
    }

    @Override
    public void xmit() {
        host.txQueue().iterate(n -> {
            n.remove();
            if (n instanceof CtlNode c) {
                helloFlags(null, c);
                sendCtl(c);
                if (Wire.hasRange(Wire.T_CTL, c.flags)) {
                    keep(c);
                }
            } else {
                CacheObject.ObjNode o = (CacheObject.ObjNode) n;
                MessageBuilder m = host.build(o.obj);
                helloFlags(m, null);
                host.send(m.buffer(), m.length());
                o.seq = Wire.seq(m.buffer(), 0);
                keep(o);
            }
            return false;
        });
        armAlive();
    }

    @Override
    public void destroyed(CacheObject<?> obj) {
        obj.node.remove();
    }

    @Override
    public String rsQueueDump() {
        StringBuilder sb = new StringBuilder();
        sb.append("resent queue (len=").append(rsQueue.size()).append(")\n");
        rsQueue.iterate(n -> {
            if (n instanceof CtlNode c) {
                sb.append("control -> seq:").append(Integer.toUnsignedString(c.seq)).append(" flags:")
                        .append(c.flags).append('\n');
            } else {
                sb.append("object -> seq:").append(Integer.toUnsignedString(((CacheObject.ObjNode) n).seq))
                        .append('\n');
            }
            return false;
        });
        return sb.toString();
    }

    @Override
    public Queue[] queues() {
        return new Queue[] {rsQueue};
    }

    /** @return the resend queue's length (for tests and statistics) */
    public int rsQueueLength() {
        return rsQueue.size();
    }

    /** @return how many state messages (not control messages) wait for an acknowledgement */
    public int unacknowledgedObjects() {
        int[] n = {0};
        rsQueue.iterate(q -> {
            if (q.kind() == Queue.Node.OBJ) {
                n[0]++;
            }
            return false;
        });
        return n[0];
    }

    /** @return whether the peer answered our HELLO (before that, losses go unnoticed: see the class comment) */
    public boolean helloDone() {
        return helloState == HELLO_DONE;
    }
}
