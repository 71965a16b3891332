package org.conntrack4j.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.felix.service.command.CommandSession;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.Test;

/**
 * {@code ct:events} when its reader falls behind, against what conntrack 1.4.7 printed on Linux 6.18
 * ({@code testdata/probes/ctcmd/enobufs}: the reader stopped during 3000 new flows, then 3 more): conntrack's
 * ENOBUFS warning, before the events its buffer still held, as many as the kernel's held, and the later events.
 */
class CtEventsTest {
    /** Output and standard error in the order written; the first write waits until the test lets it go. */
    private static final class StoppedReader extends OutputStream {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        final CountDownLatch stopped = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);

        @Override
        public synchronized void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            stopped.countDown();
            try {
                resume.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                all.write(b, off, len);
            }
        }
    }

    @Test
    void aReaderThatFallsBehindIsWarnedAsConntrackWarnsThenGetsWhatTheBufferHeld() throws Exception {
        List<String> kernel = Files.readAllLines(TestData.probes("ctcmd").resolve("enobufs").resolve("events.txt"));
        List<String> kernelWarning = kernel.stream().filter(l -> !l.startsWith("#") && !l.contains("[NEW]"))
            .limit(3).collect(Collectors.toList());
        assertEquals(List.of(CtEvents.ENOBUFS_WARNING.split("\n")), kernelWarning, "conntrack's words");
        assertTrue(kernel.get(1).startsWith("WARNING"), "the warning comes before the events the buffer held");
        long kernelHeld = kernel.stream().filter(l -> l.matches(".*\\[NEW\\].* dport=1\\d{4} .*")).count();
        long kernelLater = kernel.stream().filter(l -> l.matches(".*\\[NEW\\].* dport=2000\\d .*")).count();

        Plugins plugins = new Plugins();
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        PrintStream savedErr = System.err;
        StoppedReader reader = new StoppedReader();
        PrintStream out = new PrintStream(reader, true, StandardCharsets.UTF_8);
        try (Rig rig = new Rig(plugins)) {
            CtCommands ct = new CtCommands();
            ct.net = rig.net();
            ct.factory = plugins.factory();
            CommandSession session = CtCommandsTest.session(out, new HashMap<>());
            System.setErr(out);
            Thread traffic = new Thread(() -> {
                try {
                    // once ct:events listens, as CtCommandsTest's traffic
                    Thread.sleep(200);
                    rig.forward(Packets.udp("198.51.100.10", 40000, "203.0.113.10", 10000, new byte[1]));
                    // the reader is busy with the first event: the flood fills its buffer
                    reader.stopped.await(10, TimeUnit.SECONDS);
                    for (int i = 1; i < 3000; i++) {
                        rig.forward(Packets.udp("198.51.100.10", 40000, "203.0.113.10", 10000 + i, new byte[1]));
                    }
                    reader.resume.countDown();
                    Thread.sleep(500);
                    for (int i = 0; i < 3; i++) {
                        rig.forward(Packets.udp("198.51.100.10", 40000, "203.0.113.10", 20000 + i, new byte[1]));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            traffic.start();
            ct.events(session, "-e", "NEW", "-t", "3");
            traffic.join();
            List<String> lines = reader.all.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());
            int warning = lines.indexOf(kernelWarning.get(0));
            assertTrue(warning > 0, lines.subList(0, Math.min(5, lines.size())).toString());
            assertEquals(kernelWarning, lines.subList(warning, warning + 3));
            // before the warning: the events this reader had taken when it stopped (the kernel's reader had none)
            long before = lines.subList(0, warning).stream().filter(l -> l.contains("[NEW]")).count();
            assertEquals(2, before, lines.subList(0, warning).toString());
            List<String> after = lines.subList(warning + 3, lines.size());
            assertEquals(kernelHeld, after.stream().filter(l -> l.matches(".*\\[NEW\\].* dport=1\\d{4} .*")).count(),
                "as many as the kernel's buffer held (net.core.rmem_default)");
            assertEquals(kernelLater, after.stream().filter(l -> l.matches(".*\\[NEW\\].* dport=2000\\d .*")).count());
            assertEquals(3000 - before - kernelHeld, rig.net().stats().eventsLost());
            assertEquals("conntrack v1.4.7 (conntrack4j): " + (before + kernelHeld + kernelLater)
                + " flow events have been shown.", lines.get(lines.size() - 1));
        } finally {
            reader.resume.countDown();
            System.setErr(savedErr);
        }
    }

    @Test
    void bufferSizeIsSetAsTheKernelSetsASocketsAndAnnounced() throws Exception {
        Plugins plugins = new Plugins();
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream savedErr = System.err;
        try (Rig rig = new Rig(plugins)) {
            CtCommands ct = new CtCommands();
            ct.net = rig.net();
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            CommandSession session = CtCommandsTest.session(new PrintStream(new ByteArrayOutputStream()), new HashMap<>());
            // as conntrack -E -b 100000 and -b 1000 printed on Linux 6.18: doubled, at least SOCK_MIN_RCVBUF
            ct.events(session, "-b", "100000", "-t", "0");
            ct.events(session, "-b", "1000", "-t", "0");
        } finally {
            System.setErr(savedErr);
        }
        assertEquals(List.of("NOTICE: Netlink socket buffer size has been set to 200000 bytes.",
            "conntrack v1.4.7 (conntrack4j): 0 flow events have been shown.",
            "NOTICE: Netlink socket buffer size has been set to 2304 bytes.",
            "conntrack v1.4.7 (conntrack4j): 0 flow events have been shown."),
            err.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList()));
    }
}
