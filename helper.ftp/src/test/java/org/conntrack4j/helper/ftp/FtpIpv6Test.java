package org.conntrack4j.helper.ftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Addr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FTP over IPv6: EPRT with protocol 2 and the 229 reply; PORT and 227 only as far as the kernel reads them. */
class FtpIpv6Test {
    private static final String C = "2001:db8:1::10";
    private static final String S = "2001:db8:2::10";

    private final FtpRig rig = new FtpRig();
    private final FtpRig.Session s = rig.new Session(C, 46000, S, 21).handshake().login();

    private Tuple onlyExpected() {
        List<ExpectationSnapshot> x = rig.net.table().expectations();
        assertEquals(1, x.size(), rig.expectations().toString());
        return x.get(0).tuple();
    }

    private static void assertAddress(String want, long hi, long lo) {
        long[] a = Addr.parseV6(want);
        assertEquals(want, Addr.toText(Family.IPV6, hi, lo));
        assertEquals(a[0], hi);
        assertEquals(a[1], lo);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2001:db8:1::10", "2001:0DB8:0001:0000:0000:0000:0000:0010", "2001:db8:1:0::0.0.0.16"})
    void anEprtCommandWithTheClientsAddressInAnyFormExpectsTheDataConnection(String written) {
        assertEquals(Verdict.ACCEPT, s.client("EPRT |2|" + written + "|40000|\r\n").verdict);
        Tuple t = onlyExpected();
        assertAddress(S, t.srcHi, t.srcLo);
        assertAddress(C, t.dstHi, t.dstLo);
        assertEquals(40000, t.dstPort);
        assertTrue(rig.expectations().get(0).contains("mask-src=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            rig.expectations().toString());
        assertEquals("related", rig.forward(FtpRig.tcp(S, 20, C, 40000, 7, 0, FtpRig.SYN, new byte[0])).state);
    }

    @Test
    void anEprtCommandNamingAnotherHostMakesNoExpectation() {
        assertEquals(Verdict.ACCEPT, s.client("EPRT |2|2001:db8:1::11|40000|\r\n").verdict);
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void anEprtCommandWithProtocol1IsDroppedOnIpv6() {
        assertEquals(Verdict.DROP, s.client("EPRT |1|198.51.100.10|40000|\r\n").verdict);
    }

    @ParameterizedTest
    @ValueSource(strings = {"EPRT |2|2001:db8:1::10:|40000|\r\n", "EPRT |2|2001:db8:1:::10|40000|\r\n",
        "EPRT |2|2001:db8:1::10\r\n", "EPRT |2||40000|\r\n"})
    void malformedIpv6EprtCommandsAreDropped(String cmd) {
        assertEquals(Verdict.DROP, s.client(cmd).verdict);
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void anExtendedPassiveReplyExpectsTheClientToTheServer() {
        assertEquals(Verdict.ACCEPT, s.server("229 Entering Extended Passive Mode (|||30005|)\r\n").verdict);
        Tuple t = onlyExpected();
        assertAddress(C, t.srcHi, t.srcLo);
        assertAddress(S, t.dstHi, t.dstLo);
        assertEquals(30005, t.dstPort);
    }

    @Test
    void aPortCommandOnIpv6OnlyReplacesTheTopOfTheAddressAndSoNamesAnotherHost() {
        assertEquals(Verdict.ACCEPT, s.client("PORT 198,51,100,10,156,166\r\n").verdict);
        s.server("227 Entering Passive Mode (203,0,113,10,117,50).\r\n");
        assertEquals(List.of(), rig.expectations());
    }

    @Test
    void aPortCommandOnIpv6NamingTheTopOfTheClientsAddressIsExpectedAsTheKernelDoes() {
        // 32,1,13,184 is 2001:0db8, the first four bytes of the client's address
        s.client("PORT 32,1,13,184,156,166\r\n");
        Tuple t = onlyExpected();
        assertAddress(C, t.dstHi, t.dstLo);
        assertEquals(40102, t.dstPort);
    }
}
