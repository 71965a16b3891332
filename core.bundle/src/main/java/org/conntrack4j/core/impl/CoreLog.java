package org.conntrack4j.core.impl;

import org.osgi.service.log.Logger;

/**
 * Where the core's messages go: the OSGi Log Service logger {@code org.conntrack4j.core} that the core component
 * was given ({@link CoreComponent}), or nowhere when there is none (outside a framework, or while no Log Service
 * runs). One per {@link Registry}, shared by its engines; plain classes of the engine (hook chains, event sink)
 * get it passed in. Levels are the Log Service's: set at runtime through Configuration Admin (PID
 * {@code org.osgi.service.log.admin}, or {@code org.osgi.service.log.admin|org.conntrack4j.core}, property
 * {@code org.conntrack4j.core=INFO}); see the README, "Logging".
 *
 * <p>Messages are passed as an argument, never as the format, so that braces in a plug-in's name stay text.
 */
final class CoreLog {
    private volatile Logger logger;

    /** Logs to {@code l} from now on (null: nowhere). */
    void set(Logger l) {
        logger = l;
    }

    /** Stops logging to {@code l} if it is the logger in use (a departing Log Service). */
    void clear(Logger l) {
        if (logger == l) {
            logger = null;
        }
    }

    void warn(String message, Throwable t) {
        Logger l = logger;
        if (l != null) {
            if (t == null) {
                l.warn("{}", message);
            } else {
                l.warn("{}", message, t);
            }
        }
    }

    void info(String message) {
        Logger l = logger;
        if (l != null) {
            l.info("{}", message);
        }
    }
}
