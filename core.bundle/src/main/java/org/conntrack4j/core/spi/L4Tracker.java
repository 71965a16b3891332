package org.conntrack4j.core.spi;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.ProtoInfo;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.api.Tuple;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A layer-4 connection tracker ({@code struct nf_conntrack_l4proto}), registered as an OSGi service.
 *
 * <h2>Whiteboard contract</h2>
 * <ul>
 * <li>{@link #PROTOCOL} (Integer, required): the IP protocol number served, 0..255.</li>
 * <li>{@link #FAMILY} (String or String[], optional): {@code ipv4} and/or {@code ipv6}; both if absent.</li>
 * <li>A Declarative Services component sets both with {@link TrackerService}:
 * {@code @TrackerService(l4proto = 47)}.</li>
 * <li>Two trackers for the same protocol and family: the one with the higher {@code service.ranking} serves,
 * ties going to the lower {@code service.id} (the first registered); the other waits and takes over if the
 * serving one leaves. A hand-over is handled like a leave: connections of that protocol are destroyed.</li>
 * <li>When a tracker leaves, new packets of its protocol go to the generic tracker at once; after in-flight
 * packets are done, every connection of the protocol is destroyed (DESTROY events), as Linux's
 * {@code kill_l4proto}. Other protocols are untouched. Its settings ({@link #settings()}) stop being listed;
 * values set for them are kept by name for its return.</li>
 * <li>Protocols with no tracker are served by the core's {@link GenericTracker}.</li>
 * </ul>
 *
 * <p>Trackers are shared by every engine instance and must keep per-engine data in the engine
 * ({@link Conntrack#settings()}) and per-connection data in the connection
 * ({@link Connection#setProtoState}, {@link Connection#setProtoWord}). Methods are called from many threads
 * at once; {@link #packet} is called with the connection unlocked (lock it, {@code synchronized (ct)}, for
 * state that more than one word holds).
 */
@ConsumerType
public interface L4Tracker {
    /** Service property: the protocol number (Integer). */
    String PROTOCOL = "conntrack.l4proto";
    /** Service property: families served, {@code ipv4} / {@code ipv6} (String or String[]). */
    String FAMILY = "conntrack.l3proto";

    /** The protocol name conntrack-tools prints ({@code udp}). */
    String name();

    /**
     * Whether {@link #error} must run before the connection lookup. The engine reads this once when the
     * tracker is registered.
     */
    default boolean hasErrorHandler() {
        return false;
    }

    /**
     * Checks a packet before the lookup and may resolve it itself (Linux calls this only for ICMP errors,
     * which it attaches to the connection they quote as RELATED). Returns {@code Verdict.ACCEPT} to go on
     * (if it attached a connection to {@code pkt.ct}, the packet is done), or a value &lt;= 0: the negated
     * verdict for an invalid packet ({@code -ACCEPT}: invalid, let it pass; {@code DROP}: invalid, drop).
     */
    default int error(Conntrack net, Packet pkt, int dataoff) {
        return 1;
    }

    /**
     * Fills the "u" fields of {@code t} from the header at {@code dataoff} (the addresses are already there).
     * Returns false if the header is too short: the packet then gets no connection (INVALID).
     */
    boolean pktToTuple(Packet pkt, int dataoff, Tuple t);

    /**
     * Fills the "u" fields of {@code inverse} as the reply to {@code orig}. Returns false if {@code orig} has
     * no inverse (an ICMP type with no reply): then no connection is created. By default the two fields swap
     * (ports, keys), as {@code nf_ct_invert_tuple} does for every protocol but ICMP.
     *
     * @since 1.1
     */
    default boolean invertTuple(Tuple inverse, Tuple orig) {
        inverse.srcPort = orig.dstPort;
        inverse.dstPort = orig.srcPort;
        return true;
    }

    /**
     * Updates the connection's state for this packet and refreshes its timeout, counting the packet
     * ({@code net.packets().refresh(ct, pkt, timeout)}). {@code ct} may be unconfirmed (its first
     * packet): then initialise its state, or refuse it. Returns the verdict (&gt; 0, normally
     * {@code Verdict.ACCEPT}) or, for an invalid packet, the negated verdict ({@code -ACCEPT} to let it pass,
     * {@code DROP}), or {@code -REPEAT} to have the engine forget the connection and process the packet again
     * as a new one (TCP reopen).
     */
    int packet(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo);

    /** Appends the L4 part of a tuple as conntrack-tools prints it ({@code sport=1 dport=2}); nothing by default. */
    default void formatTuple(StringBuilder sb, Tuple t) {
    }

    /** The protocol state name for listings ({@code ESTABLISHED}), or null for stateless protocols. */
    default String stateName(Connection ct) {
        return null;
    }

    /** May an ASSURED connection be dropped when the table is full (TCP: once closing)? */
    default boolean canEarlyDrop(Connection ct) {
        return false;
    }

    /** May a clash at confirmation be resolved by using the existing entry (UDP's parallel DNS queries)? */
    default boolean allowClash() {
        return false;
    }

    /** The settings this tracker reads; they are listed and settable while it is registered. */
    default List<SettingKey> settings() {
        return List.of();
    }

    /**
     * Rewrites sequence and acknowledgement numbers of a packet of a connection with
     * {@code Status.SEQ_ADJUST} after a helper changed payload lengths ({@code nf_ct_seq_adjust}). Returns
     * false to drop the packet. Only stream protocols implement it.
     */
    default boolean seqAdjust(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo) {
        return true;
    }

    /**
     * {@code set_closing} of {@code nf_ct_set_closing}: the stack answered a packet of the connection with a reset of
     * its own (a rule's {@code reject with tcp reset}), so the connection is closing; move it to the state that
     * says so with that state's timeout ({@code net.services().timeout}) and cache the event of the change. Called
     * with no lock held, for confirmed connections only. Nothing by default: in Linux only TCP has it.
     *
     * @since 2.1
     */
    default void setClosing(Conntrack net, Connection ct) {
    }

    /**
     * {@code from_nlattr}: a connection administration inserts ({@code ConntrackTable.create}, {@code conntrack -I})
     * comes with the tracker's state; set it on {@code ct}, which is not confirmed yet (no other thread sees it).
     * Returns false to refuse the connection ({@code EINVAL}: a state the tracker does not have). By default the
     * state is ignored and the connection starts with none, as Linux does for a tracker without {@code from_nlattr}.
     *
     * @since 2.1
     */
    default boolean setProtoInfo(Conntrack net, Connection ct, ProtoInfo info) {
        return true;
    }

    /**
     * {@code to_nlattr}: the tracker's state of {@code ct} as ctnetlink reports it ({@code CTA_PROTOINFO}: TCP's state,
     * window scales and flags; SCTP's state and verification tags), for a state synchronisation that sends it to a
     * peer; read without the connection's monitor (a value a packet is changing may be the old one). Null when the
     * tracker reports none (the default, as Linux for a tracker without {@code to_nlattr}) or has no state for it.
     *
     * @since 2.2
     */
    default ProtoInfo protoInfo(Connection ct) {
        return null;
    }

    /**
     * Called once when a connection of this protocol is destroyed: killed or expired, or never confirmed because its
     * first packet was dropped (Linux's {@code nf_ct_destroy} runs for every connection freed).
     */
    default void destroy(Connection ct) {
    }
}
