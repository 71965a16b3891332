package org.conntrack4j.sync.cache;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * conntrackd's cache (cache.c over hash.c): entries in {@code hashsize} buckets chosen by
 * {@link Kind#bucket}, newest first within a bucket, at most {@code limit} entries (HashSize, HashLimit).
 * Iteration goes bucket by bucket, which is the order conntrackd's dumps print. The sync mode and the
 * cache's features hook into add, update and removal through {@link Extra}.
 *
 * <p>Single-threaded: the node's thread owns it.
 *
 * @param <T> the entry type
 */
public final class Cache<T> {
    /** How entries of one kind are hashed and compared (cache-ct.c, cache-exp.c). */
    public interface Kind<T> {
        /** @return the bucket of {@code item} among {@code hashsize} */
        int bucket(T item, int hashsize);

        /** @return whether two entries are the same connection (or expectation) in conntrackd's terms */
        boolean same(T a, T b);
    }

    /** What a sync mode or cache feature keeps per entry (cache_extra, cache_feature). */
    public interface Extra<T> {
        default void added(CacheObject<T> obj) {
        }

        default void updated(CacheObject<T> obj) {
        }

        default void destroyed(CacheObject<T> obj) {
        }
    }

    /** conntrackd's counters of one cache. */
    public static final class Stats {
        public long active;
        public long addOk;
        public long addFail;
        public long addFailEnomem;
        public long addFailEnospc;
        public long updOk;
        public long updFail;
        public long updFailEnoent;
        public long delOk;
        public long delFail;
        public long delFailEnoent;
        public long objects;
        public long commitOk;
        public long commitFail;
        public long flush;
    }

    private final String name;
    private final Kind<T> kind;
    private final int hashsize;
    private final int limit;
    private final LongSupplier seconds;
    @SuppressWarnings("unchecked")
    private final CacheObject<T>[] buckets;
    private int count;
    private Extra<T> extra = new Extra<>() {
    };
    private Extra<T> feature = new Extra<>() {
    };
    final Stats stats = new Stats();

    @SuppressWarnings("unchecked")
    public Cache(String name, Kind<T> kind, int hashsize, int limit, LongSupplier seconds) {
        this.name = name;
        this.kind = kind;
        this.hashsize = hashsize;
        this.limit = limit;
        this.seconds = seconds;
        this.buckets = new CacheObject[hashsize];
    }

    /** Sets the sync mode's per-entry hooks (cache_extra). */
    public void extra(Extra<T> e) {
        extra = e;
    }

    /** Sets the cache feature's hooks (the expiry timer of ALARM's external cache). */
    public void feature(Extra<T> f) {
        feature = f;
    }

    public String name() {
        return name;
    }

    public Stats stats() {
        return stats;
    }

    /** @return the number of entries in the hash table (DEAD ones included until released) */
    public int size() {
        return count;
    }

    public int hashsize() {
        return hashsize;
    }

    /** @return the entry that is the same as {@code item}, or null */
    public CacheObject<T> find(T item) {
        for (CacheObject<T> o = buckets[kind.bucket(item, hashsize)]; o != null; o = o.nextInBucket) {
            if (kind.same(o.item, item)) {
                return o;
            }
        }
        return null;
    }

    /** A new, not yet added entry (cache_object_new). */
    public CacheObject<T> newObject(T item) {
        stats.objects++;
        return new CacheObject<>(this, item);
    }

    /** Adds {@code obj} as NEW with one reference (cache_add). @return false when the cache is full */
    public boolean add(CacheObject<T> obj) {
        if (count >= limit) {
            stats.addFail++;
            stats.addFailEnospc++;
            stats.objects--;
            return false;
        }
        int b = kind.bucket(obj.item, hashsize);
        obj.bucket = b;
        obj.nextInBucket = buckets[b];
        buckets[b] = obj;
        count++;
        feature.added(obj);
        extra.added(obj);
        stats.active++;
        obj.lifetime = obj.lastupdate = seconds.getAsLong();
        obj.status = CacheObject.NEW;
        obj.refcnt++;
        stats.addOk++;
        return true;
    }

    /** Replaces the entry's item with {@code item} and marks it ALIVE (cache_update). */
    public void update(CacheObject<T> obj, T item) {
        obj.item = item;
        feature.updated(obj);
        extra.updated(obj);
        stats.updOk++;
        obj.lastupdate = seconds.getAsLong();
        obj.status = CacheObject.ALIVE;
    }

    /** Removes the entry from the table (cache_del); a DEAD entry was already counted as destroyed. */
    public void del(CacheObject<T> obj) {
        if (obj.status != CacheObject.DEAD) {
            stats.delOk++;
            stats.active--;
        }
        if (obj.bucket < 0) {
            return;
        }
        feature.destroyed(obj);
        extra.destroyed(obj);
        CacheObject<T> prev = null;
        for (CacheObject<T> o = buckets[obj.bucket]; o != null; prev = o, o = o.nextInBucket) {
            if (o == obj) {
                if (prev == null) {
                    buckets[obj.bucket] = o.nextInBucket;
                } else {
                    prev.nextInBucket = o.nextInBucket;
                }
                break;
            }
        }
        obj.bucket = -1;
        obj.nextInBucket = null;
        count--;
        stats.objects--;
    }

    /**
     * Updates the entry that is the same as {@code item}, or adds it (cache_update_force): a DEAD entry is
     * replaced by a new one.
     *
     * @return the entry, or null when the cache is full
     */
    public CacheObject<T> updateForce(T item) {
        CacheObject<T> obj = find(item);
        if (obj != null) {
            if (obj.status != CacheObject.DEAD) {
                update(obj, item);
                return obj;
            }
            del(obj);
        }
        obj = newObject(item);
        return add(obj) ? obj : null;
    }

    /** Visits every entry in dump order: bucket by bucket, newest first; the visitor may remove the entry. */
    public void forEach(Consumer<CacheObject<T>> v) {
        for (int b = 0; b < hashsize; b++) {
            CacheObject<T> o = buckets[b];
            while (o != null) {
                CacheObject<T> next = o.nextInBucket;
                v.accept(o);
                o = next;
            }
        }
    }

    /** Removes every entry (cache_flush). */
    public void flush() {
        forEach(this::del);
        stats.flush++;
    }
}
