package org.conntrack4j.sync.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncEvents;
import org.conntrack4j.sync.api.SyncTable;
import org.conntrack4j.sync.api.SyncTuple;
import org.conntrack4j.sync.config.ConfParser;
import org.conntrack4j.sync.config.SyncConfig;
import org.conntrack4j.sync.wire.DatagramReader;
import org.conntrack4j.sync.wire.RecvStats;
import org.conntrack4j.sync.wire.Wire;
import org.junit.jupiter.api.Test;

/** The modes' timing and answers, message by message, on a manual clock. */
class ModesTest {
    long now = 1_700_000_000_000_000L;

    static String conf(String mode) {
        return "Sync {\n Mode " + mode + " {\n }\n UDP {\n  IPv4_address 192.0.2.1\n"
                + "  IPv4_Destination_Address 192.0.2.2\n  Port 3780\n  Interface sync0\n }\n}\n";
    }

    SyncNode node(String conf, FakeLink link, SyncTable table) throws Exception {
        SyncConfig c = ConfParser.parse("t.conf", conf);
        return new SyncNode(c, List.of(link), table, () -> now, new Random(7), m -> { });
    }

    /** type, flags, seq, from, to of every message sent so far. */
    static List<int[]> sent(FakeLink l) {
        List<int[]> out = new ArrayList<>();
        for (byte[] d : l.sent) {
            new DatagramReader(new RecvStats(), false).read(d, 0, d.length, (b, off, len) -> out.add(new int[] {
                Wire.type(b, off), Wire.flags(b, off), Wire.seq(b, off),
                Wire.hasRange(Wire.type(b, off), Wire.flags(b, off)) ? Wire.from(b, off) : 0,
                Wire.hasRange(Wire.type(b, off), Wire.flags(b, off)) ? Wire.to(b, off) : 0}));
        }
        return out;
    }

    static SyncConnection conn(int i) throws Exception {
        SyncTuple t = new SyncTuple(InetAddress.getByName("198.51.100.2"), InetAddress.getByName("203.0.113.2"), 17,
                20000 + i, 53);
        return SyncConnection.builder(t).reply(t.inverted()).status(SyncConnection.IPS_CONFIRMED).timeout(30L)
                .build();
    }

    void advance(SyncNode n, long micros) {
        long end = now + micros;
        while (n.nextDeadline() <= end) {
            now = Math.max(now, n.nextDeadline());
            n.runPending();
        }
        now = end;
        n.runPending();
    }

    byte[] dataMsg(int seq, int flags, int i) throws Exception {
        org.conntrack4j.sync.wire.MessageBuilder m = new org.conntrack4j.sync.wire.MessageBuilder();
        m.start(Wire.T_CT_NEW, flags, seq);
        org.conntrack4j.sync.wire.NtaCt.encode(conn(i), org.conntrack4j.sync.wire.NtaCt.Options.DEFAULT, m);
        return m.bytes();
    }

    @Test
    void ftfwAcknowledgesAFullWindowAndNacksAGap() throws Exception {
        FakeLink l = new FakeLink(1472);
        SyncNode n = node(conf("FTFW").replace("Mode FTFW {\n", "Mode FTFW {\n ACKWindowSize 4\n"), l, null);
        n.start();
        for (int s = 100; s < 104; s++) {
            byte[] d = dataMsg(s, 0, s);
            n.received(0, d, 0, d.length);
            n.runPending();
        }
        List<int[]> out = sent(l);
        int[] ack = out.get(out.size() - 1);
        assertEquals(Wire.T_CTL, ack[0]);
        assertEquals(Wire.F_ACK | Wire.F_HELLO, ack[1], "ACK, still saying HELLO");
        assertEquals(100, ack[3]);
        assertEquals(103, ack[4]);
        // 104 and 105 lost: 106 reveals the gap
        byte[] d = dataMsg(106, 0, 106);
        n.received(0, d, 0, d.length);
        n.runPending();
        out = sent(l);
        int[] nack = out.get(out.size() - 1);
        assertEquals(Wire.F_NACK, nack[1] & ~(Wire.F_HELLO | Wire.F_HELLO_BACK));
        assertEquals(104, nack[3]);
        assertEquals(105, nack[4]);
        assertEquals(4, n.recvStats().lost, "conntrackd counts seq - last + 1: two more than the gap");
        assertEquals(5, n.externalConnections().size());
    }

    @Test
    void ftfwHelloHandshakeAndAliveEverySecond() throws Exception {
        FakeLink l = new FakeLink(1472);
        SyncNode n = node(conf("FTFW"), l, null);
        n.start();
        advance(n, 1_000_000);
        int[] first = sent(l).get(0);
        assertEquals(Wire.T_CTL, first[0]);
        assertEquals(Wire.F_ALIVE | Wire.F_HELLO, first[1], "an idle second: ALIVE, saying HELLO");
        // the peer says hello and answers ours
        byte[] hello = new byte[] {0x1a, (byte) (Wire.F_ALIVE | Wire.F_HELLO | Wire.F_HELLO_BACK), 0, 8, 0, 0, 0, 9};
        n.received(0, hello, 0, hello.length);
        n.runPending();
        advance(n, 1_000_000);
        List<int[]> out = sent(l);
        int[] last = out.get(out.size() - 1);
        assertEquals(Wire.F_HELLO_BACK, last[1] & (Wire.F_HELLO | Wire.F_HELLO_BACK), "answered, no more HELLO");
        assertEquals(Wire.F_ACK, last[1] & Wire.F_ACK, "the peer's message is acknowledged in the idle second");
        advance(n, 1_000_000);
        out = sent(l);
        assertEquals(Wire.F_ALIVE, out.get(out.size() - 1)[1]);
        assertEquals(3, out.size());
    }

