package org.conntrack4j.helper.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.testkit.Allocation;
import org.junit.jupiter.api.Test;

/**
 * An IRC connection's chatter, read by the helper on every client segment, allocates nothing per packet (the
 * helper allocates only for an offer). Measured with the kit's {@link Allocation} after a warm-up.
 */
class IrcEstablishedPathTest {
    @Test
    void chatterThroughTheHelperAllocatesNothing() {
        IrcLab lab = new IrcLab();
        IrcLab.Session s = lab.new Session(40900);
        byte[][] window = new byte[128][];
        int cseq = s.cseq;
        int sseq = s.sseq;
        for (int i = 0; i < window.length / 2; i++) {
            String line = "PRIVMSG #lab :line " + (1000 + i) + " with a : colon and \1ACTION waves\1\r\n";
            window[2 * i] = IrcLab.tcp(IrcLab.CLIENT, 40900, IrcLab.SERVER, 6667, cseq, sseq, IrcLab.PSH_ACK, line)
                .toBytes();
            cseq += line.length();
            String echo = ":bob PRIVMSG #lab :ok " + (1000 + i) + "\r\n";
            window[2 * i + 1] = IrcLab.tcp(IrcLab.SERVER, 6667, IrcLab.CLIENT, 40900, sseq, cseq, IrcLab.PSH_ACK, echo)
                .toBytes();
            sseq += echo.length();
        }
        Packet p = new Packet();
        run(lab, p, window, 200);
        int n = window.length * 100;
        long least = Allocation.least(5, () -> run(lab, p, window, 100));
        assertTrue(least < n / 100, least + " bytes allocated for " + n + " packets in the least window");
        assertEquals(0, lab.expectations().size());
        assertEquals(0L, lab.helper.counters().get("offers"));
    }

    /** Replays the window {@code rounds} times (later rounds are in-window retransmissions); returns the count. */
    private static int run(IrcLab lab, Packet p, byte[][] window, int rounds) {
        int n = 0;
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < window.length; i++) {
                byte[] b = window[i];
                p.reset();
                p.load(b, 0, b.length, 14);
                IpHeaders.validate(p);
                p.in = i % 2 == 0 ? lab.lan : lab.wan;
                p.out = i % 2 == 0 ? lab.wan : lab.lan;
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
