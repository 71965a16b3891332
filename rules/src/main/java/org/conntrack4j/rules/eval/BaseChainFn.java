package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.spi.HookFunction;

/**
 * A base chain as a hook function (filter chains at {@code Conntrack.registerHook}, nat chains at
 * {@code Nat.registerChain}): works out the packet's {@link PktInfo}, runs the chain, and returns its final
 * verdict or, when the chain ends or returns, the policy.
 */
final class BaseChainFn implements HookFunction {
    private final CompiledChain chain;
    private final int policy;

    BaseChainFn(CompiledChain chain, int policy) {
        this.chain = chain;
        this.policy = policy;
    }

    @Override
    public int hook(Packet pkt) {
        int v = chain.run(pkt, PktInfo.compute(pkt));
        return v >= 0 ? v : policy;
    }

    @Override
    public String toString() {
        return "chain " + chain.name();
    }
}
