package org.conntrack4j.helper.ftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Addr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** IPv6 addresses in EPRT, read as the kernel's {@code in6_pton} reads them, up to the delimiter. */
class Inet6TextTest {
    static Packet text(String s) {
        byte[] b = FtpRig.ascii(s);
        Packet p = new Packet(b.length + 64);
        p.load(b, 0, b.length, 0);
        return p;
    }

    private static FtpCommand parse(String s, int expectLength) {
        FtpCommand cmd = new FtpCommand();
        cmd.reset(Family.IPV6, 7, 7);
        Packet p = text(s);
        assertEquals(expectLength, Inet6Text.parse(p, 0, p.length(), '|', cmd), s);
        return cmd;
    }

    @ParameterizedTest
    @ValueSource(strings = {"2001:db8:1::10", "::", "::1", "1::", "1:2:3:4:5:6:7:8", "2001:DB8::A", "fe80::1:2",
        "::ffff:192.0.2.1", "1:2:3:4:5:6:192.0.2.1", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "0:0:0:0:0:0:0:0",
        "abcd:ef01::0023:4567"})
    void wellFormedAddressesAreReadUpToTheDelimiter(String addr) {
        FtpCommand cmd = parse(addr + "|6275|", addr.length());
        assertArrayEquals(Addr.parseV6(addr), new long[] {cmd.addrHi, cmd.addrLo}, addr);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1:2:3:4:5:6:7:8:9", "12345::", ":::", "1::2::3", "g::1", "1:2", ":1::", "::1.2.3",
        "::1.2.3.4.5", "::256.1.1.1", "", "1:2:3:4:5:6:7:8::", "::1 ", "1.2.3.4", "::01.2.3.4x"})
    void malformedAddressesAreRefusedAndLeaveTheCommandAlone(String addr) {
        FtpCommand cmd = parse(addr + "|6275|", 0);
        assertEquals(7, cmd.addrHi);
        assertEquals(7, cmd.addrLo);
    }

    @ParameterizedTest
    @ValueSource(strings = {"::1\u0000|", "::1"})
    void aNulByteOrTheEndOfTheBytesEndsTheAddressLikeTheDelimiter(String s) {
        FtpCommand cmd = parse(s, 3);
        assertEquals(0, cmd.addrHi);
        assertEquals(1, cmd.addrLo);
    }
}
