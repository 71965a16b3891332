package org.conntrack4j.rules.eval;

import static org.conntrack4j.rules.eval.Lab.udp;
import static org.conntrack4j.rules.eval.Lab.tcp;
import static org.conntrack4j.rules.eval.Lab.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.FlowOffload;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.rules.InstalledRuleset;
import org.junit.jupiter.api.Test;

/**
 * {@code flow add}'s side ({@code nft_flow_offload_eval}) against a recording flowtable provider: when it asks the
 * provider, what the rule does with the answer, and the flowtables' life with the ruleset's. The provider's side
 * (routes, the fast path) is the router's and tested there.
 */
class FlowAddExprTest {
    private static final String C1 = "198.51.100.10";
    private static final String SRV = "203.0.113.20";

    /** A provider that records what it is asked and answers {@link #answer}. */
    static final class Recorder implements FlowOffload {
        final List<String> created = new ArrayList<>();
        final List<String> closed = new ArrayList<>();
        final List<Packet> added = new ArrayList<>();
        boolean answer = true;

        @Override
        public Flowtable create(String name, int family, List<String> devices, int priority, int flags) {
            created.add(name + " family " + family + " " + devices + " prio " + priority + " flags " + flags);
            return new Flowtable() {
                @Override
                public boolean add(Packet pkt) {
                    added.add(pkt);
                    return answer;
                }

                @Override
                public void close() {
                    closed.add(name);
                }
            };
        }
    }

    private static final String RULESET = "table ip t {\n"
        + "\tflowtable f { hook ingress priority filter; devices = { lan, wan }; counter; }\n"
        + "\tchain c { type filter hook forward priority 0; policy accept; flow add @f drop; }\n"
        + "}\n"
        + "table inet u {\n"
        + "\tflowtable g { hook ingress priority -3; }\n"
        + "}\n";

    @Test
    void udpJoinsOnceConfirmedAndTheRuleGoesOnOnlyWhenTheFlowtableTookIt() throws Exception {
        try (Lab lab = new Lab()) {
            Recorder rec = new Recorder();
            Registration r = lab.net.services().provideExtension(FlowOffload.class, rec);
            InstalledRuleset rs = lab.install(RULESET);
            assertEquals(List.of("t f family " + Family.IPV4 + " [lan, wan] prio 0 flags " + FlowOffload.FLAG_COUNTER,
                "u g family 0 [] prio -3 flags 0"), rec.created);
            // the first packet's connection is not confirmed yet in forward: not offloaded, the rule stops
            assertEquals(Verdict.ACCEPT, lab.forward(v4(C1, SRV, 17, udp(40000, 53, 4)), lab.lan, lab.wan));
            assertTrue(rec.added.isEmpty());
            // the reply's is: the provider is asked, and said yes, so the rule went on to its drop
            Packet reply = v4(SRV, C1, 17, udp(53, 40000, 4));
            assertEquals(Verdict.DROP, lab.forward(reply, lab.wan, lab.lan));
            assertEquals(1, rec.added.size());
            rec.answer = false;
            assertEquals(Verdict.ACCEPT, lab.forward(v4(C1, SRV, 17, udp(40000, 53, 4)), lab.lan, lab.wan));
            assertEquals(2, rec.added.size());
            // TCP without its tracker here is the generic tracker's: never established, never offloaded
            rec.answer = true;
            lab.forward(v4(C1, SRV, 6, tcp(40001, 80, Lab.SYN)), lab.lan, lab.wan);
            lab.forward(v4(SRV, C1, 6, tcp(80, 40001, Lab.SYN | Lab.ACK)), lab.wan, lab.lan);
            assertEquals(Verdict.ACCEPT, lab.forward(v4(C1, SRV, 6, tcp(40001, 80, Lab.ACK)), lab.lan, lab.wan));
            assertEquals(2, rec.added.size());
            rs.close();
            assertEquals(List.of("u g", "t f"), rec.closed);
            r.close();
        }
    }

    @Test
    void aProviderArrivingAfterTheRulesetGetsItsFlowtablesAndOneLeavingFreesThem() throws Exception {
        try (Lab lab = new Lab(); InstalledRuleset rs = lab.install(RULESET)) {
            Recorder rec = new Recorder();
            Registration r = lab.net.services().provideExtension(FlowOffload.class, rec);
            lab.forward(v4(C1, SRV, 17, udp(40000, 53, 4)), lab.lan, lab.wan);
            assertEquals(Verdict.DROP, lab.forward(v4(SRV, C1, 17, udp(53, 40000, 4)), lab.lan, lab.wan));
            assertEquals(List.of("t f family " + Family.IPV4 + " [lan, wan] prio 0 flags " + FlowOffload.FLAG_COUNTER),
                rec.created, "made when a packet first needs it");
            r.close();
            assertEquals(Verdict.ACCEPT, lab.forward(v4(C1, SRV, 17, udp(40000, 53, 4)), lab.lan, lab.wan));
            assertEquals(List.of("t f"), rec.closed, "freed once its provider is gone");
            assertEquals(1, rec.added.size());
        }
    }

    @Test
    void withoutAProviderFlowAddNeverMatches() throws Exception {
        try (Lab lab = new Lab(); InstalledRuleset rs = lab.install(RULESET)) {
            lab.forward(v4(C1, SRV, 17, udp(40000, 53, 4)), lab.lan, lab.wan);
            Packet reply = v4(SRV, C1, 17, udp(53, 40000, 4));
            assertEquals(Verdict.ACCEPT, lab.forward(reply, lab.wan, lab.lan));
            assertFalse(reply.ct == null);
        }
    }
}
