package org.conntrack4j.helper.pptp;

import static org.conntrack4j.helper.pptp.PptpRig.PAC;
import static org.conntrack4j.helper.pptp.PptpRig.PNS;
import static org.conntrack4j.helper.pptp.PptpRig.ROUTER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.IpHeaders;
import org.junit.jupiter.api.Test;

/**
 * A call's GRE in both directions behind masquerade (the key map lookup of every packet, the PAC's keys translated
 * back) allocates nothing per packet. Measured with the JVM's per-thread allocation counter after a warm-up, over
 * the least of several windows, as the TCP and SCTP trackers' tests do.
 */
class GreEstablishedPathTest {
    @Test
    void aCallsGreInBothDirectionsAllocatesNothing() {
        PptpRig rig = new PptpRig(true);
        PptpRig.Session s = rig.new Session(PNS, 41723, PAC).start();
        s.call(257, 16385);
        byte[] out = PptpRig.gre(PNS, PAC, 16385);
        byte[] back = PptpRig.gre(PAC, ROUTER, 41723);
        rig.forward(out);
        rig.forward(back);
        Packet p = new Packet();
        run(rig, p, out, back, 2000);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported());
        long tid = Thread.currentThread().getId();
        long least = Long.MAX_VALUE;
        int n = 0;
        for (int w = 0; w < 5; w++) {
            long before = mx.getThreadAllocatedBytes(tid);
            n = run(rig, p, out, back, 1000);
            least = Math.min(least, mx.getThreadAllocatedBytes(tid) - before);
        }
        assertTrue(least < n / 100, least + " bytes allocated for " + n + " packets in the least window");
        assertEquals(1, rig.gre().size());
    }

    private static int run(PptpRig rig, Packet p, byte[] out, byte[] back, int rounds) {
        int n = 0;
        for (int r = 0; r < rounds; r++) {
            for (int d = 0; d < 2; d++) {
                byte[] b = d == 0 ? out : back;
                p.reset();
                p.load(b, 0, b.length, 14);
                IpHeaders.validate(p);
                p.in = d == 0 ? rig.lan : rig.wan;
                rig.net.packets().runHook(Hook.PRE_ROUTING, p);
                if (p.ct == null || p.ctinfo != (d == 0 ? CtInfo.ESTABLISHED : CtInfo.ESTABLISHED_REPLY)) {
                    throw new AssertionError("packet " + n + " not established: " + p.reason);
                }
                p.out = d == 0 ? rig.wan : rig.lan;
                rig.net.packets().runHook(Hook.POST_ROUTING, p);
                if (d == 1 && p.u16(26) != 257) {
                    throw new AssertionError("the PAC's key not translated back: " + p.u16(26));
                }
                n++;
            }
        }
        return n;
    }
}
