package org.conntrack4j.core.api;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Linux's flowtable ({@code nf_flowtable}): a table of connections that the stack forwarding the packets sends on
 * directly from ingress, skipping the hooks, once a rule has put them there ({@code flow add @NAME}). Whoever owns
 * the forwarding path (the router) provides it as the engine's extension
 * ({@code net.services().provideExtension(FlowOffload.class, impl)}); the rules look it up with
 * {@code net.services().extension(FlowOffload.class)} when a ruleset with flowtables is installed. Without one, a
 * ruleset's flowtables hold nothing and {@code flow add} never matches.
 *
 * <p>A connection in a flowtable has {@link Status#OFFLOAD} set. While it is there, its packets arriving on the
 * flowtable's devices get the connection's NAT, their TTL or hop limit decremented and are sent to the next hop
 * without conntrack seeing them; its timeout is kept long by the flowtable, which hands it back to conntrack
 * ({@code flow_offload_teardown}) when the flow has seen no packet for {@code nf_flowtable_tcp_timeout} /
 * {@code nf_flowtable_udp_timeout} seconds, when a SYN follows a FIN or RST, or when the connection dies.
 *
 * @since 2.4
 */
@ConsumerType
public interface FlowOffload {
    /** {@code NF_FLOWTABLE_COUNTER}: offloaded packets are counted in the connection's accounting. */
    int FLAG_COUNTER = 2;

    /**
     * {@code nf_flowtable_init} and the flowtable's ingress hooks: a flowtable on the devices named (those the
     * provider does not have are ignored, as the kernel keeps a hook for a device that is not there yet). Closing
     * it hands every flow back to conntrack and unhooks it ({@code nf_flow_table_free}).
     *
     * @param name the flowtable's name, for listings
     * @param family {@link Family#IPV4}, {@link Family#IPV6} or 0 for both (an inet table's)
     * @param devices the devices' names
     * @param priority the ingress hook's priority (flowtables on one device are tried in this order)
     * @param flags {@link #FLAG_COUNTER} or 0
     */
    Flowtable create(String name, int family, List<String> devices, int priority, int flags);

    /** One flowtable. Closing it is {@code nf_flow_table_free}. */
    interface Flowtable extends Registration {
        /**
         * The second half of {@code nft_flow_offload_eval}, called by {@code flow add} in the forward hook for a
         * packet whose connection qualifies (confirmed; TCP established, assured, not closing; UDP; no helper, no
         * sequence adjustment, no NAT clash): sets {@link Status#OFFLOAD} unless it was set, works out both
         * directions' routes from the packet's way in and out, and adds the flow. Returns false, with
         * {@code OFFLOAD} as it was, when the connection is offloaded already or a direction has no route.
         */
        boolean add(Packet pkt);
    }
}
