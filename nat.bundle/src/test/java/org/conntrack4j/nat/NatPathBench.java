package org.conntrack4j.nat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatRange;

/**
 * By hand, not a test: the cost of NAT per packet (workload C of BENCH.md: the TCP established path with window
 * tracking, both directions, data and ACKs, without and through masquerade), and per new connection. Single
 * thread; prints CPU and wall nanoseconds per packet, median (min-max) of the runs.
 * {@code java -cp ... org.conntrack4j.nat.NatPathBench [packets-per-run] [runs]}
 */
public final class NatPathBench {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    private final Conntrack net;
    private final NetDevice lan;
    private final NetDevice wan;
    private final Packet pkt = new Packet(2048);
    private final byte[] data;
    private final byte[] ack;
    private final String dst;

    NatPathBench(boolean nat) {
        NatLab lab = new NatLab();
        if (!nat) {
            lab.natRegistration.close();
        }
        ManualClock clock = new ManualClock(250);
        clock.setWallNanos(1_000_000_000_000L);
        net = lab.engine("bench", clock, Map.of("nf_conntrack_checksum", "0"));
        NatRig shape = new NatRig();
        lan = shape.lan;
        wan = shape.wan;
        if (nat) {
            Nat n = net.services().extension(Nat.class);
            n.registerChain(Family.INET, Hook.POST_ROUTING, Priority.NAT_SRC,
                p -> p.out == wan ? n.masquerade(p, NatRange.ports(-1, -1, 0), "bench") : Verdict.ACCEPT, "bench");
        }
        dst = nat ? "203.0.113.1" : "198.51.100.10";
        // Handshake, then templates for data (100 bytes) and the server's ACK.
        send(Pkts.tcp("198.51.100.10", 40000, "203.0.113.10", 80, 1000, 0, Pkts.SYN, ""), lan, wan);
        send(Pkts.tcp("203.0.113.10", 80, dst, 40000, 5000, 1001, Pkts.SYN | Pkts.ACK, ""), wan, lan);
        send(Pkts.tcp("198.51.100.10", 40000, "203.0.113.10", 80, 1001, 5001, Pkts.ACK, ""), lan, wan);
        data = Pkts.tcp("198.51.100.10", 40000, "203.0.113.10", 80, 1001, 5001, Pkts.ACK | Pkts.PSH, "x".repeat(100));
        ack = Pkts.tcp("203.0.113.10", 80, dst, 40000, 5001, 1101, Pkts.ACK, "");
    }

    private int send(byte[] b, NetDevice in, NetDevice out) {
        pkt.reset();
        pkt.load(b, 0, b.length, 14);
        IpHeaders.validate(pkt);
        pkt.in = in;
        int v = net.packets().runHook(Hook.PRE_ROUTING, pkt);
        pkt.out = out;
        v &= net.packets().runHook(Hook.FORWARD, pkt);
        return v & net.packets().runHook(Hook.POST_ROUTING, pkt);
    }

    /** Sends {@code n} data segments and their ACKs from where the last run left off; returns CPU ns. */
    private long run(int n, int[] seq) {
        long cpu = MX.getCurrentThreadCpuTime();
        int bad = 0;
        for (int i = 0; i < n / 2; i++) {
            Pkts.put32(data, 24, seq[0]);
            if (send(data, lan, wan) != Verdict.ACCEPT || pkt.ct == null) {
                bad++;
            }
            seq[0] += 100;
            Pkts.put32(ack, 28, seq[0]);
            if (send(ack, wan, lan) != Verdict.ACCEPT || pkt.ct == null) {
                bad++;
            }
        }
        if (bad > 0) {
            throw new IllegalStateException(bad + " packets refused");
        }
        return MX.getCurrentThreadCpuTime() - cpu;
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        for (boolean nat : new boolean[] {false, true, false, true}) {
            NatPathBench b = new NatPathBench(nat);
            int[] seq = {1001};
            b.run(n, seq);
            List<Double> cpu = new ArrayList<>();
            List<Double> wall = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                long t = System.nanoTime();
                long c = b.run(n, seq);
                wall.add((System.nanoTime() - t) / (double) n);
                cpu.add(c / (double) n);
            }
            System.out.printf("TCP established, %s: CPU %s ns/packet, wall %s ns/packet%n",
                nat ? "through masquerade" : "no NAT        ", stats(cpu), stats(wall));
        }
        for (boolean nat : new boolean[] {false, true, false, true}) {
            List<Double> cpu = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                NatPathBench b = new NatPathBench(nat);
                byte[] u = Pkts.udp("198.51.100.10", 1, "203.0.113.10", 53, "q", true);
                int flows = Math.min(n / 10, 60000);
                long c = MX.getCurrentThreadCpuTime();
                for (int i = 0; i < flows; i++) {
                    Pkts.put16(u, 20, 1024 + i);
                    b.send(u, b.lan, b.wan);
                }
                cpu.add((MX.getCurrentThreadCpuTime() - c) / (double) flows);
            }
            System.out.printf("UDP new connection, %s: CPU %s ns/connection%n",
                nat ? "through masquerade" : "no NAT        ", stats(cpu));
        }
    }

    private static String stats(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return String.format("%.0f (%.0f-%.0f)", s.get(s.size() / 2), s.get(0), s.get(s.size() - 1));
    }
}
