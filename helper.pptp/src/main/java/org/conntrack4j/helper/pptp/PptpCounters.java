package org.conntrack4j.helper.pptp;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the helper passed without reading it, and what it could not do: Linux only notes these in its debug log
 * ({@code pr_debug}). Shared by every engine the helper serves; counted without locks.
 */
final class PptpCounters {
    /** Not a PPTP control message: another packet type or a wrong magic cookie. */
    final LongAdder notControl = new LongAdder();
    /** Shorter than its message type's fixed part (or than the control header). */
    final LongAdder tooShort = new LongAdder();
    /** An unknown message type, or one not valid in the session's direction and state, or naming another call. */
    final LongAdder invalid = new LongAdder();
    /** The call's GRE could not be expected: an expectation refused (limit, clash) or the key map refused. */
    final LongAdder expectFailed = new LongAdder();
    /** A call ID could not be rewritten behind NAT: the segment was dropped. */
    final LongAdder mangleFailed = new LongAdder();

    Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("not_control", notControl.sum());
        m.put("too_short", tooShort.sum());
        m.put("invalid", invalid.sum());
        m.put("expect_failed", expectFailed.sum());
        m.put("mangle_failed", mangleFailed.sum());
        return m;
    }
}
