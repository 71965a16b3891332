package org.conntrack4j.replay.compare;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The score of one part of a comparison (verdicts, reasons, events, expect, table, egress, renamed_nat_ports):
 * how many kernel items the replay agrees with out of how many, how many items the replay produced where that
 * counts, and the first disagreement.
 */
public final class PartResult {
    private final String name;
    private final int agree;
    private final int total;
    private final int got;
    private final String firstMismatch;
    private final Map<String, Object> details;

    /**
     * @param got the replay's item count, or -1 for parts where only agreement counts
     * @param details compare.py's other fields of the part, in its order, for rendering
     */
    PartResult(String name, int agree, int total, int got, String firstMismatch, Map<String, Object> details) {
        this.name = name;
        this.agree = agree;
        this.total = total;
        this.got = got;
        this.firstMismatch = firstMismatch;
        this.details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    public String name() {
        return name;
    }

    /** Kernel items the replay matched. */
    public int agree() {
        return agree;
    }

    /** Kernel items. */
    public int total() {
        return total;
    }

    /** Whether the replay's own item count is part of the score (events, expect, table, egress). */
    public boolean hasGot() {
        return got >= 0;
    }

    /** The replay's item count, or -1 when {@link #hasGot()} is false. */
    public int got() {
        return got;
    }

    /** A short text on the first disagreement, or null when there is none. */
    public String firstMismatch() {
        return firstMismatch;
    }

    /** compare.py's fields of this part other than agree and total, in its order (values: String, Integer,
     * List, Map or null). */
    public Map<String, Object> details() {
        return details;
    }

    /**
     * True when every kernel item is matched and the replay produced no more and no fewer. A replay capture that
     * could not be read to its end is never complete (the port's addition: compare.py has no such case).
     */
    public boolean complete() {
        return agree == total && (got < 0 || got == total) && !details.containsKey(EgressComparison.CAPTURE_ERROR);
    }

    /** One line as compare.py prints it: name, agree/total, and the other fields as JSON when incomplete. */
    public String render() {
        return String.format("%-8s %d/%d%s", name, agree, total, complete() ? "" : "  " + PyJson.dumps(details));
    }

    /** The part as compare.py's --json output holds it. */
    Map<String, Object> asMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("agree", agree);
        map.put("total", total);
        map.putAll(details);
        return map;
    }

    @Override
    public String toString() {
        return render();
    }
}
