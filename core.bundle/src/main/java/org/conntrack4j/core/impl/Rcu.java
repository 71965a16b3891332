package org.conntrack4j.core.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A grace-period mechanism, the Java form of Linux's {@code synchronize_rcu}: packet processing runs inside
 * read sections ({@link #enter}/{@link #exit}, cheap, no shared writes); a writer that removed something
 * from a published snapshot calls {@link #synchronize} to wait until every read section that might still
 * use the old snapshot has ended, then cleans up.
 *
 * <p>Each thread owns a slot holding the epoch at which its current read section began (0 when outside).
 * {@code synchronize} advances the epoch and waits for the slots holding an older one. Shared state: the
 * epoch (volatile, advanced under this object's monitor), the slot list (guarded by {@code slots}' monitor; both
 * monitors are leaves of the lock order) and the slots by thread id ({@code byThread}: written and read without a
 * lock, which is safe because a thread uses an entry only if it is its own slot, whose owner's id is a final
 * field).
 * A read section is also where a packet's events wait to be delivered (see {@link Slot#defer}).
 */
final class Rcu {
    /*
     * A slot's two fields written by every read section (state and depth) sit between 128 bytes of padding on
     * each side, so that no other object shares their cache line (nor the adjacent line the prefetcher pairs with
     * it): the collector packs long-lived objects together, and two threads' slots next to each other would bounce
     * one line between the cores on every packet. HotSpot lays a superclass's fields out before its subclass's,
     * which is what keeps the padding in place (@Contended is not available to bundles).
     */
    abstract static class SlotPadBefore {
        long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
    }

    abstract static class SlotHot extends SlotPadBefore {
        volatile long state;
        int depth;
    }

    abstract static class SlotPadAfter extends SlotHot {
        long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;
    }

    static final class Slot extends SlotPadAfter {
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(SlotHot.class, "state", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /**
         * The owning thread, weakly: the slots by thread id may keep a dead thread's slot, which must not keep the
         * thread (and its context class loader, perhaps a departed bundle's) reachable. Its id, unique for the
         * life of the JVM, is what {@link #enter} compares.
         */
        private final WeakReference<Thread> owner = new WeakReference<>(Thread.currentThread());
        final long ownerId = Thread.currentThread().getId();

        /** Is the owning thread gone? */
        boolean ownerDead() {
            Thread t = owner.get();
            return t == null || !t.isAlive();
        }
        /**
         * Events raised inside the thread's outermost read section, each after the sink it goes to, delivered when
         * that section ends ({@link #exit}): the thread holds no engine lock then, and no lock a hook function took
         * inside the section. Owner thread only.
         */
        private Object[] pending = new Object[8];
        private int pendingCount;

        /** Is the thread inside a read section (events are to be deferred)? */
        boolean deferring() {
            return depth > 0 || delivering;
        }

        void defer(EventSink sink, Object event) {
            if (pendingCount + 2 > pending.length) {
                pending = java.util.Arrays.copyOf(pending, pending.length * 2);
            }
            pending[pendingCount++] = sink;
            pending[pendingCount++] = event;
        }

        private Object[] spare;
        /** Inside {@link #deliverPending}: a listener's own packets leave their events to this loop. */
        private boolean delivering;

        private void deliverPending() {
            if (delivering) {
                return;
            }
            delivering = true;
            try {
                deliverBatches();
            } finally {
                delivering = false;
            }
        }

        private void deliverBatches() {
            // A listener may raise events itself (calling into an engine): those go to a fresh batch, delivered by
            // this loop after the current one, so that the thread's order is kept.
            while (pendingCount != 0) {
                Object[] batch = pending;
                int n = pendingCount;
                pending = spare != null ? spare : new Object[8];
                spare = null;
                pendingCount = 0;
                for (int i = 0; i < n; i += 2) {
                    EventSink sink = (EventSink) batch[i];
                    Object ev = batch[i + 1];
                    batch[i] = null;
                    batch[i + 1] = null;
                    sink.deliverNow(ev);
                }
                spare = batch.length <= 64 ? batch : null;
            }
        }
    }

    private final ThreadLocal<Slot> local = ThreadLocal.withInitial(this::register);
    /**
     * Slots by thread id, so that {@link #enter} (twice per packet) finds its own with an array load and an identity
     * test instead of a thread-local map lookup. Each entry is written once for a thread, on its first section,
     * when free or held by a thread that died (a collision of two live threads leaves the later on the thread-local
     * path): the array stays read-mostly, shared by the cores without bouncing. Holds at most {@link #CACHED}
     * slots of dead threads until their entries are reused.
     */
    private static final int CACHED = 256;
    private final Slot[] byThread = new Slot[CACHED];
    private final List<WeakReference<Slot>> slots = new ArrayList<>();
    private volatile long epoch = 1;

    private Slot register() {
        Slot s = new Slot();
        synchronized (slots) {
            slots.add(new WeakReference<>(s));
        }
        return s;
    }

    /** Begins a read section (nestable); pass the result to {@link #exit}. */
    Slot enter() {
        Thread t = Thread.currentThread();
        Slot s = byThread[(int) t.getId() & (CACHED - 1)];
        if (s == null || s.ownerId != t.getId()) {
            s = slowSlot(t);
        }
        if (s.depth++ == 0) {
            s.state = epoch;
        }
        return s;
    }

    /** The calling thread's slot from the thread-local, cached by thread id when its entry is free. */
    private Slot slowSlot(Thread t) {
        Slot s = local.get();
        int i = (int) t.getId() & (CACHED - 1);
        Slot c = byThread[i];
        if (c == null || c.ownerDead()) {
            // a plain write: a thread that reads a stale entry takes this path again
            byThread[i] = s;
        }
        return s;
    }

    /** Ends a read section; the outermost one also delivers the events deferred inside it. */
    void exit(Slot s) {
        if (--s.depth == 0) {
            Slot.STATE.setRelease(s, 0L);
            if (s.pendingCount != 0) {
                s.deliverPending();
            }
        }
    }

    /** The calling thread's slot (for deferring events). */
    Slot current() {
        return local.get();
    }

    /** Is the calling thread inside a read section? */
    boolean inReadSection() {
        return local.get().depth > 0;
    }

    /**
     * Waits until every read section that began before this call has ended. Called from inside a read
     * section, it does not wait for the caller's own.
     */
    void synchronize() {
        long e;
        synchronized (this) {
            e = ++epoch;
        }
        Slot self = local.get();
        List<Slot> waiting = new ArrayList<>();
        synchronized (slots) {
            for (Iterator<WeakReference<Slot>> it = slots.iterator(); it.hasNext(); ) {
                Slot s = it.next().get();
                if (s == null) {
                    it.remove();
                } else if (s != self) {
                    waiting.add(s);
                }
            }
        }
        for (Slot s : waiting) {
            int spins = 0;
            while (true) {
                long st = s.state;
                if (st == 0 || st >= e || s.ownerDead()) {
                    break;
                }
                if (++spins < 100) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }
    }
}
