package org.conntrack4j.io.afpacket;

import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.conntrack4j.io.DeviceConfig;
import org.conntrack4j.io.DeviceStats;
import org.conntrack4j.io.FrameBatch;
import org.conntrack4j.io.LinkState;
import org.conntrack4j.io.PacketDevice;
import org.conntrack4j.io.PacketIoException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The devices on real veth pairs in a namespace each test makes and removes (needs root and iproute2;
 * fails, never skips, without them). Frames carry the local experimental ethertype 0x88b5 or IPv4 from
 * 192.0.2.0/24; other frames on the links (there should be none: IPv6 is off) are ignored by the checks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AfPacketLiveTest {
    static final int MARK = 0x88b5;

    private final AfPacketIo io = new AfPacketIo();
    private final List<Netns> namespaces = new ArrayList<>();
    private Netns ns;

    @BeforeEach
    void namespace() {
        ns = Netns.create();
        namespaces.add(ns);
        ns.vethPair("cta0", "ctb0", null);
    }

    @AfterEach
    void cleanUp() {
        io.deactivate();
        AssertionError first = null;
        for (Netns n : namespaces) {
            try {
                n.close();
            } catch (AssertionError e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private PacketDevice open(Netns where, String dev, DeviceConfig config) {
        return where.inside(() -> io.open(dev, config));
    }

    /** A 0x88b5 frame from {@code src} to {@code dst}: sequence number, flow, then a pattern. */
    static int frame(byte[] f, int off, long dst, long src, int seq, int flow, int len) {
        for (int i = 0; i < 6; i++) {
            f[off + i] = (byte) (dst >>> (40 - 8 * i));
            f[off + 6 + i] = (byte) (src >>> (40 - 8 * i));
        }
        Offload.put16(f, off + 12, MARK);
        Offload.put32(f, off + 14, seq);
        Offload.put32(f, off + 18, flow);
        for (int i = 22; i < len; i++) {
            f[off + i] = (byte) (seq * 31 + i);
        }
        return len;
    }

    /** An IPv4/UDP frame of flow {@code flow} (source port 10000 + flow), carrying {@code seq}. */
    static int udpFrame(byte[] f, int off, long dst, long src, int seq, int flow) {
        byte[] u = Frames.udp4(8);
        Offload.put16(u, 34, 10000 + flow);
        Offload.put32(u, 42, seq);
        Offload.put32(u, 46, flow);
        Frames.l4checksum(u, 14, false, 17, 34, 16, 40);
        System.arraycopy(u, 0, f, off, u.length);
        for (int i = 0; i < 6; i++) {
            f[off + i] = (byte) (dst >>> (40 - 8 * i));
            f[off + 6 + i] = (byte) (src >>> (40 - 8 * i));
        }
        return u.length;
    }

    @Test
    void aMissingDeviceIsOneLineNamingItAndTheErrno() {
        Object thrown = ns.inside(() -> {
            try {
                return io.open("ct4j-none9", DeviceConfig.DEFAULT);
            } catch (PacketIoException e) {
                return e;
            }
        });
        PacketIoException e = assertInstanceOf(PacketIoException.class, thrown);
        assertEquals("ct4j-none9: no such device (ENODEV)", e.getMessage());
        assertEquals(LibC.ENODEV, e.errno());
    }

    @Test
    void framesArriveIntactAndInOrderInBatches() {
        PacketDevice a = open(ns, "cta0", DeviceConfig.DEFAULT);
        PacketDevice b = open(ns, "ctb0", DeviceConfig.DEFAULT);
        assertTrue(b.link().running());
        assertEquals(1500, b.mtu());
        int total = 2000;
        FrameBatch out = new FrameBatch(32, 2048);
        FrameBatch in = new FrameBatch(64, 2048);
        byte[] expect = new byte[2048];
        int sent = 0;
        int received = 0;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (received < total && System.nanoTime() < deadline) {
            if (sent < total) {
                out.clear();
                while (!out.isFull() && sent < total) {
                    int len = 60 + (sent * 37) % 1455;
                    frame(out.buffer(), out.offset(out.count()), b.mac(), a.mac(), sent, 0, len);
                    out.commit(len, 0, 0);
                    sent++;
                }
                assertEquals(out.count(), a.queue(0).send(out));
            }
            int n = b.queue(0).receive(in, 10);
            for (int i = 0; i < n; i++) {
                int at = in.offset(i);
                if (Offload.u16(in.buffer(), at + 12) != MARK) {
                    continue;
                }
                int len = frame(expect, 0, b.mac(), a.mac(), received, 0, 60 + (received * 37) % 1455);
                assertEquals(len, in.length(i), "length of frame " + received);
                assertArrayEquals(Arrays.copyOf(expect, len), Arrays.copyOfRange(in.buffer(), at, at + len),
                        "bytes of frame " + received);
                assertEquals(FrameBatch.PACKET_HOST, in.packetType(i));
                assertTrue(Math.abs(in.timestamp(i) / 1_000_000 - System.currentTimeMillis()) < 10_000);
                received++;
            }
        }
        assertEquals(total, received);
        DeviceStats sa = a.stats();
        DeviceStats sb = b.stats();
        assertEquals(total, sa.txFrames(), sa.toString());
        assertEquals(0, sa.rxFrames(), "our own frames are not received back: " + sa);
        assertEquals(0, sb.rxKernelDrops() + sb.rxInvalid() + sb.errors(), sb.toString());
    }

    @Test
    void fanoutGivesEachFlowToOneQueueInOrder() throws Exception {
        PacketDevice a = open(ns, "cta0", DeviceConfig.DEFAULT);
        PacketDevice b = open(ns, "ctb0", DeviceConfig.DEFAULT.withQueues(2));
        int flows = 64;
        int perFlow = 50;
        int[][] next = new int[2][flows];
        int[] owner = new int[flows];
        Arrays.fill(owner, -1);
        int[] counts = new int[2];
        AtomicBoolean stop = new AtomicBoolean();
        List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread[] readers = new Thread[2];
        for (int q = 0; q < 2; q++) {
            int queue = q;
            readers[q] = new Thread(() -> {
                FrameBatch in = new FrameBatch(64, 2048);
                while (!stop.get()) {
                    int n = b.queue(queue).receive(in, 20);
                    for (int i = 0; i < n; i++) {
                        byte[] buf = in.buffer();
                        int at = in.offset(i);
                        if (Offload.u16(buf, at + 12) != 0x0800) {
                            continue;
                        }
                        int seq = Offload.u32(buf, at + 42);
                        int flow = Offload.u32(buf, at + 46);
                        if (seq != next[queue][flow]) {
                            problems.add("queue " + queue + " flow " + flow + ": seq " + seq + " after "
                                    + next[queue][flow]);
                        }
                        next[queue][flow] = seq + 1;
                        counts[queue]++;
                    }
                }
            });
            readers[q].start();
        }
        FrameBatch out = new FrameBatch(64, 128);
        for (int seq = 0; seq < perFlow; seq++) {
            out.clear();
            for (int flow = 0; flow < flows; flow++) {
                out.commit(udpFrame(out.buffer(), out.offset(flow), b.mac(), a.mac(), seq, flow), 0, 0);
            }
            assertEquals(flows, a.queue(0).send(out));
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (b.stats().rxFrames() < flows * perFlow && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        stop.set(true);
        for (Thread t : readers) {
            t.join(5000);
        }
        assertEquals(List.of(), problems);
        assertEquals(flows * perFlow, counts[0] + counts[1], "each frame exactly once");
        assertTrue(counts[0] > 0 && counts[1] > 0, "both queues served: " + Arrays.toString(counts));
        for (int flow = 0; flow < flows; flow++) {
            int in0 = next[0][flow];
            int in1 = next[1][flow];
            assertTrue(in0 == 0 && in1 == perFlow || in0 == perFlow && in1 == 0,
                    "flow " + flow + " split: " + in0 + " / " + in1);
        }
        assertTrue(((AfPacketDevice) b).fanoutGroup() >= 0);
    }

    @Test
    void linkDownAndUpAreNoticedAndFramesFlowAgain() throws Exception {
        PacketDevice a = open(ns, "cta0", DeviceConfig.DEFAULT);
        PacketDevice b = open(ns, "ctb0", DeviceConfig.DEFAULT);
        BlockingQueue<LinkState> changes = new LinkedBlockingQueue<>();
        b.addLinkListener((dev, before, now) -> changes.add(now));
        ns.ip("link", "set", "ctb0", "down");
        LinkState down = changes.poll(5, TimeUnit.SECONDS);
        assertNotNull(down, "no notification of the link going down");
        assertFalse(down.up());
        assertFalse(b.link().running());
        // the sender loses its carrier with its peer; the kernel tells a little later (linkwatch)
        long carrier = System.nanoTime() + 5_000_000_000L;
        while (a.link().running() && System.nanoTime() < carrier) {
            Thread.sleep(5);
        }
        assertFalse(a.link().running(), "peer's carrier loss noticed: " + a.link());
        byte[] f = new byte[100];
        assertTrue(a.queue(0).send(f, 0, frame(f, 0, b.mac(), a.mac(), 1, 0, 100)));
        a.queue(0).flush();
        FrameBatch in = new FrameBatch(8, 2048);
        assertEquals(0, b.queue(0).receive(in, 50), "nothing while down");

        ns.ip("link", "set", "ctb0", "mtu", "1400");
        ns.ip("link", "set", "ctb0", "up");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!(b.link().running() && b.mtu() == 1400) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(b.link().up() && b.link().running(), b.link().toString());
        assertEquals(1400, b.mtu());
        assertTrue(changes.stream().anyMatch(s -> s.mtu() == 1400));
        assertTrue(a.queue(0).send(f, 0, frame(f, 0, b.mac(), a.mac(), 2, 0, 100)));
        a.queue(0).flush();
        assertTrue(receiveMarked(b, in, 2000) >= 1, "frames flow again");
        assertEquals(2, Offload.u32(in.buffer(), markedAt(in) + 14));

        ns.ip("link", "del", "ctb0");
        deadline = System.nanoTime() + 5_000_000_000L;
        while (b.link().present() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertFalse(b.link().present(), "deleted device noticed");
    }

    @Test
    void aDeviceDownAtOpenJoinsItsFanoutWhenUpAndNeverDuplicates() throws Exception {
        ns.ip("link", "set", "ctb0", "down");
        PacketDevice a = open(ns, "cta0", DeviceConfig.DEFAULT);
        PacketDevice b = open(ns, "ctb0", DeviceConfig.DEFAULT.withQueues(2));
        assertFalse(b.link().up());
        assertEquals(-1, ((AfPacketDevice) b).fanoutGroup());
        ns.ip("link", "set", "ctb0", "up");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (((AfPacketDevice) b).fanoutGroup() < 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(((AfPacketDevice) b).fanoutGroup() >= 0, "joined once up");
        // a veth sends nothing until both ends have their carrier, which may come after the join
        while (!(a.link().running() && b.link().running()) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        FrameBatch out = new FrameBatch(64, 128);
        for (int flow = 0; flow < 64; flow++) {
            out.commit(udpFrame(out.buffer(), out.offset(flow), b.mac(), a.mac(), 0, flow), 0, 0);
        }
        a.queue(0).send(out);
        FrameBatch in = new FrameBatch(128, 2048);
        int total = 0;
        deadline = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < deadline && total < 64) {
            for (int q = 0; q < 2; q++) {
                int n = b.queue(q).receive(in, 5);
                for (int i = 0; i < n; i++) {
                    total += Offload.u16(in.buffer(), in.offset(i) + 12) == 0x0800 ? 1 : 0;
                }
            }
        }
        for (int q = 0; q < 2; q++) {
            int n = b.queue(q).receive(in, 50);
            for (int i = 0; i < n; i++) {
                total += Offload.u16(in.buffer(), in.offset(i) + 12) == 0x0800 ? 1 : 0;
            }
        }
        assertEquals(64, total, "every frame once, over both queues");
    }

    @Test
    void twoDevicesWithSeveralQueuesEachReceiveTheirOwnFrames() throws Exception {
        // each device's queues form a fanout group of their own: the group's id must not be shared (one id for both
        // would tie the second device's sockets to the first device's group, and the second would receive nothing)
        PacketDevice a = open(ns, "cta0", DeviceConfig.DEFAULT.withQueues(2));
        PacketDevice b = open(ns, "ctb0", DeviceConfig.DEFAULT.withQueues(2));
        assertNotEquals(((AfPacketDevice) a).fanoutGroup(), ((AfPacketDevice) b).fanoutGroup());
        for (PacketDevice[] pair : new PacketDevice[][] {{a, b}, {b, a}}) {
            FrameBatch out = new FrameBatch(32, 128);
            for (int flow = 0; flow < 32; flow++) {
                out.commit(udpFrame(out.buffer(), out.offset(flow), pair[1].mac(), pair[0].mac(), 0, flow), 0, 0);
            }
            pair[0].queue(0).send(out);
            FrameBatch in = new FrameBatch(64, 2048);
            int total = 0;
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < deadline && total < 32) {
                for (int q = 0; q < 2; q++) {
                    int n = pair[1].queue(q).receive(in, 5);
                    for (int i = 0; i < n; i++) {
                        total += Offload.u16(in.buffer(), in.offset(i) + 12) == 0x0800 ? 1 : 0;
                    }
                }
            }
            assertEquals(32, total, pair[1].name() + " received every frame over its two queues");
        }
    }

    @Test
    void aSuperFrameCrossesWholeWithGsoAndInSegmentsWithout() {
        for (boolean gso : new boolean[] {true, false}) {
            PacketDevice a = open(ns, "cta0", DeviceConfig.DEFAULT.withGso(gso));
            PacketDevice b = open(ns, "ctb0", DeviceConfig.DEFAULT.withGso(gso));
            byte[] f = Frames.tcp4(10_000, 1000, 0x18, true, 5);
            for (int i = 0; i < 6; i++) {
                f[i] = (byte) (b.mac() >>> (40 - 8 * i));
                f[6 + i] = (byte) (a.mac() >>> (40 - 8 * i));
            }
            assertTrue(a.queue(0).send(f, 0, f.length, 1448), a.stats().toString());
            a.queue(0).flush();
            FrameBatch in = new FrameBatch(16, FrameBatch.MAX_SLOT);
            List<String> seen = new ArrayList<>();
            int payload = 0;
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (payload < 10_000 && System.nanoTime() < deadline) {
                int n = b.queue(0).receive(in, 50);
                for (int i = 0; i < n; i++) {
                    byte[] buf = in.buffer();
                    int at = in.offset(i);
                    if (Offload.u16(buf, at + 12) != 0x0800 || buf[at + 23] != 6) {
                        continue; // the namespace's own chatter
                    }
                    int len = in.length(i);
                    assertTrue(Frames.l4valid(buf, at, 14, false, 6, 34, len - 34), "TCP checksum of " + len);
                    payload += len - 66;
                    seen.add(len + "/" + in.gsoSize(i));
                }
            }
            assertEquals(10_000, payload, seen.toString());
            if (gso) {
                assertEquals(List.of(f.length + "/1448"), seen, "one frame, its segment size with it");
                assertEquals(1, a.stats().txGso(), a.stats().toString());
                assertEquals(1, b.stats().rxGso(), b.stats().toString());
            } else {
                assertEquals(7, seen.size(), "cut into 1448-byte segments by the sender: " + seen);
                assertEquals(0, a.stats().txGso() + b.stats().rxGso());
                assertEquals(7, a.stats().txFrames(), a.stats().toString());
            }
            a.close();
            b.close();
        }
    }

    @Test
    void aFullTransmitRingIsCounted() throws Exception {
        // a slow qdisc holds the frames, so their slots stay in flight
        ns.exec("tc", "qdisc", "add", "dev", "cta0", "root", "tbf", "rate", "8kbit", "burst", "1600", "limit",
                "100000");
        PacketDevice a = open(ns, "cta0", DeviceConfig.DEFAULT.withTxFrames(8).withQdiscBypass(false));
        byte[] f = new byte[1000];
        int accepted = 0;
        for (int i = 0; i < 40; i++) {
            if (a.queue(0).send(f, 0, frame(f, 0, 0xffffffffffffL, a.mac(), i, 0, 1000))) {
                accepted++;
            }
            a.queue(0).flush();
        }
        DeviceStats s = a.stats();
        assertTrue(s.txRingFull() >= 20, s.toString());
        assertEquals(40, accepted + s.txRingFull(), s.toString());
        assertEquals(accepted, s.txFrames(), s.toString());
    }

    @Test
    void kernelOffloadsNeverReachTheReceiverUnsegmentedOrUnchecksummed() throws Exception {
        // the kernel's own TCP and UDP across the pair: ctb0 moves to a second namespace so that traffic
        // takes the veth; the sender's TSO, USO and checksum offload give super-frames and partial checksums
        Netns far = Netns.create();
        namespaces.add(far);
        ns.ip("link", "set", "ctb0", "netns", far.name);
        far.ip("link", "set", "ctb0", "up");
        ns.ip("addr", "add", "192.0.2.1/24", "dev", "cta0");
        far.ip("addr", "add", "192.0.2.2/24", "dev", "ctb0");
        PacketDevice b = open(far, "ctb0", DeviceConfig.DEFAULT);
        byte[] data = new byte[1 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 13 + (i >> 10));
        }
        ServerSocket server = far.inside(() -> new ServerSocket(8080, 1, InetAddress.getByName("192.0.2.2")));
        Socket client = new Socket();
        DatagramSocket udp = ns.inside(() -> new DatagramSocket(new InetSocketAddress("192.0.2.1", 5000)));
        Thread sink = new Thread(() -> {
            try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (Exception ignored) {
                // the test checks what crossed the link
            }
        });
        sink.start();
        AtomicBoolean done = new AtomicBoolean();
        List<String> problems = new ArrayList<>();
        long[] isn = {-1};
        boolean[] covered = new boolean[data.length];
        int[] udpSeen = {0};
        Thread reader = new Thread(() -> {
            FrameBatch in = new FrameBatch(256, 2048);
            while (!done.get()) {
                int n = b.queue(0).receive(in, 10);
                for (int i = 0; i < n; i++) {
                    check(in.buffer(), in.offset(i), in.length(i), data, isn, covered, udpSeen, problems);
                }
            }
        });
        reader.start();
        try {
            // Java makes the socket's descriptor at connect: do it inside the namespace
            ns.inside(() -> {
                client.connect(new InetSocketAddress("192.0.2.2", 8080), 5000);
                return null;
            });
            OutputStream out = client.getOutputStream();
            for (int off = 0; off < data.length; off += 65536) {
                out.write(data, off, 65536);
                Thread.sleep(2);
            }
            byte[] big = Arrays.copyOf(data, 1400);
            for (int i = 0; i < 20; i++) {
                udp.send(new DatagramPacket(big, 1400 - i, InetAddress.getByName("192.0.2.2"), 9));
            }
            client.close();
            sink.join(10_000);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline && !allCovered(covered)) {
                Thread.sleep(10);
            }
        } finally {
            done.set(true);
            reader.join(5000);
            server.close();
            udp.close();
        }
        synchronized (problems) {
            assertEquals(List.of(), problems.subList(0, Math.min(5, problems.size())));
        }
        DeviceStats s = b.stats();
        assertTrue(s.rxSegmented() > 0, "the sender's TSO reached us and was segmented: " + s);
        assertTrue(s.rxChecksummed() > 0, "partial checksums were completed: " + s);
        assertEquals(20, udpSeen[0], s.toString());
        if (s.rxKernelDrops() == 0) {
            assertTrue(allCovered(covered), "every byte of the stream seen once the ring kept up: " + s);
        }
    }

    private static boolean allCovered(boolean[] covered) {
        for (boolean c : covered) {
            if (!c) {
                return false;
            }
        }
        return true;
    }

    /** Checks one received IPv4 frame: within the MTU, valid checksums, TCP payload equal to the data sent. */
    private static void check(byte[] f, int at, int len, byte[] data, long[] isn, boolean[] covered, int[] udp,
            List<String> problems) {
        if (Offload.u16(f, at + 12) != 0x0800) {
            return;
        }
        String problem = null;
        int total = Offload.u16(f, at + 16);
        int proto = f[at + 23] & 0xff;
        if (len > 1514) {
            problem = "frame of " + len + " bytes";
        } else if (!Frames.ipv4valid(f, at)) {
            problem = "bad IPv4 checksum";
        } else if ((proto == 6 || proto == 17) && !Frames.l4valid(f, at, 14, false, proto, 34, total - 20)) {
            problem = "bad " + (proto == 6 ? "TCP" : "UDP") + " checksum";
        } else if (proto == 17 && Offload.u16(f, at + 36) == 9) {
            udp[0]++;
        } else if (proto == 6 && Offload.u16(f, at + 36) == 8080) {
            long seq = Offload.u32(f, at + 38) & 0xffffffffL;
            int doff = (f[at + 46] & 0xf0) >> 2;
            int payload = total - 20 - doff;
            if ((f[at + 47] & 0x02) != 0) {
                isn[0] = seq;
            } else if (payload > 0 && isn[0] >= 0) {
                long pos = (seq - isn[0] - 1) & 0xffffffffL;
                for (int i = 0; i < payload && pos + i < data.length; i++) {
                    if (f[at + 34 + doff + i] != data[(int) pos + i]) {
                        problem = "payload differs at stream offset " + (pos + i);
                        break;
                    }
                    covered[(int) pos + i] = true;
                }
            }
        }
        if (problem != null) {
            synchronized (problems) {
                problems.add(problem);
            }
        }
    }

    @Test
    void steadyReceivingAndSendingAllocateNothing() {
        PacketDevice a = open(ns, "cta0", DeviceConfig.DEFAULT);
        PacketDevice b = open(ns, "ctb0", DeviceConfig.DEFAULT);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        FrameBatch out = new FrameBatch(32, 128);
        for (int i = 0; i < 32; i++) {
            out.commit(frame(out.buffer(), out.offset(i), b.mac(), a.mac(), i, 0, 64), 0, 0);
        }
        FrameBatch in = new FrameBatch(64, 2048);
        long frames = 0;
        long before = 0;
        for (int round = 0; round < 3000; round++) {
            if (round == 1000) {
                before = mx.getCurrentThreadAllocatedBytes();
                frames = 0;
            }
            a.queue(0).send(out);
            int got = 0;
            while (got < 32) {
                int n = b.queue(0).receive(in, 100);
                if (n <= 0) {
                    break;
                }
                got += n;
            }
            frames += got;
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(frames >= 2000 * 32 * 9 / 10, "frames " + frames);
        assertTrue(allocated < 16 * 1024, allocated + " bytes allocated for " + frames + " frames");
    }

    @Test
    void closeEndsABlockedReceive() throws Exception {
        PacketDevice b = open(ns, "ctb0", DeviceConfig.DEFAULT);
        int[] result = {0};
        Thread t = new Thread(() -> result[0] = b.queue(0).receive(new FrameBatch(4, 2048), -1));
        t.start();
        Thread.sleep(50);
        b.close();
        t.join(2000);
        assertFalse(t.isAlive());
        assertEquals(-1, result[0]);
        assertFalse(b.queue(0).send(new byte[60], 0, 60), "send after close drops");
        b.close();
    }

    private static int markedAt(FrameBatch in) {
        for (int i = 0; i < in.count(); i++) {
            if (Offload.u16(in.buffer(), in.offset(i) + 12) == MARK) {
                return in.offset(i);
            }
        }
        return -1;
    }

    private static int receiveMarked(PacketDevice d, FrameBatch in, int millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            d.queue(0).receive(in, 20);
            if (markedAt(in) >= 0) {
                return in.count();
            }
        }
        return 0;
    }
}
