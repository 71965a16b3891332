package org.conntrack4j.sync.mode;

import org.conntrack4j.sync.cache.CacheObject;
import org.conntrack4j.sync.wire.Wire;

/**
 * NOTRACK (sync-notrack.c): every change is sent once, nothing is acknowledged or resent. Sequence numbers
 * are tracked only to count losses; a RESYNC from the peer is answered with the whole internal cache (or
 * table, without one); an ALIVE goes after a second without sending.
 */
public final class NotrackMode extends SyncMode {
    private final Alarms.Alarm alive = new Alarms.Alarm(this::aliveAlarm);

    public NotrackMode(Host host) {
        super(host);
    }

    @Override
    public void start() {
        armAlive();
    }

    @Override
    public void stop() {
        host.alarms().del(alive);
    }

    private void armAlive() {
        host.alarms().add(alive, host.nowMicros(), ALIVE_INTERVAL_S, 0);
    }

    private void aliveAlarm() {
        host.txQueue().add(new CtlNode(Wire.F_ALIVE, 0, 0));
        armAlive();
    }

    private void toTx(CacheObject<?> obj) {
        if (host.txQueue().add(obj.node) > 0) {
            obj.get();
        }
    }

    @Override
    public void enqueue(CacheObject<?> obj) {
        toTx(obj);
    }

    private void bulk() {
        if (host.config().disableInternalCache) {
            host.sendTable();
        } else {
            host.resyncSend(this::toTx);
        }
    }

    @Override
    public void sendBulk() {
        host.log("sending bulk update");
        bulk();
    }

    @Override
    public int recv(int type, int flags, int seq, int from, int to) {
        host.seq().track(seq);
        int ret;
        if (Wire.isData(type, flags)) {
            ret = DATA;
        } else if (Wire.isResync(type, flags)) {
            host.log("resync requested by other node");
            bulk();
            ret = CTL;
        } else if (Wire.isAlive(type, flags)) {
            ret = CTL;
        } else {
            ret = BAD;
        }
        if (ret != BAD) {
            host.seq().update(seq);
        }
        return ret;
    }

    @Override
    public void xmit() {
        sendAndForget();
        armAlive();
    }
}
