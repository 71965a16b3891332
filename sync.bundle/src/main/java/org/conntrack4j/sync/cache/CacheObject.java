package org.conntrack4j.sync.cache;

import org.conntrack4j.sync.mode.Alarms;
import org.conntrack4j.sync.mode.Queue;

/**
 * An entry of a cache (conntrackd's cache_object): the synced item, its status, a reference count (held
 * by the cache while it is not DEAD and by each queue that must still send it), when it was added and
 * last updated, and what the sync mode and the cache's features keep per entry.
 *
 * @param <T> {@link org.conntrack4j.sync.api.SyncConnection} or {@link org.conntrack4j.sync.api.SyncExpectation}
 */
public final class CacheObject<T> {
    public static final int NONE = 0;
    public static final int NEW = 1;
    public static final int ALIVE = 2;
    public static final int DEAD = 3;

    final Cache<T> cache;
    T item;
    int status = NONE;
    int refcnt;
    long lifetime;
    long lastupdate;
    int bucket = -1;
    CacheObject<T> nextInBucket;

    /** The sync mode's queue node for this entry (tx queue, FTFW resend list). */
    public final ObjNode node;
    /** ALARM mode: the refresh alarm of an internal entry, or the expiry timer (CacheTimeout) of an external one. */
    public Alarms.Alarm refresh;

    CacheObject(Cache<T> cache, T item) {
        this.cache = cache;
        this.item = item;
        this.node = new ObjNode(this);
    }

    /** A queue node that knows its entry; FTFW also keeps the sequence number it was last sent with. */
    public static final class ObjNode extends Queue.Node {
        public final CacheObject<?> obj;
        public int seq;

        ObjNode(CacheObject<?> obj) {
            super(Queue.Node.OBJ);
            this.obj = obj;
        }
    }

    public T item() {
        return item;
    }

    public int status() {
        return status;
    }

    public Cache<T> cache() {
        return cache;
    }

    /** @return seconds (the cache's clock) when the entry was added */
    public long lifetime() {
        return lifetime;
    }

    /** @return seconds when the entry was last added or updated */
    public long lastUpdate() {
        return lastupdate;
    }

    /** Takes a reference (a queue holds the entry until it is sent). */
    public void get() {
        refcnt++;
    }

    /** Drops a reference; the last one removes the entry from its cache. @return whether it was the last */
    public boolean put() {
        if (--refcnt == 0) {
            cache.del(this);
            return true;
        }
        return false;
    }

    /** Marks the entry DEAD (destroyed, kept only until its DEL message has been sent). */
    public void setDead() {
        cache.stats.delOk++;
        cache.stats.active--;
        status = DEAD;
    }

    public boolean inCache() {
        return bucket >= 0;
    }
}
