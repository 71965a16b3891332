package org.conntrack4j.rules.eval;

import java.util.function.LongFunction;
import org.conntrack4j.core.api.Conntrack;

/**
 * A named set of addresses that rules fill from the packet path ({@code nft_dynset} on a hash set): elements keyed by
 * a 128-bit address (an IPv4 one in the low word), each holding its own {@code ct count} when the rule gives one. At
 * most {@code size} elements; when full, the elements whose count dropped to nothing are removed first (Linux's set
 * garbage collection does that in the background, every second), and an address that finds no room ends the rule.
 *
 * <p>Open addressing with linear probing, so that finding an element allocates nothing. Guarded by its monitor.
 */
final class DynamicSet {
    /** One element: its count, or null when the rule that added it counts nothing. */
    static final class Element {
        final ConnCount count;

        Element(ConnCount count) {
            this.count = count;
        }
    }

    private final String name;
    private final long size;
    private long[] hi = new long[16];
    private long[] lo = new long[16];
    private Element[] values = new Element[16];
    private int n;

    DynamicSet(String name, long size) {
        this.name = name;
        this.size = size;
    }

    /** The element of the address, added if absent (made by {@code make}); null when the set is full. */
    synchronized Element findOrAdd(Conntrack net, long keyHi, long keyLo, LongFunction<Element> make) {
        int i = slot(keyHi, keyLo);
        if (values[i] != null) {
            return values[i];
        }
        if (n >= size) {
            collect(net);
            if (n >= size) {
                return null;
            }
            i = slot(keyHi, keyLo);
        }
        if (2 * (n + 1) > values.length) {
            grow();
            i = slot(keyHi, keyLo);
        }
        Element e = make.apply(net.now());
        hi[i] = keyHi;
        lo[i] = keyLo;
        values[i] = e;
        n++;
        return e;
    }

    synchronized int size() {
        return n;
    }

    /** Removes the elements whose count is empty once collected ({@code nft_rhash_gc} with {@code nft_connlimit_gc}). */
    private void collect(Conntrack net) {
        for (int i = 0; i < values.length; i++) {
            Element e = values[i];
            while (e != null && e.count != null && e.count.gc(net)) {
                remove(i);
                e = values[i];
            }
        }
    }

    private int slot(long keyHi, long keyLo) {
        int mask = values.length - 1;
        int i = hash(keyHi, keyLo) & mask;
        while (values[i] != null && (hi[i] != keyHi || lo[i] != keyLo)) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private static int hash(long h, long l) {
        long x = (l * 0x9E3779B97F4A7C15L) ^ (h * 0xC2B2AE3D27D4EB4FL);
        return (int) (x ^ x >>> 29);
    }

    /** Backward-shift deletion: the slots after a removed one move up so probing still finds them. */
    private void remove(int i) {
        int mask = values.length - 1;
        values[i] = null;
        n--;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (values[j] == null) {
                return;
            }
            int home = hash(hi[j], lo[j]) & mask;
            boolean between = i <= j ? i < home && home <= j : i < home || home <= j;
            if (!between) {
                hi[i] = hi[j];
                lo[i] = lo[j];
                values[i] = values[j];
                values[j] = null;
                i = j;
            }
        }
    }

    private void grow() {
        long[] oh = hi;
        long[] ol = lo;
        Element[] ov = values;
        hi = new long[ov.length * 2];
        lo = new long[ov.length * 2];
        values = new Element[ov.length * 2];
        for (int k = 0; k < ov.length; k++) {
            if (ov[k] != null) {
                int i = slot(oh[k], ol[k]);
                hi[i] = oh[k];
                lo[i] = ol[k];
                values[i] = ov[k];
            }
        }
    }

    @Override
    public String toString() {
        return "set " + name;
    }
}
