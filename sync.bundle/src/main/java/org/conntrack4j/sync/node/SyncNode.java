package org.conntrack4j.sync.node;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncEvents;
import org.conntrack4j.sync.api.SyncExpectation;
import org.conntrack4j.sync.api.SyncTable;
import org.conntrack4j.sync.cache.Cache;
import org.conntrack4j.sync.cache.CacheObject;
import org.conntrack4j.sync.cache.Dumps;
import org.conntrack4j.sync.cache.Kinds;
import org.conntrack4j.sync.channel.Channels;
import org.conntrack4j.sync.channel.Link;
import org.conntrack4j.sync.config.SyncConfig;
import org.conntrack4j.sync.mode.AlarmMode;
import org.conntrack4j.sync.mode.Alarms;
import org.conntrack4j.sync.mode.FtfwMode;
import org.conntrack4j.sync.mode.NotrackMode;
import org.conntrack4j.sync.mode.Queue;
import org.conntrack4j.sync.mode.SeqTracker;
import org.conntrack4j.sync.mode.SyncMode;
import org.conntrack4j.sync.wire.DatagramReader;
import org.conntrack4j.sync.wire.MessageBuilder;
import org.conntrack4j.sync.wire.NtaCt;
import org.conntrack4j.sync.wire.NtaExp;
import org.conntrack4j.sync.wire.RecvStats;
import org.conntrack4j.sync.wire.Wire;

/**
 * One sync node: conntrackd's sync mode (sync-mode.c) with its caches (internal_cache.c, external_cache.c,
 * external_inject.c), its receive path and its operations. Single-threaded: every method runs on the
 * thread that owns the node ({@link SyncRunner} in production, the test in tests); after each event the
 * owner calls {@link #runPending()}, as conntrackd's loop serves its transmit queue.
 */
public final class SyncNode implements SyncMode.Host {
    private final SyncConfig cfg;
    private final LongSupplier micros;
    private final SyncTable table;
    private final Consumer<String> log;
    private final Channels channels;
    private final Alarms alarms = new Alarms();
    private final Queue tx = new Queue("txqueue", Integer.MAX_VALUE);
    private final RecvStats recv = new RecvStats();
    private final SeqTracker seq = new SeqTracker(recv);
    private final MessageBuilder out = new MessageBuilder();
    private final NtaCt.Options opts;
    private final SyncMode mode;
    private final Cache<SyncConnection> internalCt;
    private final Cache<SyncExpectation> internalExp;
    private final Cache<SyncConnection> externalCt;
    private final Cache<SyncExpectation> externalExp;
    private final DatagramReader[] readers;
    private final Alarms.Alarm purgeAlarm = new Alarms.Alarm(this::purgeTimeoutExpired);
    /**
     * conntrackd's cached time: taken at the top of its event loop, before it waits. Entries added while
     * handling an event carry the time the loop last woke up, and timers count from it.
     */
    private long cached;
    /** Events received from the engine, and those the Filter left out. */
    private long eventsReceived;
    private long eventsFiltered;
    /** Without internal cache: what was sent straight away. */
    private long bypassNew;
    private long bypassUpd;
    private long bypassDel;
    /** Without external cache: injections and their failures. */
    private final long[] inject = new long[6];

