package org.conntrack4j.proto.tcp;

import java.util.List;
import org.conntrack4j.core.api.SettingKey;

/**
 * The TCP sysctls ({@code net.netfilter.nf_conntrack_tcp_*}) with the kernel's names, defaults and ranges.
 * Timeouts are in seconds. Each engine keeps its own values; the tracker reads them on every packet, so a
 * change applies to the next packet.
 */
final class TcpSettings {
    static final SettingKey LOOSE = SettingKey.of("nf_conntrack_tcp_loose", 1, 0, 1,
        "pick up connections already in progress (1) or track only those seen from their SYN (0)");
    static final SettingKey BE_LIBERAL = SettingKey.of("nf_conntrack_tcp_be_liberal", 0, 0, 1,
        "1: only out-of-window RSTs are invalid, other out-of-window packets pass");
    static final SettingKey MAX_RETRANS = SettingKey.of("nf_conntrack_tcp_max_retrans", 3, 0, 255,
        "identical retransmissions without an acceptable ACK before the max_retrans timeout applies");
    static final SettingKey IGNORE_INVALID_RST = SettingKey.of("nf_conntrack_tcp_ignore_invalid_rst", 0, 0, 1,
        "1: do not mark RSTs with an old sequence number invalid");

    static final SettingKey TIMEOUT_SYN_SENT = SettingKey.seconds("nf_conntrack_tcp_timeout_syn_sent", 120,
        "TCP timeout after a SYN");
    static final SettingKey TIMEOUT_SYN_RECV = SettingKey.seconds("nf_conntrack_tcp_timeout_syn_recv", 60,
        "TCP timeout after a SYN/ACK");
    static final SettingKey TIMEOUT_ESTABLISHED = SettingKey.seconds("nf_conntrack_tcp_timeout_established", 432000,
        "TCP timeout of an established connection");
    static final SettingKey TIMEOUT_FIN_WAIT = SettingKey.seconds("nf_conntrack_tcp_timeout_fin_wait", 120,
        "TCP timeout after the first FIN");
    static final SettingKey TIMEOUT_CLOSE_WAIT = SettingKey.seconds("nf_conntrack_tcp_timeout_close_wait", 60,
        "TCP timeout after the first FIN was acknowledged");
    static final SettingKey TIMEOUT_LAST_ACK = SettingKey.seconds("nf_conntrack_tcp_timeout_last_ack", 30,
        "TCP timeout after FINs in both directions");
    static final SettingKey TIMEOUT_TIME_WAIT = SettingKey.seconds("nf_conntrack_tcp_timeout_time_wait", 120,
        "TCP timeout after the last ACK");
    static final SettingKey TIMEOUT_CLOSE = SettingKey.seconds("nf_conntrack_tcp_timeout_close", 10,
        "TCP timeout after a RST");
    static final SettingKey TIMEOUT_MAX_RETRANS = SettingKey.seconds("nf_conntrack_tcp_timeout_max_retrans", 300,
        "TCP timeout once max_retrans retransmissions were seen, or the receiver's window is zero");
    static final SettingKey TIMEOUT_UNACKNOWLEDGED = SettingKey.seconds("nf_conntrack_tcp_timeout_unacknowledged",
        300, "TCP timeout while data is unacknowledged, and of connections not replied to yet");

    /**
     * SYN_SENT2 has no sysctl in Linux: its timeout stays at the built-in two minutes unless a timeout policy names
     * it. A key all the same, so that a policy can ({@code syn_sent2}); not among the settings listed.
     */
    static final SettingKey TIMEOUT_SYN_SENT2 = SettingKey.seconds("nf_conntrack_tcp_timeout_syn_sent2", 120,
        "TCP timeout in SYN_SENT2 (simultaneous open); no sysctl, timeout policies only");

    /** Timeout keys by state number; NONE uses SYN_SENT's, as Linux's {@code timeouts[0]}. */
    private static final SettingKey[] BY_STATE = {TIMEOUT_SYN_SENT, TIMEOUT_SYN_SENT, TIMEOUT_SYN_RECV,
        TIMEOUT_ESTABLISHED, TIMEOUT_FIN_WAIT, TIMEOUT_CLOSE_WAIT, TIMEOUT_LAST_ACK, TIMEOUT_TIME_WAIT, TIMEOUT_CLOSE,
        TIMEOUT_SYN_SENT2};

    static final List<SettingKey> ALL = List.of(LOOSE, BE_LIBERAL, MAX_RETRANS, IGNORE_INVALID_RST, TIMEOUT_SYN_SENT,
        TIMEOUT_SYN_RECV, TIMEOUT_ESTABLISHED, TIMEOUT_FIN_WAIT, TIMEOUT_CLOSE_WAIT, TIMEOUT_LAST_ACK,
        TIMEOUT_TIME_WAIT, TIMEOUT_CLOSE, TIMEOUT_MAX_RETRANS, TIMEOUT_UNACKNOWLEDGED);

    private TcpSettings() {
    }

    /** The key of a state's timeout. */
    static SettingKey timeoutKey(int state) {
        return BY_STATE[state];
    }
}
