package org.conntrack4j.core.api;

import java.util.List;

/**
 * The core's own settings with the kernel's defaults: Linux's {@code net.netfilter.nf_conntrack_*} sysctls, and
 * the limits of the defragmentation that runs before conntrack. IPv4 reassembly is configured in Linux by
 * {@code net.ipv4.ipfrag_*} (shared with the host's own reassembly); those keys are named without the
 * {@code net.ipv4.} prefix ({@code ipfrag_time}), and {@link Settings#key} accepts the prefixed name too.
 * IPv6 conntrack reassembly has its own {@code net.netfilter.nf_conntrack_frag6_*} sysctls.
 */
public final class CoreSettings {
    public static final SettingKey MAX = SettingKey.of("nf_conntrack_max", 262144, 0, Integer.MAX_VALUE,
        "maximum number of connections (0: no limit); new ones beyond it early-drop unassured ones or are dropped");
    public static final SettingKey BUCKETS = SettingKey.of("nf_conntrack_buckets", 262144, 16, 1 << 26,
        "hash table size");
    public static final SettingKey EXPECT_MAX = SettingKey.of("nf_conntrack_expect_max", 4096, 1, Integer.MAX_VALUE,
        "maximum number of expectations");
    public static final SettingKey CHECKSUM = SettingKey.of("nf_conntrack_checksum", 1, 0, 1,
        "verify L4 checksums of incoming packets");
    public static final SettingKey LOG_INVALID = SettingKey.of("nf_conntrack_log_invalid", 0, 0, 255,
        "log why packets are invalid: a protocol number, or 255 for all");
    public static final SettingKey EVENTS = SettingKey.of("nf_conntrack_events", 2, 0, 2,
        "connection events: 0 off, 1 on, 2 when someone listens");
    public static final SettingKey ACCT = SettingKey.of("nf_conntrack_acct", 0, 0, 1,
        "per-connection packet and byte counters");
    public static final SettingKey TIMESTAMP = SettingKey.of("nf_conntrack_timestamp", 0, 0, 1,
        "connection start and stop timestamps (accepted, not shown)");
    public static final SettingKey GENERIC_TIMEOUT = SettingKey.seconds("nf_conntrack_generic_timeout", 600,
        "timeout of connections of protocols without a tracker");

    /** IPv4 reassembly memory (bytes) above which no fragment is queued any more ({@code ipfrag_high_thresh}). */
    public static final SettingKey IPFRAG_HIGH_THRESH = SettingKey.of("ipfrag_high_thresh", 4194304, 0,
        Integer.MAX_VALUE, "IPv4 reassembly memory in bytes above which fragments are refused until queues expire");
    /**
     * {@code ipfrag_low_thresh}: accepted and kept for compatibility; since Linux 4.17 nothing evicts queues down
     * to it (memory above the high threshold refuses new fragments, and queues leave by completion or timeout).
     */
    public static final SettingKey IPFRAG_LOW_THRESH = SettingKey.of("ipfrag_low_thresh", 3145728, 0,
        Integer.MAX_VALUE, "IPv4 reassembly low threshold (obsolete in Linux since 4.17; not used)");
    /** Seconds an incomplete IPv4 datagram is kept ({@code ipfrag_time}). */
    public static final SettingKey IPFRAG_TIME = SettingKey.seconds("ipfrag_time", 30,
        "seconds an incomplete IPv4 datagram is kept");
    /**
     * {@code ipfrag_max_dist}: an incomplete IPv4 datagram that has seen more than this many fragments from the
     * same source (for other datagrams) since its own last one is restarted; 0 disables the check.
     */
    public static final SettingKey IPFRAG_MAX_DIST = SettingKey.of("ipfrag_max_dist", 64, 0, Integer.MAX_VALUE,
        "fragments of other datagrams from the same source after which an incomplete IPv4 datagram is restarted");
    /** IPv6 conntrack reassembly memory above which no fragment is queued ({@code nf_conntrack_frag6_high_thresh}). */
    public static final SettingKey FRAG6_HIGH_THRESH = SettingKey.of("nf_conntrack_frag6_high_thresh", 4194304, 0,
        Integer.MAX_VALUE, "IPv6 reassembly memory in bytes above which fragments are dropped until queues expire");
    /** {@code nf_conntrack_frag6_low_thresh}: accepted, not used (as in Linux since 4.17). */
    public static final SettingKey FRAG6_LOW_THRESH = SettingKey.of("nf_conntrack_frag6_low_thresh", 3145728, 0,
        Integer.MAX_VALUE, "IPv6 reassembly low threshold (obsolete in Linux since 4.17; not used)");
    /** Seconds an incomplete IPv6 datagram is kept ({@code nf_conntrack_frag6_timeout}). */
    public static final SettingKey FRAG6_TIMEOUT = SettingKey.seconds("nf_conntrack_frag6_timeout", 60,
        "seconds an incomplete IPv6 datagram is kept");

    /** Read-only kernel values that appear in sysctl dumps; setting them is ignored. */
    public static final List<String> READ_ONLY = List.of("nf_conntrack_count");

    public static final List<SettingKey> ALL = List.of(MAX, BUCKETS, EXPECT_MAX, CHECKSUM, LOG_INVALID, EVENTS, ACCT,
        TIMESTAMP, GENERIC_TIMEOUT, IPFRAG_HIGH_THRESH, IPFRAG_LOW_THRESH, IPFRAG_TIME, IPFRAG_MAX_DIST, FRAG6_HIGH_THRESH,
        FRAG6_LOW_THRESH, FRAG6_TIMEOUT);

    private CoreSettings() {
    }
}
