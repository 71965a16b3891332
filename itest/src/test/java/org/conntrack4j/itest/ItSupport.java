package org.conntrack4j.itest;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/** What several in-framework tests need: waiting for what another thread does, finding a bundle by name. */
final class ItSupport {
    /** How long a test waits for a service, a thread or a configuration to arrive or go. */
    static final long WAIT_MILLIS = 10_000;

    private ItSupport() {
    }

    /** Waits until {@code cond} holds; fails naming {@code what} after {@link #WAIT_MILLIS}. */
    static void until(String what, BooleanSupplier cond) throws InterruptedException {
        value(what, () -> cond.getAsBoolean() ? Boolean.TRUE : null);
    }

    /** Waits until {@code value} gives something other than null, and returns it. */
    static <T> T value(String what, Supplier<T> value) throws InterruptedException {
        long until = System.currentTimeMillis() + WAIT_MILLIS;
        T v;
        while ((v = value.get()) == null) {
            if (System.currentTimeMillis() > until) {
                fail(what + " within " + WAIT_MILLIS + " ms");
            }
            Thread.sleep(20);
        }
        return v;
    }

    /** The installed bundle of that symbolic name. */
    static Bundle bundle(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }
}
