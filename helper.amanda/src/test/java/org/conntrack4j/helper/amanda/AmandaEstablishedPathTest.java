package org.conntrack4j.helper.amanda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.testkit.Allocation;
import org.junit.jupiter.api.Test;

/**
 * An Amanda control connection's datagrams, each of the client's read by the helper (a refresh to master_timeout
 * and a search for CONNECT), allocate nothing per packet (the helper allocates only for an announced port).
 * Measured with the kit's {@link Allocation} after a warm-up.
 */
class AmandaEstablishedPathTest {
    @Test
    void answersWithoutAnnouncementsAllocateNothing() {
        AmandaLab lab = new AmandaLab();
        lab.ask(870);
        byte[][] window = new byte[64][];
        for (int i = 0; i < window.length / 2; i++) {
            window[2 * i] = AmandaLab.udp(AmandaLab.CLIENT, 10080, AmandaLab.SERVER, 870, "Amanda 2.6 REP HANDLE 000-1 "
                + "SEQ " + i + "\nOPTIONS features=ffff;CONNECTED\n\n").toBytes();
            window[2 * i + 1] = AmandaLab.udp(AmandaLab.SERVER, 870, AmandaLab.CLIENT, 10080, "Amanda 2.6 ACK HANDLE "
                + "000-1 SEQ " + i + "\n\n").toBytes();
        }
        Packet p = new Packet();
        run(lab, p, window, 200);
        int n = window.length * 100;
        long least = Allocation.least(5, () -> run(lab, p, window, 100));
        assertTrue(least < n / 100, least + " bytes allocated for " + n + " packets in the least window");
        assertEquals(0, lab.expectations().size());
    }

    /** Replays the window {@code rounds} times; returns the count. */
    private static int run(AmandaLab lab, Packet p, byte[][] window, int rounds) {
        int n = 0;
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < window.length; i++) {
                byte[] b = window[i];
                p.reset();
                p.load(b, 0, b.length, 14);
                IpHeaders.validate(p);
                p.in = i % 2 == 0 ? lab.wan : lab.lan;
                p.out = i % 2 == 0 ? lab.lan : lab.wan;
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
