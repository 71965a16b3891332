package org.conntrack4j.rules.eval;

import static org.conntrack4j.rules.eval.Lab.SYN;
import static org.conntrack4j.rules.eval.Lab.tcp;
import static org.conntrack4j.rules.eval.Lab.udp;
import static org.conntrack4j.rules.eval.Lab.v4;
import static org.conntrack4j.rules.eval.Lab.v6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.spi.HookFunction;
import org.conntrack4j.testkit.FakeNat;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogLevel;

/** Evaluating a packet allocates nothing: every matcher and statement is pre-built. */
class AllocationTest {
    private static final String TEXT = "table inet t {\n"
        + "\tchain c {\n"
        + "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
        + "\t\tct state invalid log prefix \"x\" group 1 accept\n"
        + "\t\tct state established,related ct direction reply counter jump sub\n"
        + "\t\tiifname { \"wan\", \"x*\" } ip saddr != { 10.0.0.0/8, 192.168.0.0/16 } counter\n"
        + "\t\tip6 saddr 2001:db8::/32 ip6 daddr != 2001:db8:2::1-2001:db8:2::9 counter\n"
        + "\t\ttcp dport { 22, 80, 8000-8080 } ct mark 0x0 counter\n"
        + "\t\tudp sport >= 1024 meta l4proto udp ct status seen-reply counter\n"
        + "\t\toifname != \"lan\" iif 1 meta nfproto ipv4 ip protocol tcp counter\n"
        + "\t\tct state == new,established ct mark set 0x0 counter goto sub\n"
        + "\t}\n"
        + "\tchain sub {\n"
        + "\t\tct status != confirmed counter return\n"
        + "\t\tcounter\n"
        + "\t}\n"
        + "}\n";

    @Test
    void theCompiledChainAllocatesNothingPerPacket() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // the Log Service's default level (WARN): a log statement builds nothing
        try (Lab lab = new Lab(LogLevel.WARN)) {
            FakeNat nat = new FakeNat();
            lab.net.services().provideExtension(Nat.class, nat);
            lab.install(TEXT);
            HookFunction chain = nat.chains.get(0).fn();
            Packet[] pkts = {v4("198.51.100.7", "203.0.113.10", 6, tcp(40000, 80, SYN)),
                v4("203.0.113.10", "198.51.100.7", 17, udp(53, 40000, 4)),
                v6("2001:db8:1::7", "2001:db8:2::10", 17, udp(40000, 53, 4)),
                v4("198.51.100.7", "203.0.113.10", 17, udp(40000, 53, 4), 0x0003)};
            for (Packet p : pkts) {
                lab.pre(p, lab.wan);
            }
            long sum = 0;
            for (int i = 0; i < 20_000; i++) {
                sum += chain.hook(pkts[i & 3]);
            }
            // The least of several windows: while the JIT moves code between tiers, a frame can allocate once
            // what compiled code keeps in registers; an allocation per packet shows in every window.
            long least = Long.MAX_VALUE;
            for (int w = 0; w < 5; w++) {
                long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
                for (int i = 0; i < 100_000; i++) {
                    sum += chain.hook(pkts[i & 3]);
                }
                least = Math.min(least, mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before);
            }
            assertEquals(520_000L * Verdict.ACCEPT, sum);
            // the measurement itself may cost a few bytes; 100000 packets allocating anything would cost megabytes
            assertTrue(least < 4096, least + " bytes allocated for 100000 packets in the least window");
            assertTrue(nat.calls.isEmpty());
            lab.net.packets().runHook(Hook.POST_ROUTING, pkts[0]);
        }
    }
}
