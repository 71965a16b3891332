package org.conntrack4j.proto.sctp;

import java.util.List;
import org.conntrack4j.core.api.SettingKey;

/**
 * The SCTP sysctls ({@code net.netfilter.nf_conntrack_sctp_timeout_*}) with the kernel's names and defaults, in
 * seconds. Each engine keeps its own values; the tracker reads them on every packet. Linux 6.18 has no
 * {@code heartbeat_acked} sysctl any more (that state is no longer reached).
 */
final class SctpSettings {
    static final SettingKey TIMEOUT_CLOSED = SettingKey.seconds("nf_conntrack_sctp_timeout_closed", 10,
        "SCTP timeout after an INIT, a SHUTDOWN COMPLETE or an ABORT");
    static final SettingKey TIMEOUT_COOKIE_WAIT = SettingKey.seconds("nf_conntrack_sctp_timeout_cookie_wait", 3,
        "SCTP timeout after the INIT ACK");
    static final SettingKey TIMEOUT_COOKIE_ECHOED = SettingKey.seconds("nf_conntrack_sctp_timeout_cookie_echoed", 3,
        "SCTP timeout after the COOKIE ECHO");
    static final SettingKey TIMEOUT_ESTABLISHED = SettingKey.seconds("nf_conntrack_sctp_timeout_established", 210,
        "SCTP timeout of an established association");
    static final SettingKey TIMEOUT_SHUTDOWN_SENT = SettingKey.seconds("nf_conntrack_sctp_timeout_shutdown_sent", 3,
        "SCTP timeout after a SHUTDOWN from the original side");
    static final SettingKey TIMEOUT_SHUTDOWN_RECD = SettingKey.seconds("nf_conntrack_sctp_timeout_shutdown_recd", 3,
        "SCTP timeout after a SHUTDOWN from the reply side");
    static final SettingKey TIMEOUT_SHUTDOWN_ACK_SENT = SettingKey.seconds(
        "nf_conntrack_sctp_timeout_shutdown_ack_sent", 3, "SCTP timeout after the SHUTDOWN ACK");
    static final SettingKey TIMEOUT_HEARTBEAT_SENT = SettingKey.seconds("nf_conntrack_sctp_timeout_heartbeat_sent",
        30, "SCTP timeout of a path opened by a HEARTBEAT, until it is answered");

    /**
     * Timeout keys by state number. NONE uses CLOSED's (Linux's {@code timeouts[0]}); the unused
     * HEARTBEAT_ACKED slot too.
     */
    private static final SettingKey[] BY_STATE = {TIMEOUT_CLOSED, TIMEOUT_CLOSED, TIMEOUT_COOKIE_WAIT,
        TIMEOUT_COOKIE_ECHOED, TIMEOUT_ESTABLISHED, TIMEOUT_SHUTDOWN_SENT, TIMEOUT_SHUTDOWN_RECD,
        TIMEOUT_SHUTDOWN_ACK_SENT, TIMEOUT_HEARTBEAT_SENT, TIMEOUT_CLOSED};

    static final List<SettingKey> ALL = List.of(TIMEOUT_CLOSED, TIMEOUT_COOKIE_WAIT, TIMEOUT_COOKIE_ECHOED,
        TIMEOUT_ESTABLISHED, TIMEOUT_SHUTDOWN_SENT, TIMEOUT_SHUTDOWN_RECD, TIMEOUT_SHUTDOWN_ACK_SENT,
        TIMEOUT_HEARTBEAT_SENT);

    private SctpSettings() {
    }

    /** The key of a state's timeout. */
    static SettingKey timeoutKey(int state) {
        return BY_STATE[state];
    }
}
