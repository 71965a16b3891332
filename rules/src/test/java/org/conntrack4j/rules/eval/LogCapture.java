package org.conntrack4j.rules.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what {@code log} statements write (logger {@value LogExpr#LOGGER} at FINE) while open. */
final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger(LogExpr.LOGGER);
    private final Level before;
    final List<String> lines = new ArrayList<>();

    LogCapture() {
        before = logger.getLevel();
        logger.setLevel(Level.FINE);
        setLevel(Level.ALL);
        logger.addHandler(this);
    }

    @Override
    public synchronized void publish(LogRecord r) {
        lines.add(r.getMessage());
    }

    /** The prefixes logged (the text before " IN=" / "IN="), in order; clears the capture. */
    synchronized List<String> takePrefixes() {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            out.add(l.substring(0, l.indexOf("IN=")));
        }
        lines.clear();
        return out;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
        logger.setLevel(before);
    }
}
