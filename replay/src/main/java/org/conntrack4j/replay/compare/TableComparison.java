package org.conntrack4j.replay.compare;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** conntrack -L lines, normalised, compared as multisets: order and duplicates as counts. */
final class TableComparison {
    /** compare.py lists at most this many missing and extra lines. */
    private static final int SHOWN = 3;

    private TableComparison() {
    }

    /**
     * @param kernel the case's lines, normalised and renamed
     * @param replay the replay's normalised lines (empty when it wrote none)
     */
    static PartResult compare(List<String> kernel, List<String> replay) {
        return compare("table", kernel, replay);
    }

    /** As {@link #compare(List, List)}, for the part {@code name}. */
    static PartResult compare(String name, List<String> kernel, List<String> replay) {
        Map<String, Integer> left = counts(kernel);
        Map<String, Integer> right = counts(replay);
        int common = 0;
        for (Map.Entry<String, Integer> e : left.entrySet()) {
            common += Math.min(e.getValue(), right.getOrDefault(e.getKey(), 0));
        }
        List<String> missing = surplus(left, right);
        List<String> extra = surplus(right, left);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("got", replay.size());
        details.put("missing", missing);
        details.put("extra", extra);
        String text = !missing.isEmpty() ? "missing " + missing.get(0)
                : !extra.isEmpty() ? "extra " + extra.get(0) : null;
        return new PartResult(name, common, kernel.size(), replay.size(), text, details);
    }

    private static Map<String, Integer> counts(List<String> lines) {
        Map<String, Integer> map = new HashMap<>();
        for (String line : lines) {
            map.merge(line, 1, Integer::sum);
        }
        return map;
    }

    /** The first few lines (in sorted order, with repeats) that {@code a} holds more often than {@code b}. */
    private static List<String> surplus(Map<String, Integer> a, Map<String, Integer> b) {
        List<String> all = new ArrayList<>();
        for (Map.Entry<String, Integer> e : a.entrySet()) {
            for (int i = b.getOrDefault(e.getKey(), 0); i < e.getValue(); i++) {
                all.add(e.getKey());
            }
        }
        all.sort(PyText.CODE_POINT_ORDER);
        return all.size() > SHOWN ? new ArrayList<>(all.subList(0, SHOWN)) : all;
    }
}
