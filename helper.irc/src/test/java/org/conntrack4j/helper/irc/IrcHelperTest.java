package org.conntrack4j.helper.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.inet.Checksum;
import org.junit.jupiter.api.Test;

/**
 * The IRC helper through the engine, as {@code nf_conntrack_irc} and {@code nf_nat_irc} behave (kernel cases:
 * testdata/oracle/cases/irc_dcc_masq, testdata/recorded/irc*): offers expected from anywhere, forged ones refused
 * and counted, {@code max_dcc_channels} with eviction of the oldest, the module parameters' checks, IPv4 only,
 * and behind masquerade the rewritten offer, its expectation on a free port and the peer's related connection.
 */
class IrcHelperTest {
    private static final String OWN = "3325256714";

    private static String offer(String addr, int port) {
        return "PRIVMSG bob :\1DCC SEND f " + addr + " " + port + " 10\1\r\n";
    }

    private static String expectation(String dst, int port, int cport, int timeout) {
        return timeout + " proto=6 src=0.0.0.0 dst=" + dst + " sport=0 dport=" + port
            + " mask-src=0.0.0.0 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.51.100.10 "
            + "master-dst=203.0.113.10 sport=" + cport + " dport=6667 class=0 helper=irc";
    }

    @Test
    void anOfferOfTheClientsOwnAddressIsExpectedFromAnywhere() {
        IrcLab lab = new IrcLab();
        IrcLab.Session s = lab.new Session(40000);
        s.client("NICK alice\r\n");
        assertEquals(Verdict.ACCEPT, s.client(offer(OWN, 5000)).verdict);
        assertEquals(List.of(expectation(IrcLab.CLIENT, 5000, 40000, 300)), lab.expectations());
        IrcLab.Result syn = lab.forward(IrcLab.tcp("203.0.113.30", 41000, IrcLab.CLIENT, 5000, 7, 0, IrcLab.SYN, ""),
            false);
        assertEquals("related", syn.state);
        assertSame(s.ct, syn.ct.master());
        assertEquals(Map.of("offers", 1L, "forged", 0L, "unreadable", 0L, "dropped", 0L), lab.helper.counters());
    }

    @Test
    void forgedOffersPassWithoutExpectationAndAreCounted() {
        IrcLab lab = new IrcLab();
        IrcLab.Session s = lab.new Session(40001);
        for (String text : List.of(offer("3221225985", 5001), offer(OWN, 0), offer(OWN, 65536),
            offer("3405803786", 5002))) {
            IrcLab.Result r = s.client(text);
            assertEquals(Verdict.ACCEPT, r.verdict);
            assertEquals(text, r.payload(), "passed as it was");
        }
        assertEquals(List.of(), lab.expectations());
        assertEquals(4L, lab.helper.counters().get("forged"));
        s.client("PRIVMSG bob :\1DCC SEND f " + OWN + " 5003 1\1");
        assertEquals(1L, lab.helper.counters().get("unreadable"));
    }

    @Test
    void whatTheServerSendsIsNotRead() {
        IrcLab lab = new IrcLab();
        IrcLab.Session s = lab.new Session(40002);
        s.server(offer("3405803786", 5004));
        assertEquals(List.of(), lab.expectations());
    }

    @Test
    void maxDccChannelsOffersAreExpectedPerConnectionAndTheOldestGoes() {
        IrcLab lab = new IrcLab();
        IrcLab.Session s = lab.new Session(40003);
        for (int port = 5010; port < 5019; port++) {
            s.client(offer(OWN, port));
        }
        List<String> live = lab.expectations();
        assertEquals(8, live.size());
        assertTrue(live.stream().noneMatch(x -> x.contains(" dport=5010 ")), "the oldest was evicted");
        assertTrue(live.stream().anyMatch(x -> x.contains(" dport=5018 ")));
    }

    @Test
    void theModuleParametersSetThePolicy() {
        IrcLab lab = new IrcLab(Map.of("max_dcc_channels", 2, "dcc_timeout", "60"));
        IrcLab.Session s = lab.new Session(40004);
        for (int port = 5020; port < 5023; port++) {
            s.client(offer(OWN, port));
        }
        assertEquals(java.util.Set.of(expectation(IrcLab.CLIENT, 5022, 40004, 60),
            expectation(IrcLab.CLIENT, 5021, 40004, 60)), java.util.Set.copyOf(lab.expectations()));
    }

