package org.conntrack4j.sync.wire;

import org.conntrack4j.sync.api.SyncExpectation;
import org.conntrack4j.sync.api.SyncTuple;

/**
 * The attributes of an expectation message: conntrackd's {@code exp2msg} (build.c) and {@code msg2exp}
 * (parse.c) written against {@link SyncExpectation}.
 */
public final class NtaExp {
    private NtaExp() {
    }

    // enum nta_exp_attr
    public static final int MASTER_IPV4 = 0;
    public static final int MASTER_IPV6 = 1;
    public static final int MASTER_L4PROTO = 2;
    public static final int MASTER_PORT = 3;
    public static final int EXPECT_IPV4 = 4;
    public static final int EXPECT_IPV6 = 5;
    public static final int EXPECT_L4PROTO = 6;
    public static final int EXPECT_PORT = 7;
    public static final int MASK_IPV4 = 8;
    public static final int MASK_IPV6 = 9;
    public static final int MASK_L4PROTO = 10;
    public static final int MASK_PORT = 11;
    public static final int TIMEOUT = 12;
    public static final int FLAGS = 13;
    public static final int CLASS = 14;
    public static final int NAT_IPV4 = 15;
    public static final int NAT_PORT = 16;
    public static final int NAT_L4PROTO = 17;
    public static final int NAT_DIR = 18;
    public static final int HELPER_NAME = 19;
    public static final int FN = 20;
    public static final int MAX = 21;

    static final int[] SIZE = {8, 32, 1, 4, 8, 32, 1, 4, 8, 32, 1, 4, 4, 4, 4, 8, 4, 1, 4, -1, -1};
    /** The expectation function name's attribute is capped at 32 bytes ("artificial limit" in parse.c). */
    static final int[] MAX_SIZE = new int[MAX];

    static {
        MAX_SIZE[HELPER_NAME] = NtaCt.HELPER_NAME_MAX;
        MAX_SIZE[FN] = 32;
    }

    /**
     * Appends the attributes of {@code e} in exp2msg's order.
     *
     * @return false when they did not fit into one message
     */
    public static boolean encode(SyncExpectation e, NtaCt.Options o, MessageBuilder m) {
        boolean ports = e.hasPorts();
        tuple(e.master(), MASTER_IPV4, MASTER_L4PROTO, MASTER_PORT, ports, m);
        tuple(e.expected(), EXPECT_IPV4, EXPECT_L4PROTO, EXPECT_PORT, ports, m);
        tuple(e.mask(), MASK_IPV4, MASK_L4PROTO, MASK_PORT, ports, m);
        if (o.sendTimeout() && e.timeout() != null) {
            m.u32(TIMEOUT, e.timeout());
        }
        m.u32(FLAGS, e.flags());
        if (e.expectClass() != null) {
            m.u32(CLASS, e.expectClass());
        }
        SyncTuple nat = e.nat();
        if (nat != null) {
            // build.c has no IPv6 NAT attribute: an IPv6 NAT tuple travels without its addresses
            if (!nat.isIpv6()) {
                m.bytes(NAT_IPV4, nat.src().getAddress(), nat.dst().getAddress());
            }
            m.u8(NAT_L4PROTO, nat.protonum());
            if (ports) {
                m.ports(NAT_PORT, nat.srcPort(), nat.dstPort());
            }
            m.u32(NAT_DIR, e.natDir());
        }
        if (e.helper() != null) {
            m.string(HELPER_NAME, e.helper());
        }
        if (e.function() != null) {
            m.string(FN, e.function());
        }
        return !m.overflow();
    }

    private static void tuple(SyncTuple t, int ipv4, int l4proto, int port, boolean ports, MessageBuilder m) {
        // the IPv6 attribute of each group directly follows its IPv4 one
        m.bytes(t.isIpv6() ? ipv4 + 1 : ipv4, t.src().getAddress(), t.dst().getAddress());
        m.u8(l4proto, t.protonum());
        if (ports) {
            m.ports(port, t.srcPort(), t.dstPort());
        }
    }

    /** One tuple being read: master, expected, mask or NAT. */
    private static final class Part {
        byte[] src;
        byte[] dst;
        int proto;
        int sport;
        int dport;
        boolean seen;

