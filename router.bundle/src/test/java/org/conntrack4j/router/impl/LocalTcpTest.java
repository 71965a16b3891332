package org.conntrack4j.router.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.router.Fate;
import org.conntrack4j.router.Forwarder;
import org.conntrack4j.router.PeerSegments;
import org.conntrack4j.router.Result;
import org.conntrack4j.router.Router;
import org.conntrack4j.router.RouterConfig;
import org.conntrack4j.router.RouterInterface;
import org.conntrack4j.router.RouterSocket;
import org.conntrack4j.router.Routers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The router's TCP for its own listeners, through the whole router (conntrack included): the handshake as Linux 6.18
 * answers it, the windows it advertises as data comes, the close, the resets a listener and a closed port give, and
 * the bound on connections. The expected numbers are those of the kernel recordings in testdata/probes/local.
 */
class LocalTcpTest {
    private static final long CLIENT = 0xc633640aL;
    private static final long ROUTER = 0xc6336401L;
    private final ManualClock clock = new ManualClock(250);
    private final List<byte[]> sent = new ArrayList<>();
    private final Result result = new Result();
    private Engine net;
    private Router router;
    private Forwarder forwarder;
    private long now = 1_800_000_000_000_000_000L;

    private void start(PeerSegments peers) {
        clock.setWallNanos(now);
        net = new Engine(new Registry(), "localtcp", clock, 1);
        RouterConfig config = RouterConfig.of(List.of(RouterInterface.of("lan", "02:00:00:00:01:01",
            "02:00:00:00:01:02", 1500, "198.51.100.1/24", "2001:db8:1::1/64")))
            .withSockets(List.of(RouterSocket.of("tcp", "ipv4", "198.51.100.1", "2222")));
        router = Routers.create(net, peers == null ? config : config.withPeerSegments(peers));
        forwarder = router.forwarder((port, t, b, o, n) -> sent.add(Arrays.copyOfRange(b, o + 14, o + n)));
    }

    @AfterEach
    void tearDown() {
        if (router != null) {
            router.close();
            net.close();
        }
    }

    /** A client segment to the router (TCP options as given, then {@code data} bytes), {@code micros} after the last. */
    private byte[] send(int sport, int dport, int seq, int ack, int flags, byte[] options, int data, long micros)
        throws IOException {
        return send(sport, dport, seq, ack, flags, options, data, micros, 0);
    }

    /** As above; {@code gso} &gt; 0: a super-frame (GRO) of segments of that size, as the live dataplane hands one. */
    private byte[] send(int sport, int dport, int seq, int ack, int flags, byte[] options, int data, long micros,
        int gso) throws IOException {
        int tcpLen = 20 + options.length + data;
        Packet p = new Packet(Math.max(2048, 20 + tcpLen + 128));
        p.load(new byte[20 + tcpLen], 0, 20 + tcpLen, 64);
        IpOut.ipv4Header(p, 0, 1, true, 64, IpProto.TCP, CLIENT, ROUTER, tcpLen);
        p.put16(20, sport);
        p.put16(22, dport);
        p.put32(24, seq);
        p.put32(28, ack);
        p.put8(32, (20 + options.length) / 4 << 4);
        p.put8(33, flags);
        p.put16(34, 502);
        p.copyIn(40, options, 0, options.length);
        IpOut.l4Checksum(p, 20, IpProto.TCP, 36);
        byte[] frame = RouterFragmentTest.ethernet(router.devices().get(0).mac(), p.toBytes());
        now += micros * 1000;
        clock.setWallNanos(now);
        int before = sent.size();
        forwarder.receive(0, frame, 0, frame.length, gso, now, 1, result);
        return sent.size() > before ? sent.get(sent.size() - 1) : null;
    }

    private static byte[] synOptions(int tsval) {
        return new byte[] {2, 4, 0x05, (byte) 0xb4, 4, 2, 8, 10, (byte) (tsval >>> 24), (byte) (tsval >>> 16),
            (byte) (tsval >>> 8), (byte) tsval, 0, 0, 0, 0, 1, 3, 3, 10};
    }

    private static byte[] ts(int tsval, int tsecr) {
        return new byte[] {1, 1, 8, 10, (byte) (tsval >>> 24), (byte) (tsval >>> 16), (byte) (tsval >>> 8),
            (byte) tsval, (byte) (tsecr >>> 24), (byte) (tsecr >>> 16), (byte) (tsecr >>> 8), (byte) tsecr};
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xff;
    }

    private static int u16(byte[] b, int i) {
        return u8(b, i) << 8 | u8(b, i + 1);
    }

    private static int u32(byte[] b, int i) {
        return u16(b, i) << 16 | u16(b, i + 2);
    }

    /** The peer's next segments as a replay's capture would show them: acknowledging ISN 5000, echoing TSval 777000. */
    private static final class Recorded implements PeerSegments {
        @Override
        public boolean next(int family, long peerHi, long peerLo, int peerPort, int seq, Segment into) {
            into.clear();
            if (family != Family.IPV4 || peerLo != CLIENT || seq != 1001) {
                return false;
            }
            into.hasAck = true;
            into.ack = 5001;
            into.hasTimestamp = true;
            into.tsecr = 777000;
            return true;
        }

