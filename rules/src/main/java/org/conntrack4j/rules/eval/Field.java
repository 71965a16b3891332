package org.conntrack4j.rules.eval;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;

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
     * {@code ct state} as {@code nft_ct_get_eval} computes it: {@code NF_CT_STATE_BIT(ctinfo)} with a
     * connection, else untracked (64) or invalid (1).
     */
    static final Field CT_STATE = new Field("ct state") {
        @Override
        long load(Packet p, long info) {
            if (p.ct != null) {
                return 1L << (p.ctinfo % CtInfo.IS_REPLY + 1);
            }
            return p.ctinfo == CtInfo.UNTRACKED ? 64 : 1;
        }
    };

    static final Field CT_DIRECTION = new Field("ct direction") {
        @Override
        long load(Packet p, long info) {
            return p.ct == null ? FAIL : CtInfo.direction(p.ctinfo);
        }
    };

    static final Field CT_STATUS = new Field("ct status") {
        @Override
        long load(Packet p, long info) {
            Connection ct = p.ct;
            return ct == null ? FAIL : ct.status() & 0xffffffffL;
        }
    };

    static final Field CT_MARK = new Field("ct mark") {
        @Override
        long load(Packet p, long info) {
            Connection ct = p.ct;
            return ct == null ? FAIL : ct.mark() & 0xffffffffL;
        }
    };
}
