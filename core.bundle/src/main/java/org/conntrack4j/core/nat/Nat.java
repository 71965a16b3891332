package org.conntrack4j.core.nat;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.spi.HookFunction;
import org.osgi.annotation.versioning.ProviderType;

/**
 * NAT for one engine, provided by the NAT bundle ({@code net.services().extension(Nat.class)}; null without NAT).
 *
 * <p>NAT rule chains are registered here rather than as plain hook functions, as Linux's nftables NAT
 * chains are ({@code nf_nat_register_fn}): NAT calls them, in priority order, only for a connection's first
 * packet at a hook where it has no binding yet; a chain sets a binding with {@link #setup} (or
 * {@link #masquerade}, {@link #redirect}); if none does, NAT sets a null binding. The binding then lives
 * with the connection: later rule changes do not move it. As in Linux, NAT's own hook functions are registered
 * for a family only while at least one NAT chain of that family is: without NAT chains, connections get no
 * bindings at all.
 *
 * <p>Verdicts are {@code Verdict} values. All methods may be called from any thread; the packet methods
 * ({@link #setup}, {@link #masquerade}, {@link #redirect}, the mangle methods) belong to the thread processing
 * the packet and connection they are given, as the hook functions calling them do. When NAT leaves (the bundle
 * stops or the engine closes), the connections with a binding are destroyed, {@link #registerChain} throws and
 * the binding methods do nothing (they return ACCEPT).
 */
@ProviderType
public interface Nat {
    /**
     * Registers a NAT chain ({@code type nat} base chain) at {@code hook}: PRE_ROUTING or LOCAL_OUT for destination
     * NAT, POST_ROUTING or LOCAL_IN for source NAT; {@code family} IPV4, IPV6 or INET (both). Chains of one hook run
     * by ascending {@code priority}, equal ones in registration order. The chain's verdict: ACCEPT goes on to the
     * next chain (or to the null binding), anything else ends NAT's hook with that verdict. {@code owner} names
     * the chain in {@link #describeChains}. Closing the registration removes the chain (bindings it made stay).
     *
     * @throws IllegalArgumentException for another hook or family
     * @throws IllegalStateException when NAT has left the engine
     */
    Registration registerChain(int family, int hook, int priority, HookFunction chain, String owner);

    /**
     * Binds {@code ct} for {@code manip} ({@link NatManip}) to {@code range} ({@code nf_nat_setup_info}): picks a
     * unique translated tuple as the kernel does, alters the reply tuple, sets SRC_NAT / DST_NAT when the tuple
     * changed and SRC_NAT_DONE / DST_NAT_DONE in any case. Does nothing for a confirmed connection (ACCEPT).
     * {@code origin} names the rule for {@link #origin} (the same instance is kept; null for none); {@code pkt}
     * may be null (the binding does not depend on the packet). Returns ACCEPT, or DROP when the connection already
     * has a binding for {@code manip}. When no unique tuple is left the last one tried is kept and the packet is
     * dropped at confirmation, as in Linux.
     */
    int setup(Packet pkt, Connection ct, NatRange range, int manip, String origin);

    /**
     * {@code masquerade} ({@code nf_nat_masquerade_ipv4/6}), for POST_ROUTING: source NAT of {@code pkt.ct} to
     * the address of {@code pkt.out} facing the packet's destination, with {@code range}'s ports and flags (its
     * addresses are ignored). The connection is destroyed if a later packet of its original direction leaves by
     * another interface. Returns ACCEPT (also for a packet without a new connection, and for an IPv4 source of
     * 0.0.0.0, left alone), or DROP when the interface has no address of the family.
     */
    int masquerade(Packet pkt, NatRange range, String origin);

    /**
     * {@code redirect} ({@code nf_nat_redirect_ipv4/6}), for PRE_ROUTING and LOCAL_OUT: destination NAT of
     * {@code pkt.ct} to the router itself, the first address of {@code pkt.in} (IPv6: a global one before a
     * link-local one), or the loopback address for locally generated packets, with {@code range}'s ports. Returns
     * ACCEPT, or DROP when the interface has no address of the family.
     */
    int redirect(Packet pkt, NatRange range, String origin);

