package org.conntrack4j.rules.nft;

/**
 * {@code reject with tcp reset} ({@code nft_reject}, {@code nf_send_reset}): answers the TCP segment with a RST from
 * its destination, then drops it. nft makes the rule match TCP first ({@code meta l4proto tcp}) unless it does.
 *
 * @since 1.2
 */
public record RejectStatement() implements Statement {
    @Override
    public boolean isTerminal() {
        return true;
    }

    @Override
    public String toString() {
        return "reject with tcp reset";
    }
}
