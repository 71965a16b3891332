package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.spi.HookFunction;

/**
 * A base chain as a hook function (filter chains at {@code Conntrack.registerHook}, nat chains at
 * {@code Nat.registerChain}): works out the packet's {@link PktInfo}, runs the chain, and returns its final
 * verdict or, when the chain ends or returns, the policy.
 */
final class BaseChainFn implements HookFunction {
    private final CompiledChain chain;
    private final int policy;
    /** For a ruleset that takes turns with others: the switch, and the token that makes this ruleset the live one. */
    private final RulesetSwitch gate;
    private final Object token;
    /** The policy's name for {@code Packet.verdictBy}. */
    private final Object policyRef;

    BaseChainFn(CompiledChain chain, int policy, Object policyRef, RulesetSwitch gate, Object token) {
        this.chain = chain;
        this.policy = policy;
        this.policyRef = policyRef;
        this.gate = gate;
        this.token = token;
    }

    @Override
    public int hook(Packet pkt) {
        if (gate != null && gate.live != token) {
            // not (or no longer) the ruleset in force: as if the chain were not there
            return Verdict.ACCEPT;
        }
        int v = chain.run(pkt, PktInfo.compute(pkt));
        if (v >= 0) {
            return v;
        }
        if (policy != Verdict.ACCEPT) {
            pkt.verdictBy = policyRef;
        }
        return policy;
    }

    @Override
    public String toString() {
        return "chain " + chain.name();
    }
}
