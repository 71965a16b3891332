package org.conntrack4j.helper.ftp;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;

/**
 * The NAT half of the FTP helper ({@code nf_nat_ftp.c}), used when the control connection is translated: the
 * data connection will come from (or go to) where the segment is sent, so the announcement is rewritten to
 * name that address, with the expected port or a free one, and the expected connection is told to follow
 * the master's binding back to the real endpoint.
 */
final class FtpNat {
    /** Longest text written: {@code |2|} + 39 characters of full IPv6 + {@code |65535|}. */
    static final int MAX_TEXT = 3 + 39 + 7;

    static final String ALL_PORTS_IN_USE = FtpHelper.LOG_PREFIX + "all ports in use";
    static final String CANNOT_MANGLE = FtpHelper.LOG_PREFIX + "cannot mangle packet";

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private FtpNat() {
    }

    /**
     * Inserts {@code exp} (announced by a segment of direction {@code dir}, its numbers described by
     * {@code cmd}) with a free port and rewrites the segment; returns the verdict. As in the kernel: no free
     * port drops the segment; a failed rewrite removes the expectation again and drops the segment.
     */
    static int rewrite(Nat nat, Conntrack net, Packet pkt, int protoff, Connection ct, int ctinfo, int dir, int type,
        FtpCommand cmd, ExpectationRequest exp) {
        int other = dir ^ 1;
        // the expected connection really goes to the announcing side, at the announced port
        exp.saved(ct.srcHi(dir), ct.srcLo(dir), exp.dstPort(), other);
        exp.expectFn(nat::followMaster);
        int port = nat.expectWithFreePort(exp, cmd.port);
        if (port == 0) {
            pkt.reason = ALL_PORTS_IN_USE;
            return Verdict.DROP;
        }
        byte[] text = new byte[MAX_TEXT];
        // the peer will connect to where this segment goes: the other direction's destination
        int n = format(type, ct.family(), ct.dstHi(other), ct.dstLo(other), port, text);
        if (!nat.mangleTcpPacket(pkt, ct, ctinfo, protoff, cmd.matchOff, cmd.matchLen, text, 0, n)) {
            pkt.reason = CANNOT_MANGLE;
            net.services().unexpectRelated(exp);
            return Verdict.DROP;
        }
        return Verdict.ACCEPT;
    }

    /**
     * Writes the numbers of an announcement of {@code type} for address {@code hi/lo} and {@code port} into
     * {@code out} in the kernel's format ({@code nf_nat_ftp_fmt_cmd}); returns the length.
     * <pre>
     *   PORT, 227  a,b,c,d,p1,p2      the first four bytes of the address (all of IPv4)
     *   EPRT       |1|a.b.c.d|port|   IPv4
     *              |2|x:x:x:x:x:x:x:x|port|   IPv6, every word as four lower-case hex digits
     *   229        |||port|
     * </pre>
     */
    static int format(int type, int family, long hi, long lo, int port, byte[] out) {
        int first = family == Family.IPV4 ? (int) lo : (int) (hi >>> 32);
        int n = 0;
        switch (type) {
            case FtpSearch.PORT:
            case FtpSearch.PASV:
                for (int shift = 24; shift >= 0; shift -= 8) {
                    n = decimal(out, n, first >>> shift & 0xff);
                    out[n++] = ',';
                }
                n = decimal(out, n, port >>> 8);
                out[n++] = ',';
                return decimal(out, n, port & 0xff);
            case FtpSearch.EPRT:
                out[n++] = '|';
                if (family == Family.IPV4) {
                    out[n++] = '1';
                    out[n++] = '|';
                    for (int shift = 24; shift >= 0; shift -= 8) {
                        n = decimal(out, n, first >>> shift & 0xff);
                        out[n++] = (byte) (shift == 0 ? '|' : '.');
                    }
                } else {
                    out[n++] = '2';
                    out[n++] = '|';
                    n = fullIpv6(out, n, hi, lo);
                    out[n++] = '|';
                }
                n = decimal(out, n, port);
                out[n++] = '|';
                return n;
            case FtpSearch.EPSV:
                out[n++] = '|';
                out[n++] = '|';
                out[n++] = '|';
                n = decimal(out, n, port);
                out[n++] = '|';
                return n;
            default:
                throw new IllegalArgumentException("announcement type " + type);
        }
    }

    /** Unsigned decimal without leading zeros. */
    private static int decimal(byte[] out, int at, int v) {
        int digits = v >= 10000 ? 5 : v >= 1000 ? 4 : v >= 100 ? 3 : v >= 10 ? 2 : 1;
        for (int i = digits - 1; i >= 0; i--) {
            out[at + i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        return at + digits;
    }

    /** Eight words of four hex digits separated by ':' (the kernel's {@code %pI6}, not compressed). */
    private static int fullIpv6(byte[] out, int at, long hi, long lo) {
        int n = at;
        for (int word = 0; word < 8; word++) {
            long half = word < 4 ? hi : lo;
            int v = (int) (half >>> (48 - 16 * (word & 3))) & 0xffff;
            if (word > 0) {
                out[n++] = ':';
            }
            for (int shift = 12; shift >= 0; shift -= 4) {
                out[n++] = HEX[v >>> shift & 0xf];
            }
        }
        return n;
    }
}
