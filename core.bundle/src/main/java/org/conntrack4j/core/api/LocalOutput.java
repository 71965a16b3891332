package org.conntrack4j.core.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The IP output of the stack an engine tracks for ({@code ip_local_out} / {@code ip6_local_out}): a packet the
 * stack itself originates goes through LOCAL_OUT, routing, POST_ROUTING and out of a device. Whoever owns that
 * stack (the router) provides it as the engine's extension
 * ({@code net.services().provideExtension(LocalOutput.class, impl)}); plug-ins that originate packets look it up with
 * {@code net.services().extension(LocalOutput.class)}, as nftables' {@code reject} does ({@code nf_send_reset}).
 * Without one, such packets are not sent.
 *
 * <p>Called on the thread of the packet being processed, from inside a hook (a reject in the forward chain), so the
 * call runs the output hooks nested in the current ones, as Linux does.
 *
 * @since 2.1
 */
@ConsumerType
public interface LocalOutput {
    /**
     * Sends {@code pkt}, an IPv4 or IPv6 packet with its {@link Packet#family} set and, where it belongs to a
     * connection ({@code nf_ct_attach}), its {@link Packet#ct} and {@link Packet#ctinfo}. The packet stays the
     * caller's: the implementation copies what it keeps. Returns false if it was not sent (no route, dropped by a
     * hook).
     */
    boolean send(Packet pkt);
}
