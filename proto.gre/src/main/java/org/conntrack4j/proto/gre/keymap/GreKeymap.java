package org.conntrack4j.proto.gre.keymap;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Tuple;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One engine's GRE key map (Linux's per-namespace {@code keymap_list}). An enhanced GRE packet (version 1, PPTP)
 * carries only the call ID its receiver chose; the tuple's source key is the sender's own call ID, which only the
 * control connection knows. The PPTP helper maps, for each direction of a call, the tuple the GRE packets of that
 * direction have (addresses and the destination key) to the tuple's source key; the GRE tracker looks the source
 * key up for every enhanced GRE packet ({@link #sourceKey}), 0 when nothing maps it.
 *
 * <p>Entries belong to the master (the PPTP control connection): at most one per direction, removed together by
 * {@link #destroy}, which the helper calls when the call ends or the master dies, and the GRE tracker calls when a
 * GRE connection expected by the master is destroyed. Entries of a master that died without that (after its helper
 * left) are dropped at the next change of the map; Linux keeps them until the namespace goes.
 */
@ProviderType
public interface GreKeymap {
    /** {@link #add}: the entry was added. */
    int ADDED = 0;
    /** {@link #add}: the master's entry for the direction maps this tuple already (a call set up again). */
    int KNOWN = 1;
    /** {@link #add}: the master has another entry for the direction ({@code -EEXIST}); nothing changed. */
    int TAKEN = -1;

    /**
     * Maps the tuple {@code t} of direction {@code dir} ({@code Direction}) of {@code master}'s call
     * ({@code nf_ct_gre_keymap_add} of Linux 6.18): {@code t}'s addresses, family and destination key
     * ({@code dstPort}) to its source key ({@code srcPort}). An existing entry of the master for {@code dir} counts
     * as the same when the addresses and destination key are equal (the source key is not compared, as in Linux).
     * Returns {@link #ADDED}, {@link #KNOWN} or {@link #TAKEN}.
     */
    int add(Connection master, int dir, Tuple t);

    /** Removes the master's entries, if any ({@code nf_ct_gre_keymap_destroy}). */
    void destroy(Connection master);

    /**
     * The source key of an enhanced GRE packet with tuple {@code t} (addresses, family and destination key; the
     * source key is not read): the first entry added that matches ({@code gre_keymap_lookup}), or 0.
     */
    int sourceKey(Tuple t);
}
