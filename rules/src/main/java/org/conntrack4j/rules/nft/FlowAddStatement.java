package org.conntrack4j.rules.nft;

import java.util.Objects;

/**
 * {@code flow add @NAME} (also written {@code flow offload @NAME}): puts the packet's connection into the flowtable
 * NAME of the same table when it qualifies ({@code nft_flow_offload_eval}); when it does not, the rule ends there
 * ({@code NFT_BREAK}). Only valid in chains reached from the forward hook.
 *
 * @since 1.4
 */
public record FlowAddStatement(String flowtable) implements Statement {
    public FlowAddStatement {
        Objects.requireNonNull(flowtable, "flowtable");
    }

    @Override
    public String toString() {
        return "flow add @" + flowtable;
    }
}
