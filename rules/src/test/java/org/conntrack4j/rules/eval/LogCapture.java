package org.conntrack4j.rules.eval;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.testkit.LogRecorder;

/** What {@code log} statements of a lab's rulesets write (to its {@link Lab#packetLog}), from now until closed. */
final class LogCapture implements AutoCloseable {
    private final LogRecorder log;

    LogCapture(Lab lab) {
        log = lab.packetLog;
        log.entries().clear();
    }

    /** The lines logged, in order. */
    List<String> lines() {
        List<String> out = new ArrayList<>();
        log.entries().forEach(e -> out.add(e.message()));
        return out;
    }

    /** The prefixes logged (the text before "IN="), in order; clears the capture. */
    List<String> takePrefixes() {
        List<String> out = new ArrayList<>();
        for (String l : lines()) {
            out.add(l.substring(0, l.indexOf("IN=")));
        }
        log.entries().clear();
        return out;
    }

    @Override
    public void close() {
        log.entries().clear();
    }
}
