package org.conntrack4j.replay.compare;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Per ingress packet, matched by idx: the (ct_state, ct_dir) pair, and where the kernel logged why, the same
 * reason text.
 */
final class VerdictComparison {
    private static final Pattern MODULE_PREFIX =
            Pattern.compile("^nf_ct_proto_" + PyText.DIGIT + "+:" + PyText.SPACE + "*");

    private VerdictComparison() {
    }

    /** The replay's rows by idx; a later row with the same idx wins. */
    static Map<String, Map<String, String>> byIdx(List<Map<String, String>> rows) {
        Map<String, Map<String, String>> map = new HashMap<>();
        for (Map<String, String> r : rows) {
            map.put(r.get("idx"), r);
        }
        return map;
    }

    static PartResult verdicts(List<Map<String, String>> kernel, Map<String, Map<String, String>> replay) {
        int agree = 0;
        String first = null;
        for (Map<String, String> r : kernel) {
            Map<String, String> g = replay.get(r.get("idx"));
            boolean same = g != null && Objects.equals(g.get("ct_state"), r.get("ct_state"))
                    && Objects.equals(g.get("ct_dir"), r.get("ct_dir"));
            if (same) {
                agree++;
            } else if (first == null) {
                first = "idx " + PyText.str(r.get("idx")) + ": kernel " + PyText.str(r.get("ct_state")) + "/"
                        + PyText.str(r.get("ct_dir")) + ", got "
                        + (g == null ? "missing" : PyText.str(g.get("ct_state")) + "/" + PyText.str(g.get("ct_dir")));
            }
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("first_mismatch", first);
        return new PartResult("verdicts", agree, kernel.size(), -1, first, details);
    }

    /** The reasons part, or null when the kernel logged no reason in this case. */
    static PartResult reasons(List<Map<String, String>> kernel, Map<String, Map<String, String>> replay) {
        int total = 0;
        int agree = 0;
        String first = null;
        for (Map<String, String> r : kernel) {
            String want = reason(r);
            if (want.equals("-")) {
                continue;
            }
            total++;
            String have = reason(replay.get(r.get("idx")));
            if (have.equals(want)) {
                agree++;
            } else if (first == null) {
                first = "idx " + PyText.str(r.get("idx")) + ": kernel " + PyText.repr(want) + ", got "
                        + PyText.repr(have);
            }
        }
        if (total == 0) {
            return null;
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("first_mismatch", first);
        return new PartResult("reasons", agree, total, -1, first, details);
    }

    /** The row's ct_log_reason (else a reason column, else "-"), stripped, without the nf_ct_proto_N: prefix. */
    static String reason(Map<String, String> row) {
        String r = null;
        if (row != null) {
            r = row.get("ct_log_reason");
            if (r == null || r.isEmpty()) {
                r = row.get("reason");
            }
        }
        if (r == null || r.isEmpty()) {
            r = "-";
        }
        return MODULE_PREFIX.matcher(PyText.strip(r)).replaceFirst("");
    }
}
