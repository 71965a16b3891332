package org.conntrack4j.replay.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Normalised lines of conntrack's text output, as compare.py reads them: events without their timestamp and
 * {@code id=}; table lines without the timeout column, {@code use=} and {@code id=}, sorted.
 */
final class ConntrackLines {
    private static final String S = PyText.SPACE;
    private static final String NS = PyText.NON_SPACE;
    private static final String D = PyText.DIGIT;
    private static final Pattern EVENT_TIMESTAMP = Pattern.compile("^\\[[0-9. ]+\\]" + S + "*");
    private static final Pattern ID_FIELD = Pattern.compile(S + "+id=" + D + "+");
    private static final Pattern USE_FIELD = Pattern.compile(S + "+use=" + D + "+");
    /** "ipv4 2 tcp 6 TIMEOUT ..." : the fifth column is the remaining timeout, which is not compared. */
    private static final Pattern TABLE_TIMEOUT =
            Pattern.compile("^(ipv[46]" + S + "+" + D + "+" + S + "+" + NS + "+" + S + "+" + D + "+)" + S + "+" + D
                    + "+" + S);

    private ConntrackLines() {
    }

    static String normaliseEvent(String line) {
        line = EVENT_TIMESTAMP.matcher(PyText.rstrip(line)).replaceFirst("");
        line = ID_FIELD.matcher(line).replaceAll("");
        return PyText.collapseSpaces(line);
    }

    /** The events of a conntrack -E file, normalised; null when the file does not exist. */
    static List<String> readEvents(Path path) throws IOException {
        if (!Files.exists(path)) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String line : PyText.splitLines(PyText.read(path))) {
            if (!PyText.isBlank(line)) {
                out.add(normaliseEvent(line));
            }
        }
        return out;
    }

    static String normaliseTableLine(String line) {
        line = PyText.collapseSpaces(line);
        line = ID_FIELD.matcher(line).replaceAll("");
        line = USE_FIELD.matcher(line).replaceAll("");
        line = TABLE_TIMEOUT.matcher(line).replaceFirst("$1 ");
        return PyText.collapseSpaces(line);
    }

    /** The entries of a conntrack -L file, normalised and sorted; null when the file does not exist. */
    static List<String> readTable(Path path) throws IOException {
        if (!Files.exists(path)) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String line : PyText.splitLines(PyText.read(path))) {
            if (PyText.isBlank(line) || line.contains("flow entries have been shown")
                    || line.contains("expectations have been shown")) {
                continue;
            }
            out.add(normaliseTableLine(line));
        }
        out.sort(PyText.CODE_POINT_ORDER);
        return out;
    }

    /** The XML elements that change from one moment or run to the next, and are not compared. */
    private static final Pattern XML_VOLATILE = Pattern.compile("<(timeout|use|id|deltatime)>[0-9]+</\\1>");

    /**
     * The flows of a {@code conntrack -L -o xml} file (one {@code <flow>} per line, as conntrack prints them), without
     * their timeout, use, id and delta time, sorted; the document's other lines are left out. Null when the file
     * does not exist.
     */
    static List<String> readXmlFlows(Path path) throws IOException {
        if (!Files.exists(path)) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String line : PyText.splitLines(PyText.read(path))) {
            if (line.startsWith("<flow")) {
                out.add(XML_VOLATILE.matcher(PyText.rstrip(line)).replaceAll(""));
            }
        }
        out.sort(PyText.CODE_POINT_ORDER);
        return out;
    }
}
