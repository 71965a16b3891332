package org.conntrack4j.difftest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.conntrack4j.replay.pcap.PcapNgWriter;
import org.conntrack4j.replay.run.CaseSpec;
import org.conntrack4j.replay.run.Replay;
import org.conntrack4j.router.RouterInterface;
import org.conntrack4j.testkit.Packets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flowtable ({@code flow add}) against the slow path, beyond the kernel's recorded cases (the kernel here is
 * built without flowtables): the same generated capture (TCP and UDP flows over IPv4 and IPv6, through masquerade,
 * with accounting on) replayed with and without a flowtable gives the same verdict rows (the fate column says
 * "forwarded by a flowtable" where the slow path says "forwarded"), the same egress bytes, and the same table apart
 * from {@code [OFFLOAD]} and the timeouts; and the flowtable's own rules: a FIN keeps the flow offloaded until it
 * has been idle for the flowtable's timeout, then conntrack gets it back in CLOSE; an idle UDP flow goes back with
 * its stream timeout less the flowtable's; a SYN on a closing flow goes the slow way.
 */
class FlowtableTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final byte[] LAN_ROUTER = RouterInterface.parseMac("02:00:00:00:01:01");
    private static final byte[] WAN_ROUTER = RouterInterface.parseMac("02:00:00:00:02:01");

    private static final String SLOW = String.join("\n",
        "table inet filter {",
        "\tchain forward {",
        "\t\ttype filter hook forward priority filter; policy drop;",
        "\t\tct state established,related accept",
        "\t\tiifname \"lan\" ct state new accept",
        "\t}",
        "\tchain post {",
        "\t\ttype nat hook postrouting priority srcnat; policy accept;",
        "\t\toifname \"wan\" meta nfproto ipv4 masquerade",
        "\t}",
        "}", "");
    private static final String FAST = SLOW
        .replace("\tchain forward {", "\tflowtable ft {\n\t\thook ingress priority filter\n\t\tdevices = { lan, wan }"
            + "\n\t\tcounter\n\t}\n\tchain forward {")
        .replace("policy drop;\n", "policy drop;\n\t\tmeta l4proto { tcp, udp } flow add @ft\n");

    @TempDir
    Path tmp;

    /** One frame of the capture. */
    private record Frame(String iface, long t, byte[] ip) {
    }

    private static byte[] eth(String iface, byte[] ip) {
        byte[] f = new byte[14 + ip.length];
        System.arraycopy(iface.equals("lan") ? LAN_ROUTER : WAN_ROUTER, 0, f, 0, 6);
        f[6] = 2;
        f[11] = 9;
        boolean v6 = (ip[0] & 0xf0) == 0x60;
        f[12] = (byte) (v6 ? 0x86 : 0x08);
        f[13] = (byte) (v6 ? 0xdd : 0x00);
        System.arraycopy(ip, 0, f, 14, ip.length);
        return f;
    }

    private Path capture(String name, List<Frame> frames) throws Exception {
        Path p = tmp.resolve(name + ".pcapng");
        try (PcapNgWriter w = PcapNgWriter.create(p)) {
            for (Frame f : frames) {
                w.write(f.iface, f.t, eth(f.iface, f.ip), null);
            }
        }
        return p;
    }

    private Path replay(String name, Path capture, String ruleset) throws Exception {
        CaseSpec spec = new CaseSpec(name, List.of(
            RouterInterface.of("lan", "02:00:00:00:01:01", "02:00:00:00:01:02", 1500, "198.51.100.1/24",
                "2001:db8:1::1/64"),
            RouterInterface.of("wan", "02:00:00:00:02:01", "02:00:00:00:02:02", 1500, "203.0.113.1/24",
                "2001:db8:2::1/64")),
            Map.of("net.netfilter.nf_conntrack_acct", "1"), ruleset, name + ".nft", capture, "lan");
        Path out = tmp.resolve(name);
        Replay.run(spec, out, Shipped.engines(Shipped.full()), Shipped.rules(), null);
        return out;
    }

    /** TCP flows (handshake, data both ways, no close) and UDP flows, IPv4 and IPv6, interleaved. */
    private static List<Frame> traffic(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<List<Frame>> flows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            boolean v6 = i % 4 == 3;
            String c = v6 ? "2001:db8:1::" + Integer.toHexString(0x10 + i % 8) : "198.51.100." + (10 + i % 8);
            String s = v6 ? "2001:db8:2::" + Integer.toHexString(0x20 + i % 5) : "203.0.113." + (20 + i % 5);
            int sport = 40000 + i;
            int dport = i % 2 == 0 ? 80 : 443;
            // masquerade keeps the port: the server answers the router's wan address (IPv4)
            String m = v6 ? c : "203.0.113.1";
            List<Frame> f = new ArrayList<>();
            if (i % 3 == 2) {
                for (int k = 0; k < 6; k++) {
                    byte[] data = new byte[1 + rnd.nextInt(200)];
                    f.add(k % 2 == 0 ? new Frame("lan", 0, Packets.udp(c, sport, s, 53, data))
                        : new Frame("wan", 0, Packets.udp(s, 53, m, sport, data)));
                }
            } else {
                int cs = rnd.nextInt();
                int ss = rnd.nextInt();
                f.add(new Frame("lan", 0, Packets.tcp(c, sport, s, dport, cs, 0, Packets.SYN, new byte[0])));
                f.add(new Frame("wan", 0, Packets.tcp(s, dport, m, sport, ss, cs + 1, Packets.SYN | Packets.ACK,
                    new byte[0])));
                cs++;
                ss++;
                f.add(new Frame("lan", 0, Packets.tcp(c, sport, s, dport, cs, ss, Packets.ACK, new byte[0])));
                for (int k = 0; k < 8; k++) {
                    byte[] data = new byte[1 + rnd.nextInt(1000)];
                    if (k % 2 == 0) {
                        f.add(new Frame("lan", 0, Packets.tcp(c, sport, s, dport, cs, ss, Packets.ACK | 0x08, data)));
                        cs += data.length;
                    } else {
                        f.add(new Frame("wan", 0, Packets.tcp(s, dport, m, sport, ss, cs, Packets.ACK | 0x08, data)));
                        ss += data.length;
                    }
                }
            }
            flows.add(f);
        }
        // interleave the flows at random, 1 ms apart
        List<Frame> out = new ArrayList<>();
        int[] next = new int[flows.size()];
        long t = T0;
        int left = flows.stream().mapToInt(List::size).sum();
        while (left > 0) {
            int i = rnd.nextInt(flows.size());
            if (next[i] == flows.get(i).size()) {
                continue;
            }
            Frame f = flows.get(i).get(next[i]++);
            out.add(new Frame(f.iface, t, f.ip));
            t += MS;
            left--;
        }
        return out;
    }

    private static List<String> lines(Path p) throws Exception {
        return Files.readAllLines(p);
    }

    /**
     * A table line ({@code conntrack -L -o extended,id}) without its timeout (the fifth word), its id, and the flag
     * conntrack prints in the place of {@code [ASSURED]}: {@code [OFFLOAD]} (an offloaded flow's ASSURED is compared
     * apart).
     */
    private static String withoutOffloadAndTimeout(String line) {
        List<String> w = new ArrayList<>(List.of(line.replace(" [OFFLOAD]", "").replace(" [ASSURED]", "")
            .split(" +")));
        w.remove(4);
        w.removeIf(x -> x.startsWith("id="));
        return String.join(" ", w);
    }

    private static long timeout(String line) {
        return Long.parseLong(line.split(" +")[4]);
    }

    @Test
    void sameVerdictsEgressAndTableAsTheSlowPath() throws Exception {
        Path cap = capture("mixed", traffic(19));
        Path slow = replay("slow", cap, SLOW);
        Path fast = replay("fast", cap, FAST);
        List<String> slowRows = lines(slow.resolve("ctstate.tsv"));
        List<String> fastRows = lines(fast.resolve("ctstate.tsv"));
        long offloaded = fastRows.stream().filter(r -> r.contains("forwarded by a flowtable to")).count();
        // per TCP flow: 8 data segments after the handshake's ACK joined it; per UDP flow: 4 after the reply
        assertEquals(27 * 8 + 13 * 4, offloaded, String.join("\n", fastRows));
        assertEquals(slowRows, fastRows.stream().map(r -> r.replace("forwarded by a flowtable to", "forwarded to"))
            .collect(Collectors.toList()));
        assertArrayEquals(Files.readAllBytes(slow.resolve("egress.pcapng")),
            Files.readAllBytes(fast.resolve("egress.pcapng")));
        List<String> slowTable = lines(slow.resolve("table.txt"));
        List<String> fastTable = lines(fast.resolve("table.txt"));
        assertEquals(40, fastTable.stream().filter(l -> l.contains("[OFFLOAD]")).count(), String.join("\n", fastTable));
        assertEquals(slowTable.stream().map(FlowtableTest::withoutOffloadAndTimeout).sorted()
            .collect(Collectors.toList()), fastTable.stream().map(FlowtableTest::withoutOffloadAndTimeout).sorted()
            .collect(Collectors.toList()));
        // ASSURED the same: the slow path's assured connections are the TCP ones, all offloaded
        assertEquals(27, slowTable.stream().filter(l -> l.contains("[ASSURED]") && l.contains(" tcp ")).count());
        assertFalse(slowTable.stream().anyMatch(l -> l.contains("[OFFLOAD]")));
        // the flowtable keeps the connections a day
        assertTrue(fastTable.stream().filter(l -> l.contains("[OFFLOAD]"))
            .allMatch(l -> timeout(l) > 86_000), String.join("\n", fastTable));
    }

    private static String line(List<String> table, String part) {
        return table.stream().filter(l -> l.contains(part)).findFirst().orElseThrow(
            () -> new AssertionError(part + " not in\n" + String.join("\n", table)));
    }

    @Test
    void closingIdleAndReopenedFlowsGoBackToConntrackAsTheKernelHandsThemBack() throws Exception {
        String c = "198.51.100.10";
        String s = "203.0.113.20";
        String m = "203.0.113.1";
        List<Frame> f = new ArrayList<>();
        long t = T0;
        // TCP 41000 -> 80: handshake, data, then FIN both ways and the last ACK, all through the flowtable
        f.add(new Frame("lan", t, Packets.tcp(c, 41000, s, 80, 100, 0, Packets.SYN, new byte[0])));
        f.add(new Frame("wan", t += MS, Packets.tcp(s, 80, m, 41000, 500, 101, Packets.SYN | Packets.ACK,
            new byte[0])));
        f.add(new Frame("lan", t += MS, Packets.tcp(c, 41000, s, 80, 101, 501, Packets.ACK, new byte[0])));
        f.add(new Frame("lan", t += MS, Packets.tcp(c, 41000, s, 80, 101, 501, Packets.ACK, new byte[10])));
        f.add(new Frame("lan", t += MS, Packets.tcp(c, 41000, s, 80, 111, 501, Packets.ACK | 0x01, new byte[0])));
        f.add(new Frame("wan", t += MS, Packets.tcp(s, 80, m, 41000, 501, 112, Packets.ACK | 0x01, new byte[0])));
        f.add(new Frame("lan", t += MS, Packets.tcp(c, 41000, s, 80, 112, 502, Packets.ACK, new byte[0])));
        // TCP 41001 -> 80: offloaded, closed, then a SYN on the same tuple: the slow path
        f.add(new Frame("lan", t += MS, Packets.tcp(c, 41001, s, 80, 100, 0, Packets.SYN, new byte[0])));
        f.add(new Frame("wan", t += MS, Packets.tcp(s, 80, m, 41001, 500, 101, Packets.SYN | Packets.ACK,
            new byte[0])));
        f.add(new Frame("lan", t += MS, Packets.tcp(c, 41001, s, 80, 101, 501, Packets.ACK, new byte[0])));
        f.add(new Frame("lan", t += MS, Packets.tcp(c, 41001, s, 80, 101, 501, Packets.RST, new byte[0])));
        f.add(new Frame("lan", t += MS, Packets.tcp(c, 41001, s, 80, 9000, 0, Packets.SYN, new byte[0])));
        // UDP 42000 -> 53: offloaded by the reply, then idle
        f.add(new Frame("lan", t += MS, Packets.udp(c, 42000, s, 53, new byte[8])));
        f.add(new Frame("wan", t += MS, Packets.udp(s, 53, m, 42000, new byte[8])));
        f.add(new Frame("lan", t += MS, Packets.udp(c, 42000, s, 53, new byte[8])));
        // something else now and then, so that time (and the flowtable's collector) goes on
        for (int i = 1; i <= 45; i++) {
            f.add(new Frame("lan", t + i * 1000 * MS, Packets.udp(c, 43000 + i, s, 9, new byte[4])));
        }
        Path out = replay("closing", capture("closing", f), FAST);
        List<String> rows = lines(out.resolve("ctstate.tsv"));
        for (int i = 4; i <= 7; i++) {
            assertTrue(rows.get(i).endsWith("forwarded by a flowtable to wan") || rows.get(i).endsWith(
                "forwarded by a flowtable to lan"), "FIN, FIN and the last ACK stay on the fast path: " + rows.get(i));
        }
        assertTrue(rows.get(11).contains("forwarded by a flowtable"), "the RST: " + rows.get(11));
        assertTrue(rows.get(12).endsWith("\tforwarded to wan"), "the SYN after it: the slow path: " + rows.get(12));
        List<String> table = lines(out.resolve("table.txt"));
        // idle 45 s: the flowtable (30 s) handed it back in CLOSE, with CLOSE's 10 s, which have run out since
        assertFalse(table.stream().anyMatch(l -> l.contains("sport=41000")), String.join("\n", table));
        assertFalse(table.stream().anyMatch(l -> l.contains("[OFFLOAD]")), String.join("\n", table));
        String reopened = line(table, "sport=41001");
        assertTrue(reopened.contains(" SYN_SENT "), reopened);
        // UDP: the stream timeout (120 s) less the flowtable's 30 s, from the collection after 30 s idle
        String udp = line(table, "sport=42000");
        long left = timeout(udp);
        assertTrue(left >= 74 && left <= 77, udp);
        // counted by conntrack (the first) and by the flowtable (the third); never ASSURED: no packet after 2 s
        assertTrue(udp.contains("packets=2") && !udp.contains("[ASSURED]"), udp);
    }
}
