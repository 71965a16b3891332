package org.conntrack4j.core.api;

import org.conntrack4j.core.spi.Helper;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A tracked connection ({@code struct nf_conn}): two tuples (original and reply), status bits, a timeout, and what
 * plug-ins keep with it. Only the engine creates connections (plug-ins receive them); the engine implements this
 * interface.
 *
 * <p>The setters are plug-in operations, each the one Linux's plug-ins use: status bits (trackers set ASSURED,
 * NAT its NAT bits), the mark (rules), the tracker's own state ({@link #setProtoState}, {@link #setProtoWord}) and
 * NAT's binding ({@link #setNatState}). Helpers keep their per-connection data in {@link #helperData()}, made by
 * {@link Helper#newData} when the helper is attached.
 *
 * <p>Concurrency: status bits change atomically; the timeout and the mark are volatile. Anything a tracker or
 * helper keeps beyond that is guarded by the connection's own monitor ({@code synchronized (ct)}), Linux's
 * {@code ct->lock}: hold it for short, non-blocking work only (the locking rule: this package's documentation).
 */
@ProviderType
public interface Connection {
    /** {@link Family#IPV4} or {@link Family#IPV6}. */
    int family();

    /** The L4 protocol number. */
    int protocol();

    /** The conntrack zone's id ({@code zone->id}, 0 unless zones are used), whatever directions it applies to. */
    int zone();

    /**
     * The directions the zone applies to ({@link Zone#DIR_BOTH} unless a rule set it for one direction only).
     *
     * @since 2.1
     */
    int zoneDir();

    /**
     * {@code nf_ct_zone_id}: the zone the tuple of direction {@code dir} ({@link Direction}) is in: {@link #zone()}
     * where the zone applies to that direction, else 0.
     *
     * @since 2.1
     */
    int zoneId(int dir);

    /** Copies the tuple of direction {@code dir} ({@link Direction}) into {@code out}; returns {@code out}. */
    Tuple tuple(int dir, Tuple out);

    /** The high half of the source address of direction {@code dir} (0 for IPv4). */
    long srcHi(int dir);

    /** The low half of the source address of direction {@code dir} (the whole IPv4 address). */
    long srcLo(int dir);

    long dstHi(int dir);

    long dstLo(int dir);

    /** The source "u" field (port, ICMP id) of direction {@code dir}. */
    int srcPort(int dir);

    /** The destination "u" field (port, ICMP type and code) of direction {@code dir}. */
    int dstPort(int dir);

    /** Is the tuple of direction {@code dir} equal to {@code t} (direction of {@code t} ignored)? */
    boolean tupleEquals(int dir, Tuple t);

    /** The {@link Status} bits. */
    int status();

    /** Sets {@code bits}; returns true if any of them was clear before (Linux's {@code test_and_set_bit}). */
    boolean setStatus(int bits);

    /** Clears {@code bits}. */
    void clearStatus(int bits);

    default boolean hasStatus(int bits) {
        return (status() & bits) != 0;
    }

    default boolean isConfirmed() {
        return (status() & Status.CONFIRMED) != 0;
    }

    default boolean isDying() {
        return (status() & Status.DYING) != 0;
    }

    /**
     * The timeout in jiffies: relative (the time to live to give at confirmation) while unconfirmed, the absolute
     * deadline on the engine's clock once confirmed.
     */
    long timeout();

    /** Jiffies left before expiry at {@code now}, never negative ({@code nf_ct_expires}). */
    long expires(long now);

    /** {@code nf_ct_is_expired}: is the deadline reached at {@code now}? Only meaningful once confirmed. */
    default boolean isExpired(long now) {
        return timeout() - now <= 0;
    }

    /** A number identifying the connection for listings and events ({@code id=}). */
    int id();

    /** The connection mark ({@code ct mark}). */
    int mark();

    /** Sets the mark ({@code ct mark set}); no event by itself (the caller caches {@link CtEvent#MARK}). */
    void setMark(int mark);

    /**
     * Labels 0-63 ({@link ConnLabels}); 0 without labels. Changed by
     * {@link PluginServices#replaceLabels}.
     *
     * @since 2.1
     */
    long labelsLo();

    /**
     * Labels 64-127.
     *
     * @since 2.1
     */
    long labelsHi();

    /**
     * The timeout policy the connection keeps ({@link PluginServices#setTimeoutPolicy}), or null: its tracker uses the
     * settings then.
     *
     * @since 2.1
     */
    TimeoutPolicy timeoutPolicy();

    /** The connection this one was expected by (RELATED), or null. */
    Connection master();

    /** The helper assigned to the connection, or null. */
    Helper helper();

    /** The helper's private data for this connection (created by {@link Helper#newData}), or null. */
    Object helperData();

    /** The L4 tracker's state object for this connection, or null. */
    Object protoState();

    /** Sets the tracker's state object (the tracker that created the connection, on its first packet). */
    void setProtoState(Object state);

    /** One word of L4 tracker state, for trackers that need no more (UDP keeps its stream deadline here). */
    long protoWord();

    void setProtoWord(long word);

    /** NAT's binding data for this connection, or null. */
    Object natState();

    /** Sets NAT's binding data (the NAT extension, when it binds the connection). */
    void setNatState(Object state);

    /** TCP sequence adjustments after payload rewriting, or null when none were set up. */
    SeqAdj seqAdj();

    /** The engine this connection belongs to. */
    Conntrack net();
}
