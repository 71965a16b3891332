package org.conntrack4j.sync.mode;

import java.util.Random;

import org.conntrack4j.sync.cache.CacheObject;
import org.conntrack4j.sync.wire.Wire;

/**
 * ALARM (sync-alarm.c): every internal entry is sent again at a random time between 1 and RefreshTime
 * seconds (plus 0.2-1 s) after its last change, whether it changed or not; the peer's external entries
 * expire after CacheTimeout without news. No acknowledgements, no resync requests, no ALIVE; received
 * messages with flags are ignored, and sequence numbers are not even tracked.
 */
public final class AlarmMode extends SyncMode {
    private final Random random;

    public AlarmMode(Host host, Random random) {
        super(host);
        this.random = random;
    }

    @Override
    public void start() {
    }

    @Override
    public void stop() {
    }

    private void arm(CacheObject<?> obj) {
        long s = Math.floorMod(random.nextInt(), host.config().refreshTime) + 1;
        long us = (Math.floorMod(random.nextInt(), 5) + 1) * 200_000L - 1;
        host.alarms().add(obj.refresh, host.nowMicros(), s, us);
    }

    @Override
    public void added(CacheObject<?> obj) {
        obj.refresh = new Alarms.Alarm(() -> {
            arm(obj);
            enqueue(obj);
        });
        arm(obj);
    }

    @Override
    public void updated(CacheObject<?> obj) {
        arm(obj);
    }

    @Override
    public void destroyed(CacheObject<?> obj) {
        obj.node.remove();
        if (obj.refresh != null) {
            host.alarms().del(obj.refresh);
        }
    }

    @Override
    public void enqueue(CacheObject<?> obj) {
        if (host.txQueue().add(obj.node) > 0) {
            obj.get();
        }
    }

    @Override
    public void sendBulk() {
        // conntrackd's ALARM mode has no bulk send: the refresh timers resend everything within RefreshTime
    }

    @Override
    public void requestResync() {
        // nor resync requests ("only FT-FW and NOTRACK modes")
    }

    @Override
    public int recv(int type, int flags, int seq, int from, int to) {
        // messages with flags come from an FTFW or NOTRACK peer: ignored, as conntrackd does
        return flags != 0 ? CTL : DATA;
    }

    @Override
    public void xmit() {
        sendAndForget();
    }

}