    @Test
    void parametersOutOfRangeKeepTheHelperFromStartingAsTheyKeepTheModuleFromLoading() {
        IrcHelper h = new IrcHelper();
        assertEquals("nf_conntrack_irc: max_dcc_channels must not be zero",
            assertThrows(IllegalArgumentException.class, () -> h.activate(Map.of("max_dcc_channels", 0))).getMessage());
        assertEquals("nf_conntrack_irc: max_dcc_channels must not be more than 255",
            assertThrows(IllegalArgumentException.class, () -> h.activate(Map.of("max_dcc_channels", "256")))
                .getMessage());
        assertEquals("nf_conntrack_irc: dcc_timeout: not a number: soon",
            assertThrows(IllegalArgumentException.class, () -> h.activate(Map.of("dcc_timeout", "soon"))).getMessage());
        h.activate(Map.of("max_dcc_channels", 255L, "dcc_timeout", 0));
        assertEquals(255, h.expectPolicies().get(0).maxExpected());
        assertEquals(0, h.expectPolicies().get(0).timeoutSeconds());
    }

    @Test
    void thereIsNoIpv6IrcHelperAsInLinux() {
        IrcLab lab = new IrcLab();
        assertFalse(lab.helper.supports(Family.IPV6));
        assertNull(lab.net.services().helper("irc", Family.IPV6, IpProto.TCP));
        assertSame(lab.helper, lab.net.services().helper("irc", Family.IPV4, IpProto.TCP));
    }

    @Test
    void behindMasqueradeTheOfferNamesTheRoutersAddressAndLaterSegmentsAreShifted() {
        IrcLab lab = new IrcLab().masquerade();
        IrcLab.Session s = lab.new Session(40005);
        IrcLab.Result r = s.client(offer(OWN, 5030));
        assertEquals("PRIVMSG bob :\1DCC SEND f 3405803777 5030 10\1\r\n", r.payload());
        assertTrue(Checksum.l4Valid(r.out, 20, IpProto.TCP));
        assertEquals(List.of(expectation(IrcLab.ROUTER, 5030, 40005, 300)), lab.expectations());
        assertEquals(0, s.ct.seqAdj().offsetAfter(Direction.ORIGINAL), "same length: nothing to shift");
        // the client's own address with leading zeros is its own address too; rewritten without them
        IrcLab.Result zeros = s.client(offer("0003325256714", 5031));
        assertEquals("PRIVMSG bob :\1DCC SEND f 3405803777 5031 10\1\r\n", zeros.payload());
        assertEquals(-3, s.ct.seqAdj().offsetAfter(Direction.ORIGINAL));
        IrcLab.Result later = s.client("PRIVMSG bob :thanks\r\n");
        assertEquals(s.cseq - "PRIVMSG bob :thanks\r\n".length() - 3, later.out.u32(24), "shifted by the rewrite");
    }

    @Test
    void thePeersConnectionComesFromTheIrcServerToTheClient() {
        IrcLab lab = new IrcLab().masquerade();
        IrcLab.Session s = lab.new Session(40006);
        s.client(offer(OWN, 5040));
        IrcLab.Result syn = lab.forward(IrcLab.tcp("203.0.113.30", 41001, IrcLab.ROUTER, 5040, 7, 0, IrcLab.SYN, ""),
            false);
        assertEquals("related", syn.state);
        Packet out = syn.out;
        assertEquals(IrcLab.CLIENT, Addr.toText(Family.IPV4, 0, out.u32(16) & 0xffffffffL));
        assertEquals(5040, out.u16(22));
        assertEquals(IrcLab.SERVER, Addr.toText(Family.IPV4, 0, out.u32(12) & 0xffffffffL), "nf_nat_follow_master");
    }

    @Test
    void anOfferedPortAnotherOfferHoldsMovesToAFreeOneInTheText() {
        IrcLab lab = new IrcLab().masquerade();
        lab.new Session(40007).client(offer(OWN, 5050));
        IrcLab.Result r = lab.new Session(40008).client(offer(OWN, 5050));
        String text = r.payload();
        assertTrue(text.startsWith("PRIVMSG bob :\1DCC SEND f 3405803777 "), text);
        int port = Integer.parseInt(text.split(" ")[6]);
        assertTrue(port > 5050 && port <= 65535, text);
        assertEquals(2, lab.expectations().size());
        assertTrue(lab.expectations().stream().anyMatch(x -> x.contains(" dport=" + port + " ")));
    }

    @Test
    void aDetachedHelperReadsNoMoreOffers() {
        IrcLab lab = new IrcLab();
        IrcLab.Session s = lab.new Session(40009);
        s.client(offer(OWN, 5060));
        lab.helperRegistration.close();
        assertEquals(List.of(), lab.expectations());
        assertNull(s.ct.helper());
        s.client(offer(OWN, 5061));
        assertEquals(List.of(), lab.expectations());
    }
}
