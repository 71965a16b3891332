package org.conntrack4j.proto.tcp;

import static org.conntrack4j.proto.tcp.TcpLab.CI;
import static org.conntrack4j.proto.tcp.TcpLab.SI;
import static org.conntrack4j.proto.tcp.TcpLab.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.IpHeaders;
import org.junit.jupiter.api.Test;

/**
 * The established path (data and ACKs in both directions, window tracking, checksum verification) allocates
 * nothing per packet: BENCH.md's workload C asks for it. Measured with the JVM's per-thread allocation
 * counter, after a warm-up, over the least of several windows; a few bytes of one-time initialisation are
 * tolerated, one object per packet is not.
 */
class TcpEstablishedPathTest {
    @Test
    void establishedPacketsInBothDirections_allocateNothing() {
        TcpLab lab = new TcpLab().handshake();
        byte[][] window = new byte[256][];
        for (int i = 0; i < window.length / 4; i++) {
            int c = CI + 1 + i * 100;
            int s = SI + 1 + i * 100;
            window[4 * i] = lab.build(true, seg("PA", c, s).data(100));
            window[4 * i + 1] = lab.build(false, seg("A", s, c + 100));
            window[4 * i + 2] = lab.build(false, seg("PA", s, c + 100).data(100));
            window[4 * i + 3] = lab.build(true, seg("A", c + 100, s + 100));
        }
        Packet p = new Packet();
        run(lab, p, window, 200);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported());
        long tid = Thread.currentThread().getId();
        // The least of several windows: while the JIT is still moving code between tiers, an interpreted or C1
        // frame can allocate what C2 later keeps in registers, once; an allocation per packet shows in every window.
        long least = Long.MAX_VALUE;
        int n = 0;
        for (int w = 0; w < 5; w++) {
            long before = mx.getThreadAllocatedBytes(tid);
            n = run(lab, p, window, 100);
            least = Math.min(least, mx.getThreadAllocatedBytes(tid) - before);
        }
        assertTrue(least < n / 100, least + " bytes allocated for " + n + " packets in the least window");
        assertEquals(0, lab.net.stats().get("invalid"));
    }

    /** Replays the window {@code rounds} times (later rounds are in-window retransmissions); returns the count. */
    private static int run(TcpLab lab, Packet p, byte[][] window, int rounds) {
        int n = 0;
        for (int r = 0; r < rounds; r++) {
            for (byte[] b : window) {
                p.reset();
                p.load(b, 0, b.length, 14);
                IpHeaders.validate(p);
                lab.net.packets().runHook(Hook.PRE_ROUTING, p);
                if (p.ct == null || (p.ctinfo != CtInfo.ESTABLISHED && p.ctinfo != CtInfo.ESTABLISHED_REPLY)) {
                    throw new AssertionError("packet " + n + " not established");
                }
                lab.net.packets().runHook(Hook.POST_ROUTING, p);
                n++;
            }
        }
        return n;
    }
}
