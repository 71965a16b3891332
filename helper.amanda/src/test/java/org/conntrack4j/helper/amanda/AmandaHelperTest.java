package org.conntrack4j.helper.amanda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Checksum;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Amanda helper through the engine, as {@code nf_conntrack_amanda} and {@code nf_nat_amanda} behave (kernel
 * cases: testdata/oracle/cases/amanda_masq, testdata/recorded/amanda*): the client's answers refresh the control
 * connection to {@code master_timeout} and announce up to four ports on their CONNECT line; behind NAT the ports
 * are rewritten, with the kernel's offsets.
 */
class AmandaHelperTest {
    private final AmandaLab lab = new AmandaLab();

    private static String expectation(int port, int sport) {
        return "180 proto=6 src=198.51.100.10 dst=203.0.113.10 sport=0 dport=" + port
            + " mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.51.100.10 "
            + "master-dst=203.0.113.10 sport=" + sport + " dport=10080 class=0 helper=amanda";
    }

    private Set<Integer> expectedPorts() {
        Set<Integer> out = new java.util.TreeSet<>();
        for (String x : lab.expectations()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(" sport=0 dport=(\\d+) ").matcher(x);
            assertTrue(m.find(), x);
            out.add(Integer.parseInt(m.group(1)));
        }
        return out;
    }

    private long secondsLeft(AmandaLab.Result r) {
        return r.ct.expires(lab.clock.jiffies()) / 250;
    }

    @Test
    void theConnectLineAnnouncesTcpPortsFromTheServerToTheClient() {
        lab.ask(850);
        lab.answer(850, "Amanda 2.6 ACK HANDLE 000-1 SEQ 1\n\n");
        lab.answer(850, "Amanda 2.6 REP HANDLE 000-1 SEQ 1\nCONNECT DATA 50010 MESG 50011 INDEX 50012\nOPTIONS ;\n");
        assertEquals(Set.of(expectation(50010, 850), expectation(50011, 850), expectation(50012, 850)),
            Set.copyOf(lab.expectations()));
        AmandaLab.Result syn = lab.connect(34365, 50011);
        assertEquals("related", syn.state);
        assertEquals(Map.of("announced", 3L, "dropped", 0L, "empty", 0L), lab.helper.counters());
    }

    @Test
    void everyAnswerSetsTheControlConnectionsTimeoutToMasterTimeout() {
        AmandaLab.Result req = lab.ask(851);
        assertEquals(30, secondsLeft(req));
        AmandaLab.Result ack = lab.answer(851, "");
        assertEquals(300, secondsLeft(ack), "even an empty answer");
        assertEquals(1L, lab.helper.counters().get("empty"));
        // the next request is the UDP tracker's again
        assertEquals(30, secondsLeft(lab.ask(851)));
        lab.net.settings().set("nf_conntrack_amanda.master_timeout", 600);
        assertEquals(600, secondsLeft(lab.answer(851, "x")));
    }

