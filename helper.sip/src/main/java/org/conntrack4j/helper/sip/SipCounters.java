package org.conntrack4j.helper.sip;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the helper dropped, and why: Linux logs these ({@code nf_ct_helper_log}) and counts nothing; the reason also
 * goes with the packet ({@code Packet.reason}). Shared by every engine the helper serves; counted without locks.
 */
final class SipCounters {
    /** A request or response without a readable CSeq, or a response without a status code. */
    final LongAdder badMessage = new LongAdder();
    /** A Contact, an {@code expires=} or an SDP body that could not be read. */
    final LongAdder badBody = new LongAdder();
    /** A media port outside 1024..65535. */
    final LongAdder badPort = new LongAdder();
    /** An expectation refused (table full, clash, limit) or no free port behind NAT. */
    final LongAdder expectFailed = new LongAdder();
    /** A rewrite behind NAT that failed (the packet would exceed its maximum size). */
    final LongAdder mangleFailed = new LongAdder();

    Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("bad_message", badMessage.sum());
        m.put("bad_body", badBody.sum());
        m.put("bad_port", badPort.sum());
        m.put("expect_failed", expectFailed.sum());
        m.put("mangle_failed", mangleFailed.sum());
        return m;
    }
}
