package org.conntrack4j.core.api;

import org.conntrack4j.core.spi.Helper;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A tracked connection ({@code struct nf_conn}): two tuples (original and reply), status bits, a timeout,
 * and what plug-ins keep with it. Only the engine creates connections; trackers keep their per-connection
 * state in {@link #protoState()} / {@link #protoWord()}, helpers theirs in {@link #helperData()}, NAT its
 * binding in {@link #natState()}.
 *
 * <p>Concurrency: status bits are updated atomically; the timeout and mark are volatile. Anything a
 * tracker or helper keeps beyond that is guarded by the connection's own monitor
 * ({@code synchronized (ct)}), which is Linux's {@code ct->lock}: hold it for short, non-blocking work only.
 */
@ProviderType
public abstract class Connection {
    /** For the engine's own implementation; plug-ins never create connections. */
    protected Connection() {
    }

    /** {@link Family#IPV4} or {@link Family#IPV6}. */
    public abstract int family();

    /** The L4 protocol number. */
    public abstract int protocol();

    /** The conntrack zone (0 unless zones are used). */
    public abstract int zone();

    /** Copies the tuple of direction {@code dir} ({@link Direction}) into {@code out}. */
    public abstract Tuple tuple(int dir, Tuple out);

    public abstract long srcHi(int dir);

    public abstract long srcLo(int dir);

    public abstract long dstHi(int dir);

    public abstract long dstLo(int dir);

    /** The source "u" field (port, ICMP id) of direction {@code dir}. */
    public abstract int srcPort(int dir);

    /** The destination "u" field (port, ICMP type and code) of direction {@code dir}. */
    public abstract int dstPort(int dir);

    /** Is the tuple of direction {@code dir} equal to {@code t} (direction of {@code t} ignored)? */
    public abstract boolean tupleEquals(int dir, Tuple t);

    /** The {@link Status} bits. */
    public abstract int status();

    /** Sets {@code bits}; returns true if any of them was clear before (Linux's {@code test_and_set_bit}). */
    public abstract boolean setStatus(int bits);

    public abstract void clearStatus(int bits);

    public final boolean hasStatus(int bits) {
        return (status() & bits) != 0;
    }

    public final boolean isConfirmed() {
        return (status() & Status.CONFIRMED) != 0;
    }

    public final boolean isDying() {
        return (status() & Status.DYING) != 0;
    }

    /**
     * The timeout in jiffies: relative (the time to live to give at confirmation) while unconfirmed, the
     * absolute deadline on the engine's clock once confirmed.
     */
    public abstract long timeout();

    /** Jiffies left before expiry at {@code now}, never negative ({@code nf_ct_expires}). */
    public abstract long expires(long now);

    /** A number identifying the connection for listings and events ({@code id=}). */
    public abstract int id();

    /** The connection mark ({@code ct mark}). */
    public abstract int mark();

    public abstract void setMark(int mark);

    /** The connection this one was expected by (RELATED), or null. */
    public abstract Connection master();

    /** The helper assigned to the connection, or null. */
    public abstract Helper helper();

    /** The helper's private data for this connection (created by {@link Helper#newData}), or null. */
    public abstract Object helperData();

    /** The L4 tracker's state object for this connection, or null. */
    public abstract Object protoState();

    public abstract void setProtoState(Object state);

    /** One word of L4 tracker state, for trackers that need no more (UDP keeps its stream deadline here). */
    public abstract long protoWord();

    public abstract void setProtoWord(long word);

    /** NAT's binding data for this connection, or null. */
    public abstract Object natState();

    public abstract void setNatState(Object state);

    /** TCP sequence adjustments after payload rewriting, or null when none were set up. */
    public abstract SeqAdj seqAdj();

    /** The engine this connection belongs to. */
    public abstract Conntrack net();

    /** {@code nf_ct_is_expired}: is the deadline reached at {@code now}? Only meaningful once confirmed. */
    public final boolean isExpired(long now) {
        return timeout() - now <= 0;
    }

    @Override
    public String toString() {
        Tuple o = tuple(Direction.ORIGINAL, new Tuple());
        Tuple r = tuple(Direction.REPLY, new Tuple());
        return "Connection#" + Integer.toUnsignedString(id()) + "[" + o + " | " + r + " status=" + Status.names(status())
            + "]";
    }
}