    /** Does the connection have a binding (possibly a null one) for {@code manip} (the *_NAT_DONE status bit)? */
    boolean hasBinding(Connection ct, int manip);

    /**
     * The {@code origin} given when the connection was bound for {@code manip} (for expected connections following
     * their master: {@code "expected by ID"}), or null: a null binding, no binding, or another NAT's.
     */
    String origin(Connection ct, int manip);

    /** Connections with a non-null binding (SRC_NAT or DST_NAT), for listings; a weakly consistent snapshot. */
    List<Connection> boundConnections();

    /**
     * The registered NAT chains, one line each in running order, IPv4 first:
     * {@code ipv4 postrouting priority 100 snat: OWNER}.
     */
    List<String> describeChains();

    /**
     * Replaces {@code matchLen} bytes at offset {@code matchOff} of the TCP payload with {@code repLen} bytes of
     * {@code rep} from {@code repOff} ({@code nf_nat_mangle_tcp_packet}); {@code protoff} is the TCP header's offset.
     * Fixes the IP length (and IPv4 header checksum), recomputes the TCP checksum, and records the length change
     * for sequence adjustment of the connection's later segments. Returns false, leaving the packet as it was, if
     * the match lies outside the payload or the packet would exceed 65535 bytes.
     */
    boolean mangleTcpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen, byte[] rep,
        int repOff, int repLen);

    /**
     * {@link #mangleTcpPacket} with the recording of the length change left to the caller when {@code adjust} is
     * false ({@code __nf_nat_mangle_tcp_packet}). A helper that rewrites several places of one segment (SIP: several
     * headers of several messages) must do so, and then record the sum once with {@link #seqAdjust}: the sequence
     * adjustment keeps one change per sequence number, so a second change recorded for the same segment would be
     * lost. Returns what {@link #mangleTcpPacket} returns.
     */
    boolean mangleTcpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen, byte[] rep,
        int repOff, int repLen, boolean adjust);

    /**
     * Records that the payload of the TCP segment {@code pkt} (TCP header at {@code protoff}) changed length by
     * {@code off} bytes in all, for sequence adjustment of the connection's later segments of this direction
     * ({@code nf_ct_seqadj_set} with the segment's own sequence number). Nothing for {@code off} 0. Call it once per
     * segment, after the rewrites made with {@code adjust} false.
     */
    void seqAdjust(Packet pkt, Connection ct, int ctinfo, int protoff, int off);

    /**
     * The same for UDP payloads ({@code nf_nat_mangle_udp_packet}): also the UDP length; a zero UDP checksum
     * (none) stays zero; no sequence adjustment.
     */
    boolean mangleUdpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen, byte[] rep,
        int repOff, int repLen);

    /**
     * The expectation callback that makes an expected connection follow its master's NAT binding
     * ({@code nf_nat_follow_master}); helpers set it with {@code ExpectationRequest.expectFn}, after
     * {@code ExpectationRequest.saved(addr, port, dir)} where {@code dir} is the opposite of the direction the
     * announcement travelled in (as {@code nf_nat_ftp} does). The new connection's source is bound to where the
     * master's peer sends to, its destination to the saved address and port.
     */
    void followMaster(Connection ct, Expectation exp);

    /**
     * Inserts an expectation from {@code req} ({@code PluginServices.expectRelated}) with destination port
     * {@code port} or, while that clashes with another expectation, ports picked at random above it, at most 128
     * tries ({@code nf_nat_exp_find_port}); the request is left with the port used. Returns that port, or 0 if none
     * could be inserted.
     */
    int expectWithFreePort(ExpectationRequest req, int port);

    /**
     * The engine is done with {@code ct}, which has {@code Status.SRC_NAT_DONE}: it was destroyed, or its first
     * packet was dropped before it was confirmed ({@code nf_nat_hook->remove_nat_bysrc}, called where Linux frees
     * the connection). NAT lets go of it: nothing of NAT may keep a dead connection, and with it its tracker and
     * helper, reachable. A connection NAT does not know is ignored. Called from any thread, with no engine lock
     * held.
     *
     * @since 1.1
     */
    default void connectionDone(Connection ct) {
    }
}