    @Test
    void notrackAnswersResyncWithTheWholeInternalCache() throws Exception {
        FakeLink l = new FakeLink(1472);
        SyncNode n = node(conf("NOTRACK"), l, null);
        n.start();
        for (int i = 0; i < 3; i++) {
            n.connectionEvent(0, conn(i), SyncEvents.Origin.ENGINE);
        }
        n.connectionEvent(0, conn(9), SyncEvents.Origin.COMMIT); // our own commit: cached, not sent
        n.runPending();
        assertEquals(3, sent(l).size());
        byte[] resync = {0x1a, Wire.F_RESYNC, 0, 16, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0};
        n.received(0, resync, 0, resync.length);
        n.runPending();
        List<int[]> out = sent(l);
        assertEquals(7, out.size(), "three sent, then the bulk of four");
        for (int k = 3; k < 7; k++) {
            assertEquals(Wire.T_CT_NEW, out.get(k)[0]);
        }
        advance(n, 999_000);
        assertEquals(7, sent(l).size());
        advance(n, 2_000);
        assertEquals(Wire.F_ALIVE, sent(l).get(7)[1], "ALIVE after an idle second");
    }

    @Test
    void alarmResendsEveryEntryWithinRefreshTimeAndExpiresThePeers() throws Exception {
        FakeLink l = new FakeLink(1472);
        SyncNode n = node(conf("ALARM").replace("Mode ALARM {\n", "Mode ALARM {\n RefreshTime 5\n CacheTimeout 12\n"),
                l, null);
        n.start();
        n.connectionEvent(0, conn(1), SyncEvents.Origin.ENGINE);
        n.runPending();
        assertEquals(1, sent(l).size());
        long t0 = now;
        List<Long> at = new ArrayList<>();
        for (int k = 0; k < 200; k++) {
            int before = sent(l).size();
            advance(n, 100_000);
            if (sent(l).size() > before) {
                at.add(now - t0);
                t0 = now;
            }
        }
        assertTrue(at.size() >= 2, "refreshed: " + at);
        for (long gap : at) {
            // random() % RefreshTime + 1 seconds plus (1..5) * 200 ms - 1 us, on a 100 ms grid
            assertTrue(gap >= 1_100_000 && gap <= 6_100_000, "refresh after " + gap);
        }
        // the type follows the entry's status: never updated, it is resent as NEW (as conntrackd does)
        assertEquals(Wire.T_CT_NEW, sent(l).get(1)[0]);
        // the peer's entry, without news, goes after CacheTimeout
        byte[] d = dataMsg(1, 0, 5);
        n.received(0, d, 0, d.length);
        n.runPending();
        assertEquals(1, n.externalConnections().size(), () -> "malformed " + n.recvStats().malformed + " header "
                + n.recvStats().badHeader + " payload " + n.recvStats().badPayload);
        assertTrue(n.dumpExternal(false).contains("[expires in 12s] [active since 0s]"), n.dumpExternal(false));
        advance(n, 11_900_000);
        assertEquals(1, n.externalConnections().size());
        advance(n, 200_000);
        assertEquals(0, n.externalConnections().size());
    }

    @Test
    void commitPutsMastersFirstWithWhatIsLeftOfTheirTimeout() throws Exception {
        List<String> log = new ArrayList<>();
        SyncTable t = new TableStub((c, timeout) -> log.add("commit " + c.orig().srcPort() + " " + timeout));
        FakeLink l = new FakeLink(1472);
        SyncNode n = node(conf("FTFW"), l, t);
        n.start();
        SyncConnection master = conn(1).toBuilder().timeout(100L).reply(null).build();
        SyncConnection related = conn(2).toBuilder().timeout(100L).reply(null).master(conn(1).orig())
                .status(SyncConnection.IPS_EXPECTED | SyncConnection.IPS_CONFIRMED).build();
        org.conntrack4j.sync.wire.MessageBuilder m = new org.conntrack4j.sync.wire.MessageBuilder();
        int seq = 1;
        for (SyncConnection c : List.of(related, master)) {
            m.start(Wire.T_CT_NEW, 0, seq++);
            org.conntrack4j.sync.wire.NtaCt.encode(c, org.conntrack4j.sync.wire.NtaCt.Options.DEFAULT, m);
            n.received(0, m.buffer(), 0, m.length());
            n.runPending();
        }
        now += 30_000_000L;
        SyncNode.CommitResult r = n.commitConnections();
        assertEquals(new SyncNode.CommitResult(2, 0), r);
        assertEquals(List.of("commit " + master.orig().srcPort() + " 70", "commit " + related.orig().srcPort() + " 70"),
                log);
    }
}
