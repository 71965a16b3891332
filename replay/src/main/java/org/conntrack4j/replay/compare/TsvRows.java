package org.conntrack4j.replay.compare;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A tab-separated file with a header line, as compare.py's read_tsv reads it: one map per non-blank row. */
final class TsvRows {
    private TsvRows() {
    }

    /**
     * Rows keyed by the header's column names; a short row lacks the last columns, extra cells are dropped, and a
     * repeated column name keeps the rightmost cell.
     */
    static List<Map<String, String>> read(Path path) throws IOException {
        List<Map<String, String>> rows = new ArrayList<>();
        List<String> lines = PyText.splitLines(PyText.read(path));
        if (lines.isEmpty()) {
            return rows;
        }
        String[] head = lines.get(0).split("\t", -1);
        for (String line : lines.subList(1, lines.size())) {
            if (PyText.isBlank(line)) {
                continue;
            }
            String[] cells = line.split("\t", -1);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < Math.min(head.length, cells.length); i++) {
                row.put(head[i], cells[i]);
            }
            rows.add(row);
        }
        return rows;
    }
}