    @Test
    void whatTheServerSendsIsNotRead() {
        lab.forward(AmandaLab.udp(AmandaLab.SERVER, 852, AmandaLab.CLIENT, 10080, "CONNECT DATA 50020\n"));
        assertEquals(List.of(), lab.expectations());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "CONNECT DATA 50030 MESG 50031\\n|50030,50031",
        "REP\\nCONNECT INDEX 50032 STATE 50033 DATA 50034\\n|50032,50033,50034",
        "CONNECT DATA 50035 MESG 50036|",
        "DATA 50037\\n|",
        "OPTIONS\\nCONNECT DATA 50038\\nCONNECT MESG 50039\\n|50038",
        "CONNECT DATA 50040\\nMESG 50041\\n|50040",
        "CONNECT DATA 0050042\\n|500",
        "CONNECT DATA 500433\\n|50043",
        "CONNECT DATA 70000\\n|4464",
        "CONNECT DATA 65536 MESG 50044\\n|",
        "CONNECT MESG 50045 DATA 0\\n|",
        "CONNECT DATA x MESG 50046\\n|",
        "CONNECT DATA  50047\\n|",
        "CONNECT DATADATA 50048\\n|50048",
        "CONNECT XDATA 50049\\n|50049"})
    void theKernelsReadingOfTheConnectLine(String text, String ports) {
        // each keyword's first occurrence on the line, in the order DATA MESG INDEX STATE (a port of 0 ends the
        // search: MESG after "DATA 0" is never read), five digits at most, the low 16 bits
        lab.ask(853);
        lab.answer(853, text.replace("\\n", "\n"));
        Set<Integer> want = new java.util.TreeSet<>();
        if (ports != null) {
            for (String p : ports.split(",")) {
                want.add(Integer.parseInt(p));
            }
        }
        assertEquals(want, expectedPorts());
    }

    @Test
    void fourPortsAreExpectedPerControlConnectionAndTheOldestGo() {
        lab.ask(854);
        lab.answer(854, "CONNECT DATA 50050 MESG 50051 INDEX 50052\n");
        lab.answer(854, "CONNECT DATA 50053 MESG 50054 INDEX 50055\n");
        assertEquals(Set.of(50052, 50053, 50054, 50055), expectedPorts());
    }

    @Test
    void behindMasqueradeThePortsAreRewrittenAndTheConnectionsFollowTheMaster() {
        lab.masquerade();
        lab.ask(855);
        AmandaLab.Result r = lab.answer(855, "CONNECT DATA 50060 MESG 50061\n");
        assertEquals("CONNECT DATA 50060 MESG 50061\n", r.payload());
        assertTrue(Checksum.l4Valid(r.out, 20, IpProto.UDP));
        AmandaLab.Result syn = lab.connect(34366, 50060);
        assertEquals("related", syn.state);
        assertEquals(AmandaLab.ROUTER, org.conntrack4j.core.inet.Addr.toText(4, 0, syn.out.u32(12) & 0xffffffffL),
            "masqueraded as the control connection is");
    }

    @Test
    void behindMasqueradeDigitsAreRewrittenWithTheOffsetsFoundBeforeTheFirstRewrite() {
        lab.masquerade();
        lab.ask(856);
        // "00501" (five digits read) becomes "501": the datagram shrinks by two, yet MESG's digits are read up to
        // the old end of the line, as the kernel does (the recorded amanda_hostile_masq shows the same)
        AmandaLab.Result r = lab.answer(856, "CONNECT DATA 0050125 MESG 501266\n");
        assertEquals("CONNECT DATA 50125 MESG 501266\n", r.payload());
        assertEquals(r.out.length(), r.out.u16(2));
        assertEquals(r.out.length() - 20, r.out.u16(24), "UDP length");
        assertTrue(Checksum.l4Valid(r.out, 20, IpProto.UDP));
        assertEquals(Set.of(501, 50126), expectedPorts());
    }

    @Test
    void aPortAnotherControlConnectionExpectsMovesToAFreeOne() {
        lab.masquerade();
        lab.ask(857);
        lab.answer(857, "CONNECT DATA 50070\n");
        lab.ask(858);
        AmandaLab.Result r = lab.answer(858, "CONNECT DATA 50070\n");
        int port = Integer.parseInt(r.payload().replaceAll("\\D", ""));
        assertTrue(port > 50070, r.payload());
        assertEquals(Set.of(50070, port), expectedPorts());
    }

    @Test
    void aRefusedExpectationDropsTheAnswerWithoutNat() {
        lab.net.settings().set("nf_conntrack_expect_max", 1);
        lab.ask(859);
        AmandaLab.Result r = lab.answer(859, "CONNECT DATA 50080 MESG 50081\n");
        assertEquals(Verdict.DROP, r.verdict);
        assertEquals("nf_ct_amanda: dropping packet: cannot add expectation", r.reason);
        assertEquals(1L, lab.helper.counters().get("dropped"));
    }

    @Test
    void theMasterTimeoutIsASettingWhileTheHelperIsRegistered() {
        assertSame(AmandaHelper.MASTER_TIMEOUT, lab.net.settings().key("nf_conntrack_amanda.master_timeout"));
        assertEquals(300, lab.net.settings().get("nf_conntrack_amanda.master_timeout"));
        lab.helperRegistration.close();
        assertNull(lab.net.settings().key("nf_conntrack_amanda.master_timeout"));
    }
}
