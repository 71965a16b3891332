package org.conntrack4j.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One metric family as Prometheus names it: a name ({@code conntrack4j_...}, counters ending in {@code _total}), a
 * type, a help line and its samples, each a set of labels and a value. Built while collecting, read by the text
 * exposition and the MBean.
 */
final class Family {
    enum Type {
        COUNTER, GAUGE;

        String text() {
            return this == COUNTER ? "counter" : "gauge";
        }
    }

    /** One sample: labels (name to value, in order) and its value. */
    record Sample(Map<String, String> labels, long value) {
    }

    final String name;
    final Type type;
    final String help;
    private final List<Sample> samples = new ArrayList<>();

    Family(String name, Type type, String help) {
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("not a metric name: " + name);
        }
        this.name = name;
        this.type = type;
        this.help = help;
    }

    /** Adds a sample; {@code labels} are name, value, name, value... */
    Family add(long value, String... labels) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < labels.length; i += 2) {
            m.put(labels[i], labels[i + 1]);
        }
        samples.add(new Sample(Collections.unmodifiableMap(m), value));
        return this;
    }

    Family add(Sample s) {
        samples.add(s);
        return this;
    }

    List<Sample> samples() {
        return Collections.unmodifiableList(samples);
    }

    /** The sample's series as the exposition names it: {@code name} or {@code name{a="x",b="y"}}. */
    String series(Sample s) {
        if (s.labels().isEmpty()) {
            return name;
        }
        StringBuilder b = new StringBuilder(name).append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : s.labels().entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            b.append(e.getKey()).append("=\"");
            escape(b, e.getValue(), true);
            b.append('"');
        }
        return b.append('}').toString();
    }

    /**
     * Escapes as the text format wants: backslash and line feed always, the double quote in label values only.
     */
    static void escape(StringBuilder b, String s, boolean quote) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                b.append("\\\\");
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '"' && quote) {
                b.append("\\\"");
            } else {
                b.append(c);
            }
        }
    }
}
