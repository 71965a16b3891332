package org.conntrack4j.core.api;

import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The engine's counters, as {@code conntrack -S} shows them ({@code found invalid insert insert_failed drop
 * early_drop error search_restart clash_resolve chaintoolong}, plus {@code expect_new expect_create
 * expect_delete}), and invalid packets counted per reason. Counted per thread, summed on read.
 */
@ProviderType
public interface Stats {
    String FOUND = "found";
    String INVALID = "invalid";
    String INSERT = "insert";
    String INSERT_FAILED = "insert_failed";
    String DROP = "drop";
    String EARLY_DROP = "early_drop";
    String ERROR = "error";
    String SEARCH_RESTART = "search_restart";
    String CLASH_RESOLVE = "clash_resolve";
    String CHAINTOOLONG = "chaintoolong";
    String EXPECT_NEW = "expect_new";
    String EXPECT_CREATE = "expect_create";
    String EXPECT_DELETE = "expect_delete";

    /** Counter value by name; IllegalArgumentException for an unknown name. */
    long get(String counter);

    /** All counters in {@code conntrack -S} order. */
    Map<String, Long> counters();

    /** Invalid packets by reason (the kernel's log text, numbers removed: "SEQ is over upper bound"). */
    Map<String, Long> invalidByReason();

    /** Current number of connections in the table. */
    int count();

    /** Current number of expectations. */
    int expectCount();

    /**
     * Events dropped because an asynchronous listener's queue was full (ctnetlink's {@code ENOBUFS}), all listeners
     * together, since the engine started. Not part of {@link #counters()}.
     *
     * @since 2.1
     */
    default long eventsLost() {
        return 0;
    }

    /**
     * The counters of the defragmentation that runs before conntrack, per family, with the names of Linux's
     * SNMP counters ({@code nstat}): {@code IpReasmReqds} (fragments received), {@code IpReasmOKs} (datagrams
     * rebuilt), {@code IpReasmFails} (fragments or datagrams given up: overlap, bad length, over the memory
     * limit, timeout, too large), {@code IpReasmTimeout}, {@code IpReasmOverlaps}, plus {@code IpFragDuplicates}
     * (duplicate fragments dropped), {@code IpFragOverLimit} (fragments refused above the high threshold), and
     * the gauges {@code IpFragQueues} and {@code IpFragMemory} (accounted bytes); the same with {@code Ip6} for
     * IPv6. Not part of {@link #counters()}, which stays what {@code conntrack -S} shows.
     */
    default Map<String, Long> defrag() {
        return Map.of();
    }
}
