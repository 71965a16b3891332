package org.conntrack4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ExpectPolicy;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.spi.Helper;
import org.junit.jupiter.api.Test;

/** The kit's two-network router: each packet enters on its source's side, and the helper rule assigns a helper. */
class LanWanTest {
    /** A helper that notes the devices of the packets it is shown. */
    private static final class Seen implements Helper {
        final List<String> devices = new ArrayList<>();

        @Override
        public String name() {
            return "seen";
        }

        @Override
        public int protocol() {
            return IpProto.UDP;
        }

        @Override
        public List<ExpectPolicy> expectPolicies() {
            return List.of(new ExpectPolicy("seen", 1, 1));
        }

        @Override
        public int help(Conntrack net, Packet pkt, int protoff, Connection ct, int ctinfo) {
            devices.add(pkt.in.name() + ">" + pkt.out.name());
            return Verdict.ACCEPT;
        }
    }

    @Test
    void packetsEnterOnTheirSourcesSideAndTheRuleAssignsTheHelper() {
        Plugins plugins = new Plugins();
        Seen seen = new Seen();
        plugins.addHelper(seen);
        try (Rig rig = new Rig(plugins)) {
            LanWan router = new LanWan(rig);
            router.assignHelper("seen", IpProto.UDP, port -> true);
            Rig.Result out = router.forward(Packets.udp("198.51.100.10", 4000, "203.0.113.10", 69, new byte[2]));
            assertSame(seen, out.ct.helper());
            router.forward(Packets.udp("203.0.113.10", 69, "198.51.100.10", 4000, new byte[2]));
            router.forward(Packets.udp("2001:db8:1::10", 4000, "2001:db8:2::10", 69, new byte[2]));
            assertEquals(List.of("lan>wan", "wan>lan", "lan>wan"), seen.devices);
            // another protocol is not the rule's
            assertNull(router.forward(Packets.ip("198.51.100.10", "203.0.113.10", IpProto.GRE,
                Packets.gre(0, 0x0800, 0))).ct.helper());
        }
    }

    @Test
    void masqueradeNeedsANatExtension() {
        try (Rig rig = new Rig(new Plugins())) {
            assertThrows(IllegalStateException.class, () -> new LanWan(rig).masquerade());
        }
    }
}