        @Override
        public boolean nextEcho(int family, long peerHi, long peerLo, int peerPort, int afterTsecr, Segment into) {
            into.clear();
            return false;
        }
    }

    @Test
    void theHandshakeIsLinuxsAndAdoptsWhatTheRecordingKernelDrew() throws IOException {
        start(new Recorded());
        byte[] synAck = send(46101, 2222, 1000, 0, LocalTcp.SYN, synOptions(424242), 0, 0);
        assertEquals(0, u16(synAck, 4), "IP id 0");
        assertEquals(0x4000, u16(synAck, 6), "DF");
        assertEquals(LocalTcp.SYN | LocalTcp.ACK, u8(synAck, 33));
        assertEquals(5000, u32(synAck, 24), "the ISN the peer acknowledges");
        assertEquals(1001, u32(synAck, 28));
        assertEquals(65160, u16(synAck, 34), "floor(65536 / 1448) * 1448");
        // mss 1460, sackOK with the timestamps, nop + wscale 10 (tcp_rmem max 32 MiB)
        byte[] options = Arrays.copyOfRange(synAck, 40, 60);
        assertArrayEquals(new byte[] {2, 4, 0x05, (byte) 0xb4, 4, 2, 8, 10, 0, 11, (byte) 0xdb, 0x28, 0, 6, 0x79,
            0x32, 1, 3, 3, 10}, options, "TSval 777000, TSecr 424242");
    }

    @Test
    void windowsGrowAsLinuxsAndTheCloseAnswersTheFinAtOnce() throws IOException {
        handshake();
        int seq = 1001;
        int[][] steps = {{40, 64}, {1024, 67}, {16, 67}};
        for (int[] step : steps) {
            byte[] ack = send(46101, 2222, seq, 5001, LocalTcp.ACK | LocalTcp.PSH, ts(3, 777000), step[0], 150_000);
            seq += step[0];
            assertEquals(LocalTcp.ACK, u8(ack, 33));
            assertEquals(seq, u32(ack, 28));
            assertEquals(step[1], u16(ack, 34), "window after " + step[0] + " bytes (scaled by 2^10)");
            assertEquals(32, (u8(ack, 32) >>> 4) * 4, "timestamps on every segment");
        }
        byte[] fin = send(46101, 2222, seq, 5001, LocalTcp.FIN | LocalTcp.ACK, ts(4, 777000), 0, 150_000);
        assertEquals(LocalTcp.FIN | LocalTcp.ACK, u8(fin, 33));
        assertEquals(5001, u32(fin, 24));
        assertEquals(seq + 1, u32(fin, 28));
        assertEquals(67, u16(fin, 34));
        assertEquals(null, send(46101, 2222, seq + 1, 5002, LocalTcp.ACK, ts(5, 777000), 0, 100),
            "the last ACK closes the socket");
        // the connection is gone: a segment of it now meets the listener, which resets an ACK
        byte[] rst = send(46101, 2222, seq + 1, 5002, LocalTcp.ACK, ts(6, 777000), 0, 100);
        assertEquals(LocalTcp.RST, u8(rst, 33));
        assertEquals(5002, u32(rst, 24));
    }

    /** A connection from port 46101 established with ISN 5000 (the handshake's last ACK 50 microseconds later). */
    private void handshake() throws IOException {
        start(new Recorded());
        send(46101, 2222, 1000, 0, LocalTcp.SYN, synOptions(1), 0, 0);
        assertEquals(null, send(46101, 2222, 1001, 5001, LocalTcp.ACK, ts(2, 777000), 0, 50), "the handshake's ACK");
    }

    @Test
    void aSuperFrameToTheRouterIsTakenWholeAndAcknowledgedAtOnce() throws IOException {
        // As Linux's TCP takes a GRO skb: all of its data at once, and more than one full segment is acknowledged
        // without delay (__tcp_ack_snd_check).
        handshake();
        byte[] ack = send(46101, 2222, 1001, 5001, LocalTcp.ACK, ts(3, 777000), 10 * 1448, 1000, 1448);
        assertEquals(Fate.ANSWERED, result.fate, "delivered, and answered by an ACK");
        assertTrue(ack != null, "an ACK at once");
        assertEquals(LocalTcp.ACK, u8(ack, 33));
        assertEquals(1001 + 10 * 1448, u32(ack, 28), "every byte acknowledged");
    }

    @Test
    void aBurstPilesUpInTheBufferAndTheWindowNeverShrinks() throws IOException {
        handshake();
        int seq = 1001;
        long edge = 0;
        int most = 0;
        int last = 0;
        for (int i = 0; i < 18; i++) {
            byte[] ack = send(46101, 2222, seq, 5001, LocalTcp.ACK, ts(3, 777000), 1448, i == 0 ? 150_000 : 8);
            seq += 1448;
            last = u16(ack, 34);
            // what was offered stays offered: the right edge of the window never moves left
            long right = (u32(ack, 28) & 0xffffffffL) + ((long) last << 10);
            assertTrue(right >= edge, "right edge " + right + " after " + edge);
            edge = right;
            most = Math.max(most, last);
        }
        assertTrue(last < most, "the unread burst shrinks the free buffer the window comes from");
    }

