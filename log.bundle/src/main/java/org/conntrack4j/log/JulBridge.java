package org.conntrack4j.log;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Routes java.util.logging into the Log Service while this runs, so that what libraries and older code log that way
 * gets the same levels, file and console as the rest (and stays off the shell's prompt): the root logger's console
 * handlers are taken away on activation and given back on deactivation; in their place a handler logs each record
 * through the Log Service, as the logger of the same name in the bundle whose symbolic name is the longest prefix of
 * it ({@code org.conntrack4j.sync.component.SyncComponent} in {@code org.conntrack4j.sync}), or in this bundle.
 * Levels: SEVERE is ERROR, WARNING WARN, INFO INFO, CONFIG and FINE DEBUG, below that TRACE.
 */
@Component(immediate = true)
public final class JulBridge {
    @Reference
    LoggerFactory factory;

    private BundleContext context;
    private final List<Handler> removed = new ArrayList<>();
    private Handler handler;

    @Activate
    synchronized void activate(BundleContext ctx) {
        context = ctx;
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            if (h instanceof ConsoleHandler) {
                root.removeHandler(h);
                removed.add(h);
            }
        }
        handler = new Handler() {
            private final SimpleFormatter text = new SimpleFormatter();

            @Override
            public void publish(LogRecord r) {
                if (r == null || r.getLevel() == Level.OFF) {
                    return;
                }
                forward(r, text.formatMessage(r));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        root.addHandler(handler);
    }

    @Deactivate
    synchronized void deactivate() {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.removeHandler(handler);
        handler = null;
        removed.forEach(root::addHandler);
        removed.clear();
    }

    private void forward(LogRecord r, String message) {
        String name = r.getLoggerName() == null || r.getLoggerName().isEmpty() ? "ROOT" : r.getLoggerName();
        Logger l = factory.getLogger(owner(name), name, Logger.class);
        Throwable t = r.getThrown();
        int v = r.getLevel().intValue();
        if (v >= Level.SEVERE.intValue()) {
            l.error("{}", message, t);
        } else if (v >= Level.WARNING.intValue()) {
            l.warn("{}", message, t);
        } else if (v >= Level.INFO.intValue()) {
            l.info("{}", message, t);
        } else if (v >= Level.FINE.intValue()) {
            l.debug("{}", message, t);
        } else {
            l.trace("{}", message, t);
        }
    }

    /** The bundle whose symbolic name is the longest prefix of {@code logger} (by dots), else this one. */
    Bundle owner(String logger) {
        Bundle best = context.getBundle();
        int length = 0;
        for (Bundle b : context.getBundles()) {
            String n = b.getSymbolicName();
            if (n != null && n.length() > length && (logger.equals(n) || logger.startsWith(n + "."))) {
                best = b;
                length = n.length();
            }
        }
        return best;
    }
}
