package org.conntrack4j.core.spi;

import org.conntrack4j.core.api.Packet;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A function registered at a netfilter hook with a priority ({@code struct nf_hook_ops}); see
 * {@link org.conntrack4j.core.api.PacketPath#registerHook}. Called for every packet of its family through
 * that hook, in priority order.
 */
@ConsumerType
@FunctionalInterface
public interface HookFunction {
    /**
     * Returns the verdict: {@code ACCEPT} lets the packet go on to the next function, {@code DROP} ends it,
     * {@code STOLEN} means this function took the packet over, {@code REPEAT} calls this function again.
     */
    int hook(Packet pkt);
}
