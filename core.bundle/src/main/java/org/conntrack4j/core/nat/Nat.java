package org.conntrack4j.core.nat;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.spi.HookFunction;
import org.osgi.annotation.versioning.ProviderType;

/**
 * NAT for one engine, provided by the NAT bundle ({@code net.extension(Nat.class)}; null without NAT).
 *
 * <p>NAT rule chains are registered here rather than as plain hook functions, as Linux's nftables NAT
 * chains are ({@code nf_nat_register_fn}): NAT calls them, in priority order, only for a connection's first
 * packet at a hook where it has no binding yet; a chain sets a binding with {@link #setup} (or
 * {@link #masquerade}, {@link #redirect}); if none does, NAT sets a null binding. The binding then lives
 * with the connection: later rule changes do not move it.
 */
@ProviderType
public interface Nat {
    /**
     * Registers a NAT chain at {@code hook} (PRE_ROUTING / LOCAL_OUT for destination NAT, POST_ROUTING /
     * LOCAL_IN for source NAT). The chain's verdict: ACCEPT (go on), DROP. {@code owner} names it in listings.
     */
    Registration registerChain(int family, int hook, int priority, HookFunction chain, String owner);

    /**
     * Binds the packet's (new) connection for {@code manip} to {@code range} ({@code nf_nat_setup_info}): picks a
     * unique translated tuple, alters the reply tuple, sets SRC_NAT / DST_NAT. {@code origin} names the rule for
     * listings. Returns the verdict (DROP if no unique tuple can be found).
     */
    int setup(Packet pkt, Connection ct, NatRange range, int manip, String origin);

    /** {@code masquerade}: source NAT to the outgoing interface's address, with {@code range}'s ports and flags. */
    int masquerade(Packet pkt, NatRange range, String origin);

    /** {@code redirect}: destination NAT to the router's own address of the incoming interface (or loopback). */
    int redirect(Packet pkt, NatRange range, String origin);

    /** Does the connection have a binding (possibly null) for {@code manip}? */
    boolean hasBinding(Connection ct, int manip);

    /** The rule that bound the connection for {@code manip}, or null. */
    String origin(Connection ct, int manip);

    /** Connections with a non-null binding, for listings. */
    List<Connection> boundConnections();

    /** The registered NAT chains, described, for listings. */
    List<String> describeChains();

    /**
     * Replaces {@code matchLen} bytes at {@code matchOff} of the TCP payload with {@code rep}, fixes lengths and
     * checksums, and records the sequence adjustment ({@code nf_nat_mangle_tcp_packet}). Returns false if the
     * packet cannot be changed (it would grow too large).
     */
    boolean mangleTcpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen, byte[] rep,
        int repOff, int repLen);

    /** The same for UDP payloads ({@code nf_nat_mangle_udp_packet}); no sequence adjustment. */
    boolean mangleUdpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen, byte[] rep,
        int repOff, int repLen);

    /**
     * The expectation callback that makes an expected connection follow its master's NAT binding
     * ({@code nf_nat_follow_master}); helpers set it with {@code Expectation.setExpectFn}.
     */
    void followMaster(Connection ct, Expectation exp);

    /**
     * Inserts {@code exp} with destination port {@code port} or, while that clashes, other ports picked at random
     * above it, at most 128 tries ({@code nf_nat_exp_find_port}); returns the port used, or 0 if none was free.
     */
    int expectWithFreePort(Expectation exp, int port);
}
