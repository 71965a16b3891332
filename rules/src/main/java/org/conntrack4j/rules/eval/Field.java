package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Zone;

/**
 * A packet or conntrack field of at most 32 bits, loaded as nft loads it (meta, payload or ct expression, with
 * the dependency nft adds in front). {@link #load} returns the unsigned value, or {@link #FAIL} when nft's load
 * would end the rule ({@code NFT_BREAK}): no connection for a ct key, no transport header, another family.
 */
abstract class Field {
    static final long FAIL = -1;

    private final String name;

    private Field(String name) {
        this.name = name;
    }

    abstract long load(Packet p, long info);

    @Override
    public String toString() {
        return name;
    }

    /** {@code meta iif} / {@code meta oif}: the device index, 0 without a device. */
    static Field ifindex(boolean out) {
        return new Field(out ? "oif" : "iif") {
            @Override
            long load(Packet p, long info) {
                NetDevice d = out ? p.out : p.in;
                return d == null ? 0 : d.index() & 0xffffffffL;
            }
        };
    }

    /** {@code meta l4proto}: nft's own transport protocol; fails when nft found none. */
    static final Field L4PROTO = new Field("meta l4proto") {
        @Override
        long load(Packet p, long info) {
            return (info & PktInfo.L4PROTO) == 0 ? FAIL : PktInfo.tprot(info);
        }
    };

    /** {@code meta nfproto}: the hook's family. */
    static final Field NFPROTO = new Field("meta nfproto") {
        @Override
        long load(Packet p, long info) {
            return p.family;
        }
    };

    /** A byte of the network header of {@code family} (with nft's {@code meta nfproto} dependency). */
    static Field network8(String name, int family, int offset) {
        return new Field(name) {
            @Override
            long load(Packet p, long info) {
                return p.family != family || offset >= p.length() ? FAIL : p.u8(offset);
            }
        };
    }

    /** A 32-bit word of the IPv4 header (addresses). */
    static Field network32(String name, int offset) {
        return new Field(name) {
            @Override
            long load(Packet p, long info) {
                return p.family != Family.IPV4 || offset + 4 > p.length() ? FAIL : p.u32(offset) & 0xffffffffL;
            }
        };
    }

    /**
     * A 16-bit word of the transport header of protocol {@code proto} ({@code meta l4proto} dependency, then a
     * transport payload load, which fails on non-first fragments and short headers).
     */
    static Field transport16(String name, int proto, int offset) {
        return new Field(name) {
            @Override
            long load(Packet p, long info) {
                if ((info & (PktInfo.L4PROTO | PktInfo.FRAGMENT)) != PktInfo.L4PROTO || PktInfo.tprot(info) != proto) {
                    return FAIL;
                }
                int at = PktInfo.thoff(info) + offset;
                return at + 2 > p.length() ? FAIL : p.u16(at);
            }
        };
    }

    /**
     * Does the packet carry a zone template and no connection ({@code ct zone set} before conntrack)? Linux's ct
     * expressions see the template as the packet's connection then: state new, direction original, mark, status and
     * labels its own (0; status IPS_TEMPLATE | IPS_CONFIRMED), zone its zone.
     */
    static boolean template(Packet p) {
        return p.ct == null && Zone.isTemplate(p.zone);
    }

    /** The template connection's status: {@code IPS_TEMPLATE} and {@code IPS_CONFIRMED}, as nft's is made. */
    static final long TEMPLATE_STATUS = 1L << 11 | Status.CONFIRMED;

    /**
     * {@code ct state} as {@code nft_ct_get_eval} computes it: {@code NF_CT_STATE_BIT(ctinfo)} with a
     * connection, else untracked (64) or invalid (1).
     */
    static final Field CT_STATE = new Field("ct state") {
        @Override
        long load(Packet p, long info) {
            if (p.ct != null) {
                return 1L << (p.ctinfo % CtInfo.IS_REPLY + 1);
            }
            if (template(p)) {
                return 1L << (CtInfo.NEW + 1);
            }
            return p.ctinfo == CtInfo.UNTRACKED ? 64 : 1;
        }
    };

    static final Field CT_DIRECTION = new Field("ct direction") {
        @Override
        long load(Packet p, long info) {
            return p.ct != null ? CtInfo.direction(p.ctinfo) : template(p) ? Direction.ORIGINAL : FAIL;
        }
    };

    static final Field CT_STATUS = new Field("ct status") {
        @Override
        long load(Packet p, long info) {
            Connection ct = p.ct;
            return ct != null ? ct.status() & 0xffffffffL : template(p) ? TEMPLATE_STATUS : FAIL;
        }
    };

    static final Field CT_MARK = new Field("ct mark") {
        @Override
        long load(Packet p, long info) {
            Connection ct = p.ct;
            return ct != null ? ct.mark() & 0xffffffffL : template(p) ? 0 : FAIL;
        }
    };

    /** {@code meta mark}: the packet mark. */
    static final Field META_MARK = new Field("meta mark") {
        @Override
        long load(Packet p, long info) {
            return p.mark & 0xffffffffL;
        }
    };

    /**
     * {@code ct zone} ({@code dir} -1), {@code ct original zone} (0), {@code ct reply zone} (1): the zone's id, or
     * that of one direction ({@code nf_ct_zone_id}).
     */
    static Field ctZone(int dir) {
        return new Field(dir < 0 ? "ct zone" : dir == 0 ? "ct original zone" : "ct reply zone") {
            @Override
            long load(Packet p, long info) {
                Connection ct = p.ct;
                if (ct != null) {
                    return dir < 0 ? ct.zone() : ct.zoneId(dir);
                }
                if (template(p)) {
                    return dir < 0 ? Zone.id(p.zone) : Zone.idFor(p.zone, dir);
                }
                return FAIL;
            }
        };
    }

    /**
     * {@code ether saddr} / {@code ether daddr}: six bytes of the link-layer header at {@code offset}, after nft's
     * {@code meta iiftype ether} (a packet that came in on a device, with its Ethernet header kept).
     */
    static Field ether(String name, int offset) {
        return new Field(name) {
            @Override
            long load(Packet p, long info) {
                if (p.in == null || p.macLen < 14) {
                    return FAIL;
                }
                int at = offset - p.macLen;
                return (p.u16(at) & 0xffffL) << 32 | p.u32(at + 2) & 0xffffffffL;
            }
        };
    }

    /** {@code field & mask}, for {@code ct mark and 0xff == 0x1} ({@code nft_bitwise}). */
    static Field masked(Field f, long mask) {
        return new Field(f + " & 0x" + Long.toHexString(mask)) {
            @Override
            long load(Packet p, long info) {
                long v = f.load(p, info);
                return v == FAIL ? FAIL : v & mask;
            }
        };
    }
}
