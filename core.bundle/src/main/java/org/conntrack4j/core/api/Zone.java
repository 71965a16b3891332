package org.conntrack4j.core.api;

/**
 * Conntrack zones ({@code struct nf_conntrack_zone}): a 16-bit id and the directions it applies to. A zone that
 * applies to one direction only ({@code ct original zone set 1}) keeps that direction's tuple in the zone and the
 * other direction's in zone 0 ({@code nf_ct_zone_id}): two connections with the same original tuple in zones 1 and 2
 * are two connections, yet their reply tuples meet in zone 0, so NAT must keep those apart.
 *
 * <p>A zone is handed around packed in an int, as {@link Packet#zone} carries a rule's zone template: the id in
 * bits 0-15, the directions in bits 16-17 ({@link #DIR_ORIGINAL}, {@link #DIR_REPLY}; 0 means both, so a plain id
 * is a zone of both directions), and {@link #TEMPLATE} once a rule attached it (Linux's template connection on the
 * skb: later {@code ct zone set} rules leave a packet that has one alone). Plain static functions, no state.
 *
 * @since 2.1
 */
public final class Zone {
    /** {@code NF_CT_ZONE_DIR_ORIG}: the zone applies to the original direction. */
    public static final int DIR_ORIGINAL = 1;
    /** {@code NF_CT_ZONE_DIR_REPL}: the zone applies to the reply direction. */
    public static final int DIR_REPLY = 2;
    /** {@code NF_CT_DEFAULT_ZONE_DIR}: both directions (the default). */
    public static final int DIR_BOTH = DIR_ORIGINAL | DIR_REPLY;
    /** Set in a packed zone attached to a packet by a rule ({@code nft_ct_set_zone_eval}'s template). */
    public static final int TEMPLATE = 1 << 18;

    private Zone() {
    }

    /** A zone template for {@link Packet#zone}: {@code id} (0-65535) in the directions {@code dirs}. */
    public static int template(int id, int dirs) {
        if (id < 0 || id > 0xffff || dirs < DIR_ORIGINAL || dirs > DIR_BOTH) {
            throw new IllegalArgumentException("zone " + id + " directions " + dirs);
        }
        return TEMPLATE | (dirs == DIR_BOTH ? 0 : dirs << 16) | id;
    }

    /** The zone's id ({@code zone->id}), whatever its directions. */
    public static int id(int zone) {
        return zone & 0xffff;
    }

    /** The directions the zone applies to: {@link #DIR_ORIGINAL}, {@link #DIR_REPLY} or {@link #DIR_BOTH}. */
    public static int dirs(int zone) {
        int d = (zone >>> 16) & DIR_BOTH;
        return d == 0 ? DIR_BOTH : d;
    }

    /**
     * {@code nf_ct_zone_id}: the zone id a tuple of direction {@code dir} ({@link Direction}) is in: the id where the
     * zone applies to that direction, else 0 (the default zone).
     */
    public static int idFor(int zone, int dir) {
        return (dirs(zone) & (1 << dir)) != 0 ? zone & 0xffff : 0;
    }

    /** Was the zone attached by a rule ({@link #TEMPLATE})? */
    public static boolean isTemplate(int zone) {
        return (zone & TEMPLATE) != 0;
    }
}
