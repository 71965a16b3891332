package org.conntrack4j.metrics;

import java.util.List;

/**
 * The Prometheus text exposition format, version 0.0.4: per family a {@code # HELP} and a {@code # TYPE} line, then
 * one line per sample, {@code series value}; lines end with a line feed. A family without samples is left out.
 */
final class Exposition {
    /** The content type of the text format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private Exposition() {
    }

    static String text(List<Family> families) {
        StringBuilder b = new StringBuilder(8192);
        for (Family f : families) {
            if (f.samples().isEmpty()) {
                continue;
            }
            b.append("# HELP ").append(f.name).append(' ');
            Family.escape(b, f.help, false);
            b.append('\n').append("# TYPE ").append(f.name).append(' ').append(f.type.text()).append('\n');
            for (Family.Sample s : f.samples()) {
                b.append(f.series(s)).append(' ').append(s.value()).append('\n');
            }
        }
        return b.toString();
    }
}
