package org.conntrack4j.sync.cache;

import java.util.Objects;

import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncExpectation;
import org.conntrack4j.sync.api.SyncTuple;

/** Hashing and identity of cache entries, as cache-ct.c / cache-exp.c with libnetfilter_conntrack's compare. */
public final class Kinds {
    private Kinds() {
    }

    /**
     * Connections: bucket from the original tuple and the zone (cache_hash4_ct / cache_hash6_ct); the same
     * connection when family, protocol, addresses and (for port protocols) ports or (for ICMP) type, code
     * and id agree: {@code nfct_cmp(..., NFCT_CMP_ORIG)}. The zone chooses the bucket but is not compared,
     * as in conntrackd.
     */
    public static final Cache.Kind<SyncConnection> CONNECTION = new Cache.Kind<>() {
        @Override
        public int bucket(SyncConnection c, int hashsize) {
            SyncTuple t = c.orig();
            boolean v6 = t.isIpv6();
            int[] a = new int[v6 ? 11 : 5];
            Jhash.words(t.src().getAddress(), a, 0);
            Jhash.words(t.dst().getAddress(), a, v6 ? 4 : 1);
            int i = v6 ? 8 : 2;
            a[i] = t.family() << 16 | t.protonum();
            // libnetfilter_conntrack hands out the ports only where they are set: ICMP's fields are not ports
            a[i + 1] = t.isIcmp() ? 0 : Jhash.swap16(t.srcPort()) << 16 | Jhash.swap16(t.dstPort());
            a[i + 2] = c.zone() == null ? 0 : c.zone();
            return Jhash.bucket(Jhash.jhash2(a, a.length, 0), hashsize);
        }

        @Override
        public boolean same(SyncConnection x, SyncConnection y) {
            SyncTuple a = x.orig();
            SyncTuple b = y.orig();
            if (a.family() != b.family() || a.protonum() != b.protonum() || !a.src().equals(b.src())
                    || !a.dst().equals(b.dst())) {
                return false;
            }
            switch (a.protonum()) {
                case 1, 58, 6, 17, 136, 33, 132 -> {
                    return a.srcPort() == b.srcPort() && a.dstPort() == b.dstPort();
                }
                default -> {
                    return true;
                }
            }
        }
    };

    /**
     * Expectations: bucket from the master's tuple without zone (cache_hash4_exp / cache_hash6_exp); the
     * same when master, expected and mask tuples, flags, class, helper, NAT and function agree (nfexp_cmp:
     * the timeout is not compared; an attribute set on one side only does not count).
     */
    public static final Cache.Kind<SyncExpectation> EXPECTATION = new Cache.Kind<>() {
        @Override
        public int bucket(SyncExpectation e, int hashsize) {
            SyncTuple t = e.master();
            boolean v6 = t.isIpv6();
            int[] a = new int[v6 ? 10 : 4];
            Jhash.words(t.src().getAddress(), a, 0);
            Jhash.words(t.dst().getAddress(), a, v6 ? 4 : 1);
            int i = v6 ? 8 : 2;
            a[i] = t.family() << 16 | t.protonum();
            a[i + 1] = e.hasPorts() ? Jhash.swap16(t.srcPort()) << 16 | Jhash.swap16(t.dstPort()) : 0;
            return Jhash.bucket(Jhash.jhash2(a, a.length, 0), hashsize);
        }

        @Override
        public boolean same(SyncExpectation a, SyncExpectation b) {
            return a.master().equals(b.master()) && a.expected().equals(b.expected()) && a.mask().equals(b.mask())
                    && a.flags() == b.flags() && loose(a.helper(), b.helper())
                    && loose(a.expectClass(), b.expectClass()) && loose(a.nat(), b.nat())
                    && (a.nat() == null || b.nat() == null || a.natDir() == b.natDir())
                    && loose(a.function(), b.function());
        }
    };

    private static boolean loose(Object a, Object b) {
        return a == null || b == null || Objects.equals(a, b);
    }
}
