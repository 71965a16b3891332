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
 * epoch (volatile) and the slot list (guarded by {@code slots}' monitor).
 */
final class Rcu {
    static final class Slot {
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Slot.class, "state", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private volatile long state;
        private int depth;
        final Thread owner = Thread.currentThread();
    }

    private final ThreadLocal<Slot> local = ThreadLocal.withInitial(this::register);
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
        Slot s = local.get();
        if (s.depth++ == 0) {
            s.state = epoch;
        }
        return s;
    }

    void exit(Slot s) {
        if (--s.depth == 0) {
            Slot.STATE.setRelease(s, 0L);
        }
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
                if (st == 0 || st >= e || !s.owner.isAlive()) {
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
