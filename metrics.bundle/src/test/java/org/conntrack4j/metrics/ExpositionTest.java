package org.conntrack4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.conntrack4j.metrics.Family.Type;
import org.junit.jupiter.api.Test;

/** The text exposition format 0.0.4, as Prometheus parses it. */
class ExpositionTest {
    @Test
    void helpTypeThenOneLinePerSample() {
        Family gauge = new Family("conntrack4j_connections", Type.GAUGE, "connections in the table").add(7);
        Family counter = new Family("conntrack4j_invalid_packets_total", Type.COUNTER, "invalid packets by reason")
            .add(3, "reason", "short packet").add(1, "reason", "bad checksum");
        assertEquals("# HELP conntrack4j_connections connections in the table\n"
            + "# TYPE conntrack4j_connections gauge\n"
            + "conntrack4j_connections 7\n"
            + "# HELP conntrack4j_invalid_packets_total invalid packets by reason\n"
            + "# TYPE conntrack4j_invalid_packets_total counter\n"
            + "conntrack4j_invalid_packets_total{reason=\"short packet\"} 3\n"
            + "conntrack4j_invalid_packets_total{reason=\"bad checksum\"} 1\n", Exposition.text(List.of(gauge, counter)));
    }

    @Test
    void labelValuesEscapeBackslashQuoteAndNewlineAndHelpEscapesBackslashAndNewline() {
        Family f = new Family("x_total", Type.COUNTER, "a \\ help\nline with \"quotes\"")
            .add(1, "a", "back\\slash", "b", "say \"hi\"\nbye");
        assertEquals("# HELP x_total a \\\\ help\\nline with \"quotes\"\n"
            + "# TYPE x_total counter\n"
            + "x_total{a=\"back\\\\slash\",b=\"say \\\"hi\\\"\\nbye\"} 1\n", Exposition.text(List.of(f)));
    }

    @Test
    void aFamilyWithoutSamplesIsLeftOut() {
        Family empty = new Family("conntrack4j_helper_connections", Type.GAUGE, "none yet");
        assertEquals("", Exposition.text(List.of(empty)));
    }

    @Test
    void familiesOfTheSameNameMergeIntoOne() {
        Family a = new Family("r_total", Type.COUNTER, "h").add(1, "instance", "a");
        Family b = new Family("r_total", Type.COUNTER, "h").add(2, "instance", "b");
        assertEquals("# HELP r_total h\n# TYPE r_total counter\nr_total{instance=\"a\"} 1\nr_total{instance=\"b\"} 2\n",
            Exposition.text(Figures.merged(List.of(a, b))));
    }

    @Test
    void aNameOutsideThePrometheusAlphabetIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Family("conntrack4j-bad name", Type.GAUGE, ""));
    }
}
