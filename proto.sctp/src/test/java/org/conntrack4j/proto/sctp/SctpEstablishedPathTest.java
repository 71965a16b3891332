package org.conntrack4j.proto.sctp;

import static org.conntrack4j.proto.sctp.SctpLab.CTAG;
import static org.conntrack4j.proto.sctp.SctpLab.CTSN;
import static org.conntrack4j.proto.sctp.SctpLab.STAG;
import static org.conntrack4j.proto.sctp.SctpLab.STSN;
import static org.conntrack4j.proto.sctp.SctpLab.data;
import static org.conntrack4j.proto.sctp.SctpLab.heartbeat;
import static org.conntrack4j.proto.sctp.SctpLab.sack;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.IpHeaders;
import org.junit.jupiter.api.Test;

/**
 * The established path (DATA, SACK, bundles and heartbeats in both directions, CRC32c verification, the tag check,
 * the chunk walks) allocates nothing per packet. Measured with the JVM's per-thread allocation counter after a
 * warm-up, over the least of several windows, as the TCP tracker's test does.
 */
class SctpEstablishedPathTest {
    @Test
    void establishedPacketsInBothDirections_allocateNothing() {
        SctpLab lab = new SctpLab().associate();
        byte[][] window = new byte[128][];
        for (int i = 0; i < window.length / 4; i++) {
            window[4 * i] = lab.build(true, STAG, data(CTSN + i, 100));
            window[4 * i + 1] = lab.build(false, CTAG, sack(CTSN + i), data(STSN + i, 200));
            window[4 * i + 2] = lab.build(true, STAG, sack(STSN + i), heartbeat(SctpStateTable.HEARTBEAT));
            window[4 * i + 3] = lab.build(false, CTAG, heartbeat(SctpStateTable.HEARTBEAT_ACK));
        }
        Packet p = new Packet();
        run(lab, p, window, 200);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported());
        long tid = Thread.currentThread().getId();
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

    private static int run(SctpLab lab, Packet p, byte[][] window, int rounds) {
        int n = 0;
        for (int r = 0; r < rounds; r++) {
            for (byte[] b : window) {
                p.reset();
                p.load(b, 0, b.length, 14);
                IpHeaders.validate(p);
                lab.net.packets().runHook(Hook.PRE_ROUTING, p);
                if (p.ct == null || (p.ctinfo != CtInfo.ESTABLISHED && p.ctinfo != CtInfo.ESTABLISHED_REPLY)) {
                    throw new AssertionError("packet " + n + " not established: " + p.reason);
                }
                lab.net.packets().runHook(Hook.POST_ROUTING, p);
                n++;
            }
        }
        return n;
    }
}
