package org.conntrack4j.core.api;

/** Undoes a registration; closing twice is harmless. */
@FunctionalInterface
public interface Registration extends AutoCloseable {
    @Override
    void close();
}
