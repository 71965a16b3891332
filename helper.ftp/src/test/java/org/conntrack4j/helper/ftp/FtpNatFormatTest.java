package org.conntrack4j.helper.ftp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.inet.Addr;
import org.junit.jupiter.api.Test;

/** The text written into a rewritten announcement, byte for byte as {@code nf_nat_ftp_fmt_cmd} writes it. */
class FtpNatFormatTest {
    private static String v4(int type, String addr, int port) {
        byte[] out = new byte[FtpNat.MAX_TEXT];
        int n = FtpNat.format(type, Family.IPV4, 0, Addr.parseV4(addr) & 0xffffffffL, port, out);
        return new String(out, 0, n, StandardCharsets.US_ASCII);
    }

    private static String v6(int type, String addr, int port) {
        byte[] out = new byte[FtpNat.MAX_TEXT];
        long[] a = Addr.parseV6(addr);
        int n = FtpNat.format(type, Family.IPV6, a[0], a[1], port, out);
        return new String(out, 0, n, StandardCharsets.US_ASCII);
    }

    @Test
    void portAndPassiveRepliesGiveSixDecimalNumbers() {
        assertEquals("203,0,113,1,156,166", v4(FtpSearch.PORT, "203.0.113.1", 40102));
        assertEquals("255,255,255,255,255,255", v4(FtpSearch.PASV, "255.255.255.255", 65535));
        assertEquals("0,0,0,0,0,0", v4(FtpSearch.PASV, "0.0.0.0", 0));
    }

    @Test
    void eprtGivesTheDottedAddressOrTheFullIpv6Address() {
        assertEquals("|1|203.0.113.1|43313|", v4(FtpSearch.EPRT, "203.0.113.1", 43313));
        assertEquals("|2|2001:0db8:0000:0000:0000:0000:0000:00ff|1|", v6(FtpSearch.EPRT, "2001:db8::ff", 1));
        assertEquals("|2|ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff|65535|",
            v6(FtpSearch.EPRT, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535));
    }

    @Test
    void extendedPassiveRepliesGiveThePortOnly() {
        assertEquals("|||30005|", v4(FtpSearch.EPSV, "203.0.113.1", 30005));
        assertEquals("|||9|", v6(FtpSearch.EPSV, "2001:db8::1", 9));
    }

    @Test
    void portCommandsOnIpv6UseTheFirstFourBytesAsTheKernelDoes() {
        assertEquals("32,1,13,184,0,80", v6(FtpSearch.PORT, "2001:db8::1", 80));
    }
}
