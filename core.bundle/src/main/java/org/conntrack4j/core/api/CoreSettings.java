package org.conntrack4j.core.api;

import java.util.List;

/** The core's own settings (Linux's {@code net.netfilter.nf_conntrack_*} sysctls), with the kernel's defaults. */
public final class CoreSettings {
    public static final SettingKey MAX = SettingKey.define("nf_conntrack_max", 262144, 0, Integer.MAX_VALUE,
        "maximum number of connections (0: no limit); new ones beyond it early-drop unassured ones or are dropped");
    public static final SettingKey BUCKETS = SettingKey.define("nf_conntrack_buckets", 262144, 16, 1 << 26,
        "hash table size");
    public static final SettingKey EXPECT_MAX = SettingKey.define("nf_conntrack_expect_max", 4096, 1, Integer.MAX_VALUE,
        "maximum number of expectations");
    public static final SettingKey CHECKSUM = SettingKey.define("nf_conntrack_checksum", 1, 0, 1,
        "verify L4 checksums of incoming packets");
    public static final SettingKey LOG_INVALID = SettingKey.define("nf_conntrack_log_invalid", 0, 0, 255,
        "log why packets are invalid: a protocol number, or 255 for all");
    public static final SettingKey EVENTS = SettingKey.define("nf_conntrack_events", 2, 0, 2,
        "connection events: 0 off, 1 on, 2 when someone listens");
    public static final SettingKey ACCT = SettingKey.define("nf_conntrack_acct", 0, 0, 1,
        "per-connection packet and byte counters");
    public static final SettingKey TIMESTAMP = SettingKey.define("nf_conntrack_timestamp", 0, 0, 1,
        "connection start and stop timestamps (accepted, not shown)");
    public static final SettingKey GENERIC_TIMEOUT = SettingKey.seconds("nf_conntrack_generic_timeout", 600,
        "timeout of connections of protocols without a tracker");

    /** Read-only kernel values that appear in sysctl dumps; setting them is ignored. */
    public static final List<String> READ_ONLY = List.of("nf_conntrack_count");

    public static final List<SettingKey> ALL = List.of(MAX, BUCKETS, EXPECT_MAX, CHECKSUM, LOG_INVALID, EVENTS, ACCT,
        TIMESTAMP, GENERIC_TIMEOUT);

    private CoreSettings() {
    }
}