    public SyncNode(SyncConfig cfg, List<Link> links, SyncTable table, LongSupplier micros, Random random,
            Consumer<String> log) {
        this.cfg = cfg;
        this.micros = micros;
        this.table = table;
        this.log = log;
        this.channels = new Channels(links, cfg.defaultLink());
        this.opts = new NtaCt.Options(cfg.tcpWindowTracking, cfg.commitTimeout == 0);
        this.cached = micros.getAsLong();
        LongSupplier seconds = () -> cached / 1_000_000L;
        this.mode = switch (cfg.mode) {
            case FTFW -> new FtfwMode(this);
            case NOTRACK -> new NotrackMode(this);
            case ALARM -> new AlarmMode(this, random);
        };
        if (cfg.disableInternalCache) {
            internalCt = null;
            internalExp = null;
        } else {
            internalCt = new Cache<>("internal", Kinds.CONNECTION, cfg.hashSize, cfg.hashLimit, seconds);
            internalExp = new Cache<>("internal", Kinds.EXPECTATION, cfg.hashSize, cfg.hashLimit, seconds);
            Cache.Extra<SyncConnection> ec = modeExtra();
            Cache.Extra<SyncExpectation> ee = modeExtra();
            internalCt.extra(ec);
            internalExp.extra(ee);
        }
        if (cfg.disableExternalCache) {
            externalCt = null;
            externalExp = null;
        } else {
            externalCt = new Cache<>("external", Kinds.CONNECTION, cfg.hashSize, cfg.hashLimit, seconds);
            externalExp = new Cache<>("external", Kinds.EXPECTATION, cfg.hashSize, cfg.hashLimit, seconds);
            if (cfg.mode == SyncConfig.Mode.ALARM) {
                externalCt.feature(expiry());
                externalExp.feature(expiry());
            }
        }
        this.readers = new DatagramReader[links.size()];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = new DatagramReader(recv, false);
        }
    }

    private <T> Cache.Extra<T> modeExtra() {
        return new Cache.Extra<>() {
            @Override
            public void added(CacheObject<T> obj) {
                mode.added(obj);
            }

            @Override
            public void updated(CacheObject<T> obj) {
                mode.updated(obj);
            }

            @Override
            public void destroyed(CacheObject<T> obj) {
                mode.destroyed(obj);
            }
        };
    }

    /** ALARM's external cache: an entry without news for CacheTimeout seconds goes (cache_timer.c). */
    private <T> Cache.Extra<T> expiry() {
        return new Cache.Extra<>() {
            @Override
            public void added(CacheObject<T> obj) {
                obj.refresh = new Alarms.Alarm(() -> obj.cache().del(obj));
                alarms.add(obj.refresh, cached, cfg.cacheTimeout, 0);
            }

            @Override
            public void updated(CacheObject<T> obj) {
                alarms.add(obj.refresh, cached, cfg.cacheTimeout, 0);
            }

            @Override
            public void destroyed(CacheObject<T> obj) {
                alarms.del(obj.refresh);
            }
        };
    }

    /**
     * Starts the node: fills the internal cache from the table (without sending), starts the mode's timers
     * and, with StartupResync, asks the peer for its state.
     */
    public void start() {
        if (internalCt != null && table != null) {
            table.forEachConnection(c -> {
                if (acceptConnection(c)) {
                    internalCt.updateForce(c);
                }
            });
            if (cfg.expectationSync) {
                table.forEachExpectation(e -> {
                    if (acceptExpectation(e)) {
                        internalExp.updateForce(e);
                    }
                });
            }
        }
        mode.start();
        if (cfg.startupResync && cfg.mode != SyncConfig.Mode.ALARM) {
            mode.requestResync();
        }
        runPending();
    }

    /** Stops the mode's timers. */
    public void stop() {
        mode.stop();
        alarms.del(purgeAlarm);
    }

    // ---- time and transmission

    /**
     * The turn of conntrackd's loop after an event: it takes the time, then sends what the event queued (the
     * transmit queue's descriptor becomes ready only for the next select, so the send, and the alive timer it
     * re-arms, carry the new time), runs the timers that are due and sends what they queued.
     */
    public void runPending() {
        cached = micros.getAsLong();
        if (tx.size() > 0) {
            mode.xmit();
        }
        channels.flush();
        alarms.runExpired(cached);
        if (tx.size() > 0) {
            mode.xmit();
            channels.flush();
        }
    }

    /** @return the earliest timer deadline (clock microseconds), or {@link Long#MAX_VALUE} */
    public long nextDeadline() {
        return alarms.next();
    }

    @Override
    public long nowMicros() {
        return cached;
    }

    @Override
    public Alarms alarms() {
        return alarms;
    }

    @Override
    public SyncConfig config() {
        return cfg;
    }

    @Override
    public SeqTracker seq() {
        return seq;
    }

    @Override
    public Queue txQueue() {
        return tx;
    }

    @Override
    @SuppressWarnings("unchecked")
    public MessageBuilder build(CacheObject<?> obj) {
        boolean isExp = obj.item() instanceof SyncExpectation;
        out.start(SyncMode.typeOf(obj, isExp), 0, seq.next(cached / 1_000_000L));
        boolean ok = isExp ? NtaExp.encode((SyncExpectation) obj.item(), opts, out)
                : NtaCt.encode((SyncConnection) obj.item(), opts, out);
        if (!ok) {
            recv.sendMalformed++;
        }
        return out;
    }

    @Override
    public void send(byte[] msg, int len) {
        channels.send(msg, len);
    }

    @Override
    public void resyncSend(Consumer<CacheObject<?>> toTx) {
        log("sending bulk update");
        if (internalCt != null) {
            internalCt.forEach(toTx::accept);
            internalExp.forEach(toTx::accept);
        }
    }

    @Override
    public void sendTable() {
        if (table == null) {
            return;
        }
        MessageBuilder m = new MessageBuilder();
        table.forEachConnection(c -> {
            if (acceptConnection(c)) {
                m.start(Wire.T_CT_NEW, 0, seq.next(cached / 1_000_000L));
                if (NtaCt.encode(c, opts, m)) {
                    send(m.buffer(), m.length());
                } else {
                    recv.sendMalformed++;
                }
            }
        });
    }

    @Override
    public void log(String message) {
        log.accept(message);
    }

    // ---- the receive path (channel_handler_routine, do_channel_handler_step)

    /** A datagram arrived on link {@code link}. */
    public void received(int link, byte[] b, int off, int len) {
        Link l = channels.links().get(link);
        l.stats().bytesRecv += len;
        l.stats().messagesRecv++;
        readers[link].read(b, off, len, (buf, at, n) -> step(link, buf, at, n));
    }

    /** A datagram from an address other than the configured peer: ignored and counted (conntrackd takes it). */
    public void foreign() {
        recv.foreignSource++;
    }

    private void step(int link, byte[] b, int off, int len) {
        if (Wire.version(b, off) != Wire.VERSION) {
            recv.malformed++;
            recv.badVersion++;
            return;
        }
        int type = Wire.type(b, off);
        int flags = Wire.flags(b, off);
        boolean range = Wire.hasRange(type, flags);
        int r = mode.recv(type, flags, Wire.seq(b, off), range ? Wire.from(b, off) : 0,
                range ? Wire.to(b, off) : 0);
        switch (r) {
            case SyncMode.DATA -> channels.arrivedOn(link);
            case SyncMode.CTL -> {
                channels.arrivedOn(link);
                return;
            }
            case SyncMode.BAD -> {
                recv.malformed++;
                recv.badHeader++;
                return;
            }
            default -> {
                return;
            }
        }
        if (type > Wire.T_STATE_MAX) {
            recv.malformed++;
            recv.badType++;
            return;
        }
        if (type <= Wire.T_CT_DEL) {
            SyncConnection c = NtaCt.decode(b, off, len);
            if (c == null) {
                recv.malformed++;
                recv.badPayload++;
                return;
            }
            peerConnection(type, c);
        } else {
            SyncExpectation e = NtaExp.decode(b, off, len);
            if (e == null) {
                recv.malformed++;
                recv.badPayload++;
                return;
            }
            peerExpectation(type - Wire.T_EXP_NEW, e);
        }
    }

    private void peerConnection(int type, SyncConnection c) {
        if (externalCt == null) {
            int i = 2 * type; // created, updated, destroyed: ok and failed
            boolean ok = type == Wire.T_CT_DEL ? table != null && table.remove(c) : table != null && table.inject(c);
            inject[ok ? i : i + 1]++;
            return;
        }
        switch (type) {
            case Wire.T_CT_NEW -> replace(externalCt, c);
            case Wire.T_CT_UPD -> externalCt.updateForce(c);
            default -> {
                CacheObject<SyncConnection> o = externalCt.find(c);
                if (o != null) {
                    externalCt.del(o);
                }
            }
        }
    }

    private void peerExpectation(int kind, SyncExpectation e) {
        if (externalExp == null) {
            if (table != null) {
                if (kind == 2) {
                    table.remove(e);
                } else {
                    table.inject(e);
                }
            }
            return;
        }
        switch (kind) {
            case 0 -> replace(externalExp, e);
            case 1 -> externalExp.updateForce(e);
            default -> {
                CacheObject<SyncExpectation> o = externalExp.find(e);
                if (o != null) {
                    externalExp.del(o);
                }
            }
        }
    }

    /** A NEW replaces whatever entry is there (external_cache_ct_new). */
    private static <T> void replace(Cache<T> cache, T item) {
        CacheObject<T> o = cache.find(item);
        if (o != null) {
            cache.del(o);
        }
        cache.add(cache.newObject(item));
    }

    // ---- engine events (internal_cache.c, internal_bypass.c)

    boolean acceptConnection(SyncConnection c) {
        return cfg.filter == null || cfg.filter.accept(c);
    }

    boolean acceptExpectation(SyncExpectation e) {
        if (!cfg.expectHelpers.isEmpty()) {
            if (e.helper() == null) {
                return false;
            }
            boolean named = false;
            for (String h : cfg.expectHelpers) {
                // partial, case-insensitive: "sip" also takes "sip-5060"
                if (e.helper().regionMatches(true, 0, h, 0, h.length())) {
                    named = true;
                    break;
                }
            }
            if (!named) {
                return false;
            }
        }
        // an expectation whose master we do not sync is not synced either (ct_filter_master)
        if (internalCt == null) {
            return true;
        }
        SyncConnection probe = SyncConnection.builder(e.master()).build();
        return internalCt.find(probe) != null;
    }

    /** An engine event about a connection; {@code kind}: 0 new, 1 update, 2 destroy. */
    public void connectionEvent(int kind, SyncConnection c, SyncEvents.Origin origin) {
        eventsReceived++;
        if (!acceptConnection(c)) {
            eventsFiltered++;
            return;
        }
        if (origin == SyncEvents.Origin.INJECT) {
            return;
        }
        boolean send = origin == SyncEvents.Origin.ENGINE;
        if (internalCt == null) {
            if (send) {
                int type = Wire.T_CT_NEW + kind;
                out.start(type, 0, seq.next(cached / 1_000_000L));
                if (NtaCt.encode(c, opts, out)) {
                    send(out.buffer(), out.length());
                    channels.flush();
                } else {
                    recv.sendMalformed++;
                }
                if (kind == 0) {
                    bypassNew++;
                } else if (kind == 1) {
                    bypassUpd++;
                } else {
                    bypassDel++;
                }
            }
            return;
        }
        internalEvent(internalCt, kind, c, send);
    }

    /** An engine event about an expectation (with ExpectationSync). */
    public void expectationEvent(int kind, SyncExpectation e, SyncEvents.Origin origin) {
        if (!cfg.expectationSync) {
            return;
        }
        eventsReceived++;
        if (!acceptExpectation(e)) {
            eventsFiltered++;
            return;
        }
        if (origin == SyncEvents.Origin.INJECT || internalExp == null) {
            return;
        }
        internalEvent(internalExp, kind, e, origin == SyncEvents.Origin.ENGINE);
    }

    private <T> void internalEvent(Cache<T> cache, int kind, T item, boolean send) {
        switch (kind) {
            case 0 -> {
                CacheObject<T> o = cache.find(item);
                if (o != null) {
                    cache.del(o);
                }
                o = cache.newObject(item);
                if (cache.add(o) && send) {
                    mode.enqueue(o);
                }
            }
            case 1 -> {
                CacheObject<T> o = cache.updateForce(item);
                if (o != null && send) {
                    mode.enqueue(o);
                }
            }
            default -> {
                CacheObject<T> o = cache.find(item);
                if (o == null) {
                    return; // not in the cache: nothing to tell
                }
                if (o.status() != CacheObject.DEAD) {
                    o.setDead();
                    if (send) {
                        mode.enqueue(o);
                    }
                    o.put();
                }
            }
        }
    }

    // ---- operations (conntrackd -c, -f, -n, -B, -R, -t)

    /** The result of a commit: how many entries went in and how many failed. */
    public record CommitResult(int ok, int failed) {
    }

    /** conntrackd -c: commits the external connection cache, masters first, then RELATED connections. */
    public CommitResult commitConnections() {
        alarms.del(purgeAlarm);
        if (externalCt == null || table == null) {
            return new CommitResult(0, 0);
        }
        long okBefore = externalCt.stats().commitOk;
        long failBefore = externalCt.stats().commitFail;
        log("committing conntrack cache");
        externalCt.forEach(o -> {
            if (!o.item().isRelated()) {
                commitOne(o);
            }
        });
        externalCt.forEach(o -> {
            if (o.item().isRelated()) {
                commitOne(o);
            }
        });
        CommitResult r = new CommitResult((int) (externalCt.stats().commitOk - okBefore),
                (int) (externalCt.stats().commitFail - failBefore));
        log("Committed " + r.ok() + " new entries");
        if (r.failed() > 0) {
            log(r.failed() + " entries can't be committed");
        }
        return r;
    }

    /** conntrackd -c expect: commits the external expectation cache. */
    public CommitResult commitExpectations() {
        if (externalExp == null || table == null || !cfg.expectationSync) {
            return new CommitResult(0, 0);
        }
        long okBefore = externalExp.stats().commitOk;
        long failBefore = externalExp.stats().commitFail;
        log("committing expectation cache");
        externalExp.forEach(o -> {
            long t = commitTimeout(o.item().timeout(), o.lastUpdate());
            if (table.commit(o.item(), t)) {
                externalExp.stats().commitOk++;
            } else {
                externalExp.stats().commitFail++;
            }
        });
        return new CommitResult((int) (externalExp.stats().commitOk - okBefore),
                (int) (externalExp.stats().commitFail - failBefore));
    }

    private void commitOne(CacheObject<SyncConnection> o) {
        long t = commitTimeout(o.item().timeout(), o.lastUpdate());
        if (table.commit(o.item(), t)) {
            externalCt.stats().commitOk++;
        } else {
            externalCt.stats().commitFail++;
        }
    }

    /** CommitTimeout, or what is left of the synced timeout since the last update (60 s when negative). */
    private long commitTimeout(Long synced, long lastUpdate) {
        if (cfg.commitTimeout != 0) {
            return cfg.commitTimeout;
        }
        long elapsed = micros.getAsLong() / 1_000_000L - lastUpdate;
        if (elapsed < 0) {
            elapsed = 60;
        }
        long t = (synced == null ? 0 : synced) - elapsed;
        return t < 0 ? 60 : t;
    }

    /** conntrackd -f: flushes both connection caches (and, with {@code expectations}, both expectation caches). */
    public void flushCaches(boolean expectations) {
        alarms.del(purgeAlarm);
        log("flushing caches");
        flushInternal(expectations);
        flushExternal(expectations);
    }

    /** conntrackd -f internal. */
    public void flushInternal(boolean expectations) {
        if (internalCt != null) {
            internalCt.flush();
            if (expectations) {
                internalExp.flush();
            }
        }
    }

    /** conntrackd -f external. */
    public void flushExternal(boolean expectations) {
        if (externalCt != null) {
            externalCt.flush();
            if (expectations) {
                externalExp.flush();
            }
        }
    }

    /** conntrackd -n: asks the peer for a full resync (FTFW and NOTRACK). */
    public void requestResync() {
        mode.requestResync();
    }

    /** conntrackd -B: sends the whole internal cache to the peer. */
    public void sendBulk() {
        mode.sendBulk();
    }

    /**
     * conntrackd -R: resynchronises the internal cache with the table: entries gone from the table are
     * destroyed (and their DEL sent), every table entry is refreshed and sent as NEW or UPD.
     */
    public void resyncWithTable() {
        if (internalCt == null || table == null) {
            return;
        }
        internalCt.forEach(o -> {
            if (!table.contains(o.item()) && o.status() != CacheObject.DEAD) {
                o.setDead();
                mode.enqueue(o);
                o.put();
            }
        });
        table.forEachConnection(c -> {
            if (acceptConnection(c)) {
                CacheObject<SyncConnection> o = internalCt.updateForce(c);
                if (o != null) {
                    mode.enqueue(o);
                }
            }
        });
    }

    /** conntrackd -t: in PurgeTimeout seconds, the table loses every connection the Filter takes. */
    public void schedulePurge() {
        if (!purgeAlarm.pending()) {
            log("flushing conntrack table in " + cfg.purgeTimeout + " secs");
            alarms.add(purgeAlarm, cached, cfg.purgeTimeout, 0);
        }
    }

    private void purgeTimeoutExpired() {
        log("flushing kernel conntrack table (scheduled)");
        if (table != null) {
            List<SyncConnection> doomed = new ArrayList<>();
            table.forEachConnection(c -> {
                if (acceptConnection(c)) {
                    doomed.add(c);
                }
            });
            doomed.forEach(table::destroy);
        }
        if (internalCt != null) {
            internalCt.flush();
        }
    }

    // ---- dumps and statistics (conntrackd -i, -e, -s)

    /** conntrackd -i (or -i expect with {@code expectations}). */
    public String dumpInternal(boolean expectations) {
        if (internalCt == null) {
            return "";
        }
        return expectations ? dumpExp(internalExp) : dumpCt(internalCt);
    }

    /** conntrackd -e (or -e expect). */
    public String dumpExternal(boolean expectations) {
        if (externalCt == null) {
            return "";
        }
        return expectations ? dumpExp(externalExp) : dumpCt(externalCt);
    }

    private boolean hidden(CacheObject<?> o) {
        // FTFW keeps destroyed entries until their DEL is acknowledged: they are not shown
        return cfg.mode == SyncConfig.Mode.FTFW && o.status() == CacheObject.DEAD;
    }

    private Long expiresIn(CacheObject<?> o) {
        if (o.cache().name().equals("external") && cfg.mode == SyncConfig.Mode.ALARM && o.refresh != null
                && o.refresh.pending()) {
            // timersub(deadline, now).tv_sec: whole seconds towards zero
            return Math.floorDiv(o.refresh.deadline() - micros.getAsLong(), 1_000_000L);
        }
        return null;
    }

    private String dumpCt(Cache<SyncConnection> c) {
        long now = micros.getAsLong() / 1_000_000L;
        StringBuilder sb = new StringBuilder();
        c.forEach(o -> {
            if (!hidden(o)) {
                sb.append(Dumps.connection(o.item(), expiresIn(o), now - o.lifetime())).append('\n');
            }
        });
        return sb.toString();
    }

    private String dumpExp(Cache<SyncExpectation> c) {
        long now = micros.getAsLong() / 1_000_000L;
        StringBuilder sb = new StringBuilder();
        c.forEach(o -> {
            if (!hidden(o)) {
                sb.append(Dumps.expectation(o.item(), expiresIn(o), now - o.lifetime())).append('\n');
            }
        });
        return sb.toString();
    }

    /** conntrackd -s: caches, traffic, the active link, message tracking. */
    public String stats() {
        return Stats.general(this);
    }

    /** conntrackd -s network. */
    public String statsNetwork() {
        return Stats.network(this);
    }

    /** conntrackd -s cache. */
    public String statsCache() {
        return Stats.cacheExtended(this);
    }

    /** conntrackd -s rsqueue. */
    public String statsRsQueue() {
        return mode.rsQueueDump();
    }

    /** conntrackd -s queue. */
    public String statsQueue() {
        return Stats.queues(this);
    }

    /** conntrackd -s expect. */
    public String statsExpect() {
        return cfg.expectationSync ? Stats.expect(this) : "";
    }

    /** The figures of {@code conntrackd -s} by name (see {@code Stats.counters}); on the node's thread. */
    public Map<String, Long> counters() {
        return Stats.counters(this);
    }

    // accessors for Stats and tests
    Cache<SyncConnection> internalCt() {
        return internalCt;
    }

    Cache<SyncExpectation> internalExp() {
        return internalExp;
    }

    Cache<SyncConnection> externalCt() {
        return externalCt;
    }

    Cache<SyncExpectation> externalExp() {
        return externalExp;
    }

    Channels channels() {
        return channels;
    }

    Queue tx() {
        return tx;
    }

    SyncMode mode() {
        return mode;
    }

    long[] bypass() {
        return new long[] {bypassNew, bypassUpd, bypassDel};
    }

    long[] injectStats() {
        return inject;
    }

    /** @return the receive and sequence-tracking counters */
    public RecvStats recvStats() {
        return recv;
    }

    /** @return how many connections the external cache holds */
    public int externalConnectionCount() {
        return externalCt == null ? 0 : externalCt.size();
    }

    /** @return the counters of the external connection cache (zeros without one) */
    public Cache.Stats externalCacheStats() {
        return externalCt == null ? new Cache.Stats() : externalCt.stats();
    }

    /** @return the connections of the external cache (live entries, dump order) */
    public List<SyncConnection> externalConnections() {
        List<SyncConnection> l = new ArrayList<>();
        if (externalCt != null) {
            externalCt.forEach(o -> l.add(o.item()));
        }
        return l;
    }

    /** @return the expectations of the external cache */
    public List<SyncExpectation> externalExpectations() {
        List<SyncExpectation> l = new ArrayList<>();
        if (externalExp != null) {
            externalExp.forEach(o -> l.add(o.item()));
        }
        return l;
    }

    /** @return the live (not destroyed) connections of the internal cache */
    public List<SyncConnection> internalConnections() {
        List<SyncConnection> l = new ArrayList<>();
        if (internalCt != null) {
            internalCt.forEach(o -> {
                if (o.status() != CacheObject.DEAD) {
                    l.add(o.item());
                }
            });
        }
        return l;
    }
}
