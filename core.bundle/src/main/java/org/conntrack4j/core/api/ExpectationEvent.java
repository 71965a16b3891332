package org.conntrack4j.core.api;

import org.conntrack4j.core.text.CtFormat;

/** An expectation event ({@link CtEvent#EXP_NEW} or {@link CtEvent#EXP_DESTROY}) with the expectation as it was. */
public final class ExpectationEvent {
    private final int type;
    private final long wallNanos;
    private final ExpectationSnapshot expectation;

    public ExpectationEvent(int type, long wallNanos, ExpectationSnapshot expectation) {
        this.type = type;
        this.wallNanos = wallNanos;
        this.expectation = expectation;
    }

    public int type() {
        return type;
    }

    public long wallNanos() {
        return wallNanos;
    }

    public ExpectationSnapshot expectation() {
        return expectation;
    }

    /** The {@code conntrack -E expect} line (without timestamp). */
    @Override
    public String toString() {
        return CtFormat.expectationEvent(this, false);
    }
}