    @Test
    void pastTheQuickAcksTheAckWaitsForTheReaderOrTheDelayedAckTimer() throws IOException {
        handshake();
        int seq = 1001;
        int acks = 0;
        for (int i = 0; i < 30; i++) {
            acks += send(46101, 2222, seq, 5001, LocalTcp.ACK, ts(3, 777000), 1448, i == 0 ? 150_000 : 8) != null ? 1 : 0;
            seq += 1448;
        }
        assertTrue(acks >= 16 && acks < 30, acks + " ACKs for 30 segments: quick ACKs first, then they wait");
        int before = sent.size();
        forwarder.tick(now + LocalTcp.READ_DELAY_NANOS - 1000);
        assertEquals(before, sent.size(), "the reader has not drained the queue yet");
        forwarder.tick(now + LocalTcp.READ_DELAY_NANOS);
        assertEquals(before + 1, sent.size(), "the reader drained it: the owed ACK goes");
        assertEquals(seq, u32(sent.get(before), 28));
        forwarder.tick(now + LocalTcp.DELACK_NANOS * 2);
        assertEquals(before + 1, sent.size(), "nothing more is owed");
        // one short segment after a pause: owed, sent by the reader (a short segment is pushed)
        send(46101, 2222, seq, 5001, LocalTcp.ACK | LocalTcp.PSH, ts(4, 777000), 10, 200_000);
        forwarder.tick(now + LocalTcp.READ_DELAY_NANOS);
        assertEquals(seq + 10, u32(sent.get(sent.size() - 1), 28));
    }

    @Test
    void withoutOptionsTheSynAckCarriesTheMssAlone() throws IOException {
        start(null);
        byte[] synAck = send(46123, 2222, 3000, 0, LocalTcp.SYN, new byte[0], 0, 0);
        assertEquals(44, synAck.length);
        assertEquals(64240, u16(synAck, 34), "floor(65535 / 1460) * 1460");
        assertArrayEquals(new byte[] {2, 4, 0x05, (byte) 0xb4}, Arrays.copyOfRange(synAck, 40, 44));
    }

    @Test
    void theListenerResetsAnAckAndDropsALoneFinAndTheDataOfASyn() throws IOException {
        start(null);
        byte[] rst = send(46121, 2222, 5000, 7000, LocalTcp.ACK, new byte[0], 0, 0);
        assertEquals(LocalTcp.RST, u8(rst, 33));
        assertEquals(7000, u32(rst, 24));
        assertEquals(null, send(46122, 2222, 9000, 0, LocalTcp.FIN, new byte[0], 0, 10));
        byte[] synAck = send(46120, 2222, 1000, 0, LocalTcp.SYN, synOptions(1000), 20, 10);
        assertEquals(1001, u32(synAck, 28), "the SYN's data is not acknowledged");
    }

    @Test
    void aPortWithoutListenerStillResets() throws IOException {
        start(null);
        byte[] rst = send(46200, 2223, 1000, 0, LocalTcp.SYN, synOptions(1), 0, 0);
        assertEquals(LocalTcp.RST | LocalTcp.ACK, u8(rst, 33));
        assertEquals(0, u32(rst, 24));
        assertEquals(1001, u32(rst, 28));
        assertEquals(40, rst.length);
    }

    @Test
    void connectionsAreBoundedAndADroppedSynIsCounted() throws IOException {
        start(null);
        for (int i = 0; i < LocalTcp.MAX_CONNECTIONS; i++) {
            assertTrue(send(20000 + i, 2222, 1000, 0, LocalTcp.SYN, synOptions(1), 0, 1) != null);
        }
        assertEquals(null, send(30000, 2222, 1000, 0, LocalTcp.SYN, synOptions(1), 0, 1));
        assertEquals(1L, router.counters().get("listen_drops"));
        // requests left unanswered are forgotten in time, which makes room again
        now += 121_000_000_000L;
        assertTrue(send(30001, 2222, 1000, 0, LocalTcp.SYN, synOptions(1), 0, 1) != null);
    }

    @Test
    void hostileSegmentsGetNoExceptionAndNoAnswerBeyondLinuxs() throws IOException {
        start(null);
        java.util.Random rnd = new java.util.Random(12);
        send(46101, 2222, 1000, 0, LocalTcp.SYN, synOptions(1), 0, 0);
        for (int i = 0; i < 2000; i++) {
            byte[] options = new byte[4 * rnd.nextInt(11)];
            rnd.nextBytes(options);
            send(46101 + rnd.nextInt(3), 2222, rnd.nextInt(), rnd.nextInt(), rnd.nextInt(256), options,
                rnd.nextInt(300), rnd.nextInt(2000));
        }
        assertTrue(sent.size() > 1);
    }
}
