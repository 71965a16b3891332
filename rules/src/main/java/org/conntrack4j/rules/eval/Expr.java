package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Packet;

/**
 * One compiled element of a rule, a match or a statement ({@code struct nft_expr}). {@link #eval} returns
 * {@link #CONTINUE} to go on with the rule's next element, {@link #BREAK} when a match fails (the rule ends, the
 * chain goes on), {@link #RETURN} to leave the chain, or a final netfilter verdict ({@code Verdict.ACCEPT},
 * {@code DROP}, ..., all {@code >= 0}).
 *
 * <p>Compiled objects are immutable (counters aside) and shared by every thread; {@code eval} allocates nothing.
 */
abstract class Expr {
    /** {@code NFT_CONTINUE}. */
    static final int CONTINUE = -1;
    /** {@code NFT_BREAK}: this rule does not match. */
    static final int BREAK = -2;
    /** {@code NFT_RETURN}. */
    static final int RETURN = -5;

    /**
     * @param info the packet's {@link PktInfo}
     */
    abstract int eval(Packet p, long info);
}
