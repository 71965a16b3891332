package org.conntrack4j.nat;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.NetDevice;

/**
 * Which of an interface's IPv6 addresses masquerade and redirect use (IPv4 takes the interface's address in
 * the destination's subnet, else its first one: {@link NetDevice#selectSource}).
 */
final class SourceAddress {
    private SourceAddress() {
    }

    /**
     * The source for a packet to {@code (dstHi, dstLo)} leaving by {@code out} ({@code ipv6_dev_get_saddr}, the
     * RFC 6724 rules that matter for an interface's own addresses): an address of the destination's scope
     * (link-local for a link-local destination, global otherwise), then the longest common prefix with the
     * destination, then the first configured. Null if the interface has no usable IPv6 address.
     */
    static NetDevice.IfAddr ipv6Source(NetDevice out, long dstHi, long dstLo) {
        boolean linkLocal = isLinkLocal(dstHi);
        NetDevice.IfAddr best = null;
        int bestScore = -1;
        for (NetDevice.IfAddr a : out.addresses()) {
            if (a.family != Family.IPV6 || isMapped(a)) {
                continue;
            }
            int score = (isLinkLocal(a.hi) == linkLocal ? 256 : 0) + commonPrefix(a.hi, a.lo, dstHi, dstLo);
            if (score > bestScore) {
                best = a;
                bestScore = score;
            }
        }
        return best;
    }

    /**
     * The destination for {@code redirect} on arrival by {@code in} ({@code nf_nat_redirect_ipv6}): the first of
     * the interface's usable addresses, in the kernel's order (global scope before link-local). Null if none.
     */
    static NetDevice.IfAddr ipv6Redirect(NetDevice in) {
        NetDevice.IfAddr linkLocal = null;
        for (NetDevice.IfAddr a : in.addresses()) {
            if (a.family != Family.IPV6 || isMapped(a)) {
                continue;
            }
            if (!isLinkLocal(a.hi)) {
                return a;
            }
            if (linkLocal == null) {
                linkLocal = a;
            }
        }
        return linkLocal;
    }

    private static boolean isLinkLocal(long hi) {
        return (hi >>> 54) == (0xfe80L >>> 6);
    }

    private static boolean isMapped(NetDevice.IfAddr a) {
        return a.hi == 0 && (a.lo >>> 32) == 0xffffL;
    }

    private static int commonPrefix(long aHi, long aLo, long bHi, long bLo) {
        long x = aHi ^ bHi;
        if (x != 0) {
            return Long.numberOfLeadingZeros(x);
        }
        return 64 + Long.numberOfLeadingZeros(aLo ^ bLo);
    }
}
