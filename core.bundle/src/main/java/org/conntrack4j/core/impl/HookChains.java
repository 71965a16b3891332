package org.conntrack4j.core.impl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.spi.HookFunction;

/**
 * The hook chains of one engine, per family and hook ({@code nf_hook_entries}): arrays sorted by priority,
 * then registration order, replaced as a whole on change (copy-on-write under this object's monitor) and
 * read once per traversal.
 */
final class HookChains {
    private static final int MAX_REPEAT = 16;

    static final class Entry {
        final int family;
        final int hook;
        final int priority;
        final HookFunction fn;
        final String owner;
        final long seq;

        Entry(int family, int hook, int priority, HookFunction fn, String owner, long seq) {
            this.family = family;
            this.hook = hook;
            this.priority = priority;
            this.fn = fn;
            this.owner = owner;
            this.seq = seq;
        }
    }

    private static final Entry[] EMPTY = new Entry[0];
    private static final Comparator<Entry> ORDER = Comparator.<Entry>comparingInt(e -> e.priority)
        .thenComparingLong(e -> e.seq);

    private volatile Entry[][] v4 = emptyChains();
    private volatile Entry[][] v6 = emptyChains();
    private final AtomicLong seq = new AtomicLong();
    final AtomicLong exceptions = new AtomicLong();
    private final CoreLog log;

    HookChains(CoreLog log) {
        this.log = log;
    }

    private static Entry[][] emptyChains() {
        Entry[][] c = new Entry[Hook.COUNT][];
        Arrays.fill(c, EMPTY);
        return c;
    }

    /** Adds the function; returns the entries added (one per family). */
    synchronized List<Entry> add(int family, int hook, int priority, HookFunction fn, String owner) {
        if (hook < 0 || hook >= Hook.COUNT) {
            throw new IllegalArgumentException("no hook " + hook);
        }
        List<Entry> added = new ArrayList<>();
        long s = seq.incrementAndGet();
        if (family == Family.IPV4 || family == Family.INET) {
            Entry e = new Entry(Family.IPV4, hook, priority, fn, owner, s);
            v4 = with(v4, e);
            added.add(e);
        }
        if (family == Family.IPV6 || family == Family.INET) {
            Entry e = new Entry(Family.IPV6, hook, priority, fn, owner, s);
            v6 = with(v6, e);
            added.add(e);
        }
        if (added.isEmpty()) {
            throw new IllegalArgumentException("no such family " + family);
        }
        return added;
    }

    synchronized void remove(List<Entry> entries) {
        for (Entry e : entries) {
            if (e.family == Family.IPV4) {
                v4 = without(v4, e);
            } else {
                v6 = without(v6, e);
            }
        }
    }

    private static Entry[][] with(Entry[][] chains, Entry e) {
        Entry[][] c = chains.clone();
        Entry[] n = Arrays.copyOf(c[e.hook], c[e.hook].length + 1);
        n[n.length - 1] = e;
        Arrays.sort(n, ORDER);
        c[e.hook] = n;
        return c;
    }

    private static Entry[][] without(Entry[][] chains, Entry e) {
        Entry[][] c = chains.clone();
        c[e.hook] = Arrays.stream(c[e.hook]).filter(x -> x != e).toArray(Entry[]::new);
        return c;
    }

    /** {@code nf_hook_slow}: runs the chain; returns the final verdict. */
    int run(int hook, Packet p) {
        Entry[] chain = (p.family == Family.IPV6 ? v6 : v4)[hook];
        p.verdictBy = null;
        for (int i = 0; i < chain.length; i++) {
            int v;
            int repeats = 0;
            do {
                try {
                    v = chain[i].fn.hook(p);
                } catch (RuntimeException | StackOverflowError e) {
                    // A plug-in bug must not escape the packet path: the packet is dropped and counted.
                    exceptions.incrementAndGet();
                    log.warn("hook function of " + chain[i].owner + " failed; packet dropped", e);
                    p.verdictBy = chain[i].owner;
                    return Verdict.DROP;
                }
            } while ((v & 0xff) == Verdict.REPEAT && ++repeats < MAX_REPEAT);
            switch (v & 0xff) {
                case Verdict.ACCEPT:
                case Verdict.REPEAT:
                    break;
                case Verdict.STOP:
                    return Verdict.ACCEPT;
                default:
                    // who decided, for whoever reports the packet's fate: the function's own account, else its owner
                    if (p.verdictBy == null) {
                        p.verdictBy = chain[i].owner;
                    }
                    return v & 0xff;
            }
        }
        return Verdict.ACCEPT;
    }

    List<String> describe(int family) {
        Entry[][] chains = family == Family.IPV6 ? v6 : v4;
        List<String> out = new ArrayList<>();
        for (int h = 0; h < Hook.COUNT; h++) {
            for (Entry e : chains[h]) {
                out.add(Hook.name(h) + " " + prio(e.priority) + " " + e.owner);
            }
        }
        return out;
    }

    private static String prio(int p) {
        return p == Integer.MAX_VALUE ? "max" : p == Integer.MIN_VALUE ? "min" : Integer.toString(p);
    }
}
