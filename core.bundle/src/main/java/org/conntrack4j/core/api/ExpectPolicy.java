package org.conntrack4j.core.api;

/**
 * A helper's limits for one class of expectations ({@code struct nf_conntrack_expect_policy}): at most
 * {@code maxExpected} live per master connection (the oldest is evicted for a new one), each living
 * {@code timeoutSeconds}.
 */
public final class ExpectPolicy {
    private final String name;
    private final int maxExpected;
    private final int timeoutSeconds;

    public ExpectPolicy(String name, int maxExpected, int timeoutSeconds) {
        this.name = name;
        this.maxExpected = maxExpected;
        this.timeoutSeconds = timeoutSeconds;
    }

    public String name() {
        return name;
    }

    public int maxExpected() {
        return maxExpected;
    }

    public int timeoutSeconds() {
        return timeoutSeconds;
    }

    @Override
    public String toString() {
        return name + "(max " + maxExpected + ", " + timeoutSeconds + "s)";
    }
}