        SyncTuple tuple() {
            return src == null ? null : new SyncTuple(NtaCt.address(src), NtaCt.address(dst), proto, sport, dport);
        }
    }

    /**
     * Reads the attributes of an expectation message (msg2exp) with its checks.
     *
     * @return the expectation, or null when the payload is malformed or lacks the master, expected or mask
     *     addresses
     */
    public static SyncExpectation decode(byte[] b, int off, int len) {
        Part[] parts = {new Part(), new Part(), new Part(), new Part()}; // master, expected, mask, nat
        Long timeout = null;
        long flags = 0;
        Long cls = null;
        long natDir = 0;
        String helper = null;
        String fn = null;
        int rem = len - Wire.HEADER_SIZE;
        int p = off + Wire.HEADER_SIZE;
        while (rem > 4) {
            int alen = Wire.u16(b, p);
            int type = Wire.u16(b, p + 2);
            if (alen > rem || type >= MAX || alen < 4) {
                return null;
            }
            int size = SIZE[type];
            if (size >= 0 && alen != 4 + size || size < 0 && alen > MAX_SIZE[type]) {
                return null;
            }
            int v = p + 4;
            Part part = switch (type) {
                case MASTER_IPV4, MASTER_IPV6, MASTER_L4PROTO, MASTER_PORT -> parts[0];
                case EXPECT_IPV4, EXPECT_IPV6, EXPECT_L4PROTO, EXPECT_PORT -> parts[1];
                case MASK_IPV4, MASK_IPV6, MASK_L4PROTO, MASK_PORT -> parts[2];
                case NAT_IPV4, NAT_L4PROTO, NAT_PORT -> parts[3];
                default -> null;
            };
            switch (type) {
                case MASTER_IPV4, EXPECT_IPV4, MASK_IPV4, NAT_IPV4 -> {
                    part.src = NtaCt.slice(b, v, 4);
                    part.dst = NtaCt.slice(b, v + 4, 4);
                }
                case MASTER_IPV6, EXPECT_IPV6, MASK_IPV6 -> {
                    part.src = NtaCt.slice(b, v, 16);
                    part.dst = NtaCt.slice(b, v + 16, 16);
                }
                case MASTER_L4PROTO, EXPECT_L4PROTO, MASK_L4PROTO, NAT_L4PROTO -> part.proto = b[v] & 0xff;
                case MASTER_PORT, EXPECT_PORT, MASK_PORT, NAT_PORT -> {
                    part.sport = Wire.u16(b, v);
                    part.dport = Wire.u16(b, v + 2);
                }
                case TIMEOUT -> timeout = Wire.u32(b, v);
                case FLAGS -> flags = Wire.u32(b, v);
                case CLASS -> cls = Wire.u32(b, v);
                case NAT_DIR -> natDir = Wire.u32(b, v);
                case HELPER_NAME -> helper = NtaCt.cString(b, v, alen - 4);
                case FN -> fn = NtaCt.cString(b, v, alen - 4);
                default -> throw new AssertionError(type);
            }
            if (part != null) {
                part.seen = true;
            }
            int step = Wire.align(alen);
            rem -= step;
            p += step;
        }
        SyncTuple master = parts[0].tuple();
        SyncTuple expected = parts[1].tuple();
        SyncTuple mask = parts[2].tuple();
        if (master == null || expected == null || mask == null) {
            return null;
        }
        SyncTuple nat = null;
        if (parts[3].seen) {
            // an IPv6 NAT tuple arrives without addresses: keep its protocol and ports on unspecified ones
            nat = parts[3].src != null ? parts[3].tuple()
                    : new SyncTuple(NtaCt.address(new byte[master.isIpv6() ? 16 : 4]),
                            NtaCt.address(new byte[master.isIpv6() ? 16 : 4]), parts[3].proto, parts[3].sport,
                            parts[3].dport);
        }
        if ((expected.isIpv6() != master.isIpv6()) || (mask.isIpv6() != master.isIpv6())) {
            return null;
        }
        return new SyncExpectation(master, expected, mask, timeout, flags, cls, nat, natDir, helper, fn);
    }
}
