package org.conntrack4j.nat;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.nat.NatManip;

/**
 * What NAT keeps with one connection ({@code struct nf_conn_nat} plus the {@code nat_bysource} link), in
 * {@link Connection#natState()}: the engine that bound it, the rules that did (for listings), the interface a
 * masqueraded connection left by, and its place in the engine's by-source table.
 *
 * <p>Guard: the origins and {@link #masqIndex} are written while the connection is unconfirmed, by the one thread
 * that owns it, and only read afterwards (confirmation publishes them). The source key, {@link #linked}, {@link #linkedAt}
 * and {@link #next} belong to {@link BySource} and are guarded by the lock stripe of the connection's original source.
 */
final class NatBinding {
    final NatEngine owner;
    final Connection ct;
    /** The rule that made the source binding, null for a null binding. */
    String srcOrigin;
    /** The rule that made the destination binding, null for a null binding. */
    String dstOrigin;
    /** {@code masq_index}: the output interface of a masqueraded connection, 0 if not masqueraded. */
    int masqIndex;
    /** The original source (protocol, address, "u" field), copied when linked so that lookups need not touch ct. */
    int srcProto;
    long srcHi;
    long srcLo;
    int srcPort;
    /** In the by-source table (the connection has a source binding)? */
    boolean linked;
    /** Jiffies when linked: an entry still unconfirmed a second later belongs to a dropped first packet. */
    long linkedAt;
    NatBinding next;

    NatBinding(NatEngine owner, Connection ct) {
        this.owner = owner;
        this.ct = ct;
    }

    String origin(int manip) {
        return manip == NatManip.SRC ? srcOrigin : dstOrigin;
    }

    void setOrigin(int manip, String origin) {
        if (manip == NatManip.SRC) {
            srcOrigin = origin;
        } else {
            dstOrigin = origin;
        }
    }
}
