package org.conntrack4j.io.afpacket;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.conntrack4j.io.DeviceConfig;
import org.conntrack4j.io.FrameBatch;
import org.conntrack4j.io.PacketDevice;

/**
 * Frames per second and CPU per frame of 64-byte frames over a veth pair, in a namespace of its own
 * (needs root). Transmit: threads sending through their own queue of cta0, with and without
 * PACKET_QDISC_BYPASS, one kick per batch of 64 or per frame. Receive: threads each reading a queue of
 * ctb0 (fanout by flow hash over 64 UDP flows) while one thread floods from cta0. CPU is the measured
 * threads' own CPU time (what the kernel does for them in their system calls included; softirq work done
 * on other CPUs not). Run:
 *
 * <pre>
 * ./mvnw -B -q -pl io.afpacket test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/afp.cp
 * java -cp io.afpacket/target/classes:io.afpacket/target/test-classes:$(cat /tmp/afp.cp) \
 *     org.conntrack4j.io.afpacket.AfPacketBench [seconds per case, default 3]
 * </pre>
 */
public final class AfPacketBench {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    private final AfPacketIo io = new AfPacketIo();
    private final Netns ns;
    private final double seconds;

    private AfPacketBench(Netns ns, double seconds) {
        this.ns = ns;
        this.seconds = seconds;
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        System.out.printf("%-44s %12s %12s%n", "case (64-byte frames, veth)", "frames/s", "CPU ns/frame");
        try (Netns ns = Netns.create()) {
            ns.vethPair("cta0", "ctb0", null);
            AfPacketBench b = new AfPacketBench(ns, seconds);
            b.tx(1, true, 64);
            b.tx(1, false, 64);
            b.tx(1, true, 1);
            b.tx(2, true, 64);
            b.rx(1);
            b.rx(2);
        } finally {
            System.out.flush();
        }
    }

    private void tx(int threads, boolean bypass, int batch) throws Exception {
        DeviceConfig cfg = DeviceConfig.DEFAULT.withQueues(threads).withQdiscBypass(bypass);
        long peer;
        try (PacketDevice b = ns.inside(() -> io.open("ctb0", DeviceConfig.DEFAULT))) {
            peer = b.mac(); // closed again: no packet socket on the peer while sending
        }
        try (PacketDevice a = ns.inside(() -> io.open("cta0", cfg))) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong cpu = new AtomicLong();
            Thread[] ts = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int q = t;
                ts[t] = new Thread(() -> {
                    FrameBatch out = flows(peer, a.mac(), q);
                    long c0 = MX.getCurrentThreadCpuTime();
                    while (!stop.get()) {
                        if (batch == 1) {
                            for (int i = 0; i < out.count(); i++) {
                                a.queue(q).send(out.buffer(), out.offset(i), out.length(i));
                                a.queue(q).flush();
                            }
                        } else {
                            a.queue(q).send(out);
                        }
                    }
                    cpu.addAndGet(MX.getCurrentThreadCpuTime() - c0);
                });
            }
            long f0 = a.stats().txFrames();
            long t0 = System.nanoTime();
            for (Thread t : ts) {
                t.start();
            }
            Thread.sleep((long) (seconds * 1000));
            stop.set(true);
            for (Thread t : ts) {
                t.join();
            }
            long frames = a.stats().txFrames() - f0;
            double secs = (System.nanoTime() - t0) / 1e9;
            print("tx " + threads + " thread(s), " + (bypass ? "qdisc bypass" : "through qdisc") + ", kick per "
                    + (batch == 1 ? "frame" : batch + " frames"), frames / secs, (double) cpu.get() / frames,
                    a.stats().toString());
        }
    }

    private void rx(int threads) throws Exception {
        try (PacketDevice a = ns.inside(() -> io.open("cta0", DeviceConfig.DEFAULT));
             PacketDevice b = ns.inside(() -> io.open("ctb0", DeviceConfig.DEFAULT.withQueues(threads)))) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong cpu = new AtomicLong();
            AtomicLong got = new AtomicLong();
            Thread sender = new Thread(() -> {
                FrameBatch out = flows(b.mac(), a.mac(), 0);
                while (!stop.get()) {
                    a.queue(0).send(out);
                }
            });
            Thread[] readers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int q = t;
                readers[t] = new Thread(() -> {
                    FrameBatch in = new FrameBatch(256, 2048);
                    long n = 0;
                    long c0 = MX.getCurrentThreadCpuTime();
                    while (!stop.get()) {
                        int r = b.queue(q).receive(in, 10);
                        n += Math.max(r, 0);
                    }
                    cpu.addAndGet(MX.getCurrentThreadCpuTime() - c0);
                    got.addAndGet(n);
                });
                readers[t].start();
            }
            b.stats(); // clears the kernel's drop counter
            long d0 = b.stats().rxKernelDrops();
            long t0 = System.nanoTime();
            sender.start();
            Thread.sleep((long) (seconds * 1000));
            stop.set(true);
            sender.join();
            for (Thread t : readers) {
                t.join();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long frames = got.get();
            print("rx " + threads + " thread(s), fanout hash, 64 flows", frames / secs, (double) cpu.get() / frames,
                    "sender " + a.stats().txFrames() / secs + "/s, kernel drops "
                            + (b.stats().rxKernelDrops() - d0) + ", " + b.stats());
        }
    }

    /** 64 UDP frames of 64 bytes, one per flow (source ports differ), from {@code src} to {@code dst}. */
    private static FrameBatch flows(long dst, long src, int salt) {
        FrameBatch out = new FrameBatch(64, 128);
        for (int i = 0; i < 64; i++) {
            // a 50-byte IPv4/UDP frame padded to 64 as Ethernet pads it
            AfPacketLiveTest.udpFrame(out.buffer(), out.offset(i), dst, src, salt, i + 64 * salt);
            out.commit(64, 0, 0);
        }
        return out;
    }

    private static void print(String what, double rate, double cpuPerFrame, String detail) {
        System.out.printf("%-44s %12.0f %12.0f   (%s)%n", what, rate, cpuPerFrame, detail);
    }
}
