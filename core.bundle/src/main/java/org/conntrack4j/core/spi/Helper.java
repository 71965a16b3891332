package org.conntrack4j.core.spi;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ExpectPolicy;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.SettingKey;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A connection tracking helper (application-level gateway, {@code struct nf_conntrack_helper}),
 * registered as an OSGi service. It reads the payload of the connections it is assigned to and announces
 * related connections as expectations ({@code net.services().expectRelated}, with an
 * {@link org.conntrack4j.core.api.ExpectationRequest}).
 *
 * <h2>Whiteboard contract</h2>
 * <ul>
 * <li>{@link #NAME} (String, required): the helper type name ({@code ftp}), as nftables'
 * {@code ct helper} objects name it; a Declarative Services component sets it with {@link HelperService}.</li>
 * <li>Assignment is explicit, as in modern Linux: a rule ({@code ct helper set}) or
 * {@code net.services().assignHelper} attaches the helper to a new connection; there is no assignment by
 * port.</li>
 * <li>Two helpers of the same name and protocol: the higher {@code service.ranking} serves (ties: the lower
 * {@code service.id}).</li>
 * <li>When a helper leaves, its expectations are destroyed in every engine and it is detached from the
 * connections using it (Linux's {@code unhelp}); those connections keep running without it, and their
 * sequence adjustments stay. Its settings ({@link #settings()}) stop being listed.</li>
 * </ul>
 *
 * <p>Threading: {@link #help} is called on the packet's thread, for many connections at once, with no engine lock
 * held; it may hold the connection's monitor while it inserts or removes expectations and mangles the packet (see
 * the locking rule of {@code org.conntrack4j.core.api}). It must not call anything that waits for another packet.
 */
@ConsumerType
public interface Helper {
    /** Service property: the helper type name (String). */
    String NAME = "conntrack.helper.name";

    /** The type name ({@code ftp}). */
    String name();

    /** The L4 protocol it helps ({@code IpProto.TCP}). */
    int protocol();

    /** Does it handle connections of this family? */
    default boolean supports(int family) {
        return family == Family.IPV4 || family == Family.IPV6;
    }

    /** Expectation policy per expectation class (index = class). */
    List<ExpectPolicy> expectPolicies();

    /**
     * Reads (and behind NAT, rewrites) one packet of a helped connection, after NAT and before the
     * connection is confirmed ({@code nf_confirm}). {@code protoff} is the offset of the L4 header. Returns the
     * verdict: {@code Verdict.ACCEPT} normally, {@code Verdict.DROP} to drop the packet.
     */
    int help(Conntrack net, Packet pkt, int protoff, Connection ct, int ctinfo);

    /** Per-connection private data, created when the helper is assigned; null if none is needed. */
    default Object newData(Connection ct) {
        return null;
    }

    /** Called when a helped connection is destroyed or the helper is detached from it. */
    default void destroy(Connection ct) {
    }

    /** The settings this helper reads; listed and settable while it is registered. None by default. */
    default List<SettingKey> settings() {
        return List.of();
    }
}
