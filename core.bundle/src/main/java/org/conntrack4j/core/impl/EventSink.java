package org.conntrack4j.core.impl;

import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.spi.ConntrackListener;

/**
 * Delivers one engine's events to its listeners, in emission order per listener. Synchronous listeners
 * run on the packet's thread; each asynchronous one gets a bounded queue and its own daemon thread, which
 * stops when the listener is removed or the engine closes. Events that do not fit a full queue are counted
 * as lost ({@link #lost}) and the listener is told before its next event, as ctnetlink drops messages for a slow
 * socket and reports ENOBUFS.
 *
 * <p>Shared state: the listener array (volatile, copy-on-write under this object's monitor, a leaf of the lock
 * order). Listeners are called with no engine lock held (see the package documentation).
 */
final class EventSink {
    static final int QUEUE_CAPACITY = 65536;
    private final CoreLog log;

    private final class Entry {
        final ConntrackListener listener;
        final BlockingQueue<Object> queue;
        final Thread thread;
        volatile boolean running = true;

        /** Events dropped since the listener was last told ({@link ConntrackListener#onOverflow}). */
        final AtomicLong overflow = new AtomicLong();

        /** {@code capacity} 0: synchronous. */
        Entry(ConntrackListener l, int capacity, String engineName) {
            this.listener = l;
            if (capacity == 0) {
                queue = null;
                thread = null;
            } else {
                queue = new ArrayBlockingQueue<>(capacity);
                thread = new Thread(this::drain, "conntrack-events-" + engineName);
                thread.setDaemon(true);
                thread.start();
            }
        }

        void offer(Object ev) {
            if (queue == null) {
                call(listener, ev);
            } else if (!queue.offer(ev)) {
                lost.incrementAndGet();
                overflow.incrementAndGet();
            }
        }

        private void drain() {
            try {
                while (running || !queue.isEmpty()) {
                    // as a netlink read returns ENOBUFS before the messages still queued
                    long dropped = overflow.getAndSet(0);
                    if (dropped > 0) {
                        try {
                            listener.onOverflow(dropped);
                        } catch (RuntimeException e) {
                            failures.incrementAndGet();
                            log.warn("event listener " + listener + " failed", e);
                        }
                    }
                    Object ev = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (ev != null) {
                        call(listener, ev);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void stop() {
            running = false;
            if (thread != null) {
                thread.interrupt();
                try {
                    thread.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static final Entry[] NONE = new Entry[0];
    private volatile Entry[] entries = NONE;
    private final String engineName;
    final AtomicLong lost = new AtomicLong();
    final AtomicLong failures = new AtomicLong();

    private final Rcu rcu;

    EventSink(String engineName, Rcu rcu, CoreLog log) {
        this.engineName = engineName;
        this.rcu = rcu;
        this.log = log;
    }

    boolean active() {
        return entries.length != 0;
    }

    /**
     * Delivers an event ({@link ConntrackEvent} or {@link ExpectationEvent}): now, or, on a thread inside a packet's
     * read section, when that section ends. Callers hold no engine lock.
     */
    void deliver(Object ev) {
        if (entries.length == 0) {
            return;
        }
        Rcu.Slot s = rcu.current();
        if (s.deferring()) {
            s.defer(this, ev);
        } else {
            deliverNow(ev);
        }
    }

    void deliverNow(Object ev) {
        for (Entry e : entries) {
            e.offer(ev);
        }
    }

    private void call(ConntrackListener l, Object ev) {
        try {
            if (ev instanceof ConntrackEvent) {
                l.onEvent((ConntrackEvent) ev);
            } else {
                l.onExpectationEvent((ExpectationEvent) ev);
            }
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            log.warn("event listener " + l + " failed", e);
        }
    }

    /** A listener, synchronous for {@code capacity} 0, else with a queue of {@code capacity} events. */
    synchronized Registration add(ConntrackListener l, int capacity) {
        Entry e = new Entry(l, capacity, engineName);
        Entry[] n = Arrays.copyOf(entries, entries.length + 1);
        n[n.length - 1] = e;
        entries = n;
        return () -> remove(e);
    }

    private void remove(Entry e) {
        synchronized (this) {
            entries = Arrays.stream(entries).filter(x -> x != e).toArray(Entry[]::new);
        }
        e.stop();
    }

    void close() {
        Entry[] all;
        synchronized (this) {
            all = entries;
            entries = NONE;
        }
        for (Entry e : all) {
            e.stop();
        }
    }
}
