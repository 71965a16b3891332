package org.conntrack4j.replay.compare;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The scores of one replay against one kernel case, part by part, in compare.py's order. */
public final class ComparisonResult {
    private final List<PartResult> parts;

    ComparisonResult(List<PartResult> parts) {
        this.parts = Collections.unmodifiableList(parts);
    }

    /** The parts the case has: verdicts always; reasons, events, expect, table, egress, renamed_nat_ports when
     * they apply. */
    public List<PartResult> parts() {
        return parts;
    }

    /** The part called {@code name}, or null when the case has no such part. */
    public PartResult part(String name) {
        for (PartResult p : parts) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** True only when every part agrees completely. */
    public boolean ok() {
        return parts.stream().allMatch(PartResult::complete);
    }

    /** One line per part, as compare.py prints without --json. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        for (PartResult p : parts) {
            sb.append(p.render()).append('\n');
        }
        return sb.toString();
    }

    /** The same text as {@code compare.py --json} prints, for diffing the port against the reference. */
    public String toJson() {
        Map<String, Object> all = new LinkedHashMap<>();
        Map<String, Object> byName = new LinkedHashMap<>();
        for (PartResult p : parts) {
            byName.put(p.name(), p.asMap());
        }
        all.put("ok", ok());
        all.put("parts", byName);
        return PyJson.dumps(all);
    }

    @Override
    public String toString() {
        return render();
    }
}
