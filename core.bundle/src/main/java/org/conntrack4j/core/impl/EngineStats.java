package org.conntrack4j.core.impl;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.conntrack4j.core.api.Stats;

/**
 * The {@code conntrack -S} counters. Each is a LongAdder (striped per thread, summed on read); none is
 * touched on the path of a packet of a known, valid connection.
 */
final class EngineStats implements Stats {
    static final String[] NAMES = {FOUND, INVALID, INSERT, INSERT_FAILED, DROP, EARLY_DROP, ERROR, SEARCH_RESTART,
        CLASH_RESOLVE, CHAINTOOLONG, EXPECT_NEW, EXPECT_CREATE, EXPECT_DELETE};
    static final int I_FOUND = 0;
    static final int I_INVALID = 1;
    static final int I_INSERT = 2;
    static final int I_INSERT_FAILED = 3;
    static final int I_DROP = 4;
    static final int I_EARLY_DROP = 5;
    static final int I_ERROR = 6;
    static final int I_SEARCH_RESTART = 7;
    static final int I_CLASH_RESOLVE = 8;
    static final int I_CHAINTOOLONG = 9;
    static final int I_EXPECT_NEW = 10;
    static final int I_EXPECT_CREATE = 11;
    static final int I_EXPECT_DELETE = 12;

    /**
     * What a reason loses before it is counted: decimal numbers, and words of hexadecimal digits with a decimal
     * digit in them (SCTP's verification tags, IPv6 address groups), so that reasons group.
     */
    private static final Pattern NUMBERS = Pattern.compile("\\s*\\b(?=[0-9a-f]*[0-9])[0-9a-f]+\\b");
    /**
     * Distinct reasons counted one by one; a new reason beyond these is counted under {@link #OTHER_REASONS}, so
     * that crafted packets (tags or addresses without a decimal digit) cannot grow the map without bound.
     */
    static final int MAX_REASONS = 256;
    static final String OTHER_REASONS = "(other reasons)";

    private final LongAdder[] counters = new LongAdder[NAMES.length];
    private final Map<String, LongAdder> reasons = new ConcurrentHashMap<>();
    /** Reasons as given (numbers and all) to their counter in {@link #reasons}; bounded, as hostile input varies them. */
    private final Map<String, LongAdder> byRawReason = new ConcurrentHashMap<>();
    static final int MAX_RAW_REASONS = 1024;
    private final IntSupplier count;
    private final IntSupplier expectCount;
    private final Supplier<Map<String, Long>> defrag;

    EngineStats(IntSupplier count, IntSupplier expectCount, Supplier<Map<String, Long>> defrag) {
        for (int i = 0; i < counters.length; i++) {
            counters[i] = new LongAdder();
        }
        this.count = count;
        this.expectCount = expectCount;
        this.defrag = defrag;
    }

    /** Where {@link #eventsLost} is read: the engine's event sink. */
    private volatile java.util.function.LongSupplier eventsLost = () -> 0;

    void eventsLost(java.util.function.LongSupplier lost) {
        eventsLost = lost;
    }

    @Override
    public long eventsLost() {
        return eventsLost.getAsLong();
    }

    void inc(int i) {
        counters[i].increment();
    }

    void add(int i, long n) {
        counters[i].add(n);
    }

    /** Counts an invalid packet under its reason, numbers removed so that reasons group. */
    void invalidReason(String reason) {
        String raw = reason == null ? "(no reason given)" : reason;
        // most reasons are constant texts: their counter is found by the text as given, without the expression
        LongAdder n = byRawReason.get(raw);
        if (n == null) {
            String key = NUMBERS.matcher(raw).replaceAll("").trim();
            n = reasons.get(key);
            if (n == null) {
                n = reasons.computeIfAbsent(reasons.size() < MAX_REASONS ? key : OTHER_REASONS, k -> new LongAdder());
            }
            if (byRawReason.size() < MAX_RAW_REASONS) {
                byRawReason.putIfAbsent(raw, n);
            }
        }
        n.increment();
    }

    @Override
    public long get(String counter) {
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(counter)) {
                return counters[i].sum();
            }
        }
        throw new IllegalArgumentException("unknown counter " + counter);
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < NAMES.length; i++) {
            m.put(NAMES[i], counters[i].sum());
        }
        return m;
    }

    @Override
    public Map<String, Long> invalidByReason() {
        Map<String, Long> m = new TreeMap<>();
        reasons.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    @Override
    public int count() {
        return count.getAsInt();
    }

    @Override
    public int expectCount() {
        return expectCount.getAsInt();
    }

    @Override
    public Map<String, Long> defrag() {
        return defrag.get();
    }
}
