package org.conntrack4j.proto.icmp;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.proto.udp.UdpTracker;

/**
 * Replays a recorded kernel case through an engine with the ICMP, ICMPv6 and UDP trackers, standing in for
 * the project's replay command until it exists: each ingress frame (Ethernet stripped) goes through
 * PRE_ROUTING, then LOCAL_IN when it is for the router (whose answer to an echo request is built here and
 * sent through LOCAL_OUT and POST_ROUTING, as the router's own ICMP stack would), else POST_ROUTING. The
 * clock (HZ 250) follows the capture timestamps; the case's sysctls are applied where a setting exists.
 */
final class CaseReplay {
    /** What the replay saw, in the case files' terms. */
    static final class Result {
        /** Per ingress frame: {@code idx iface state dir reason}, as ctstate.tsv. */
        final List<String[]> rows = new ArrayList<>();
        /** Event lines, normalised as {@link KernelCase#normaliseEvent}. */
        final List<String> events = new ArrayList<>();
        /** Raw event lines with timestamps, for the output files. */
        final List<String> rawEvents = new ArrayList<>();
        /** Table lines, normalised and sorted. */
        final List<String> table = new ArrayList<>();
        final List<String> rawTable = new ArrayList<>();
        /** Packets leaving the router, from the IP header on. */
        final List<byte[]> egress = new ArrayList<>();
    }

    private CaseReplay() {
    }

    static Result run(KernelCase c) {
        Result r = new Result();
        ManualClock clock = new ManualClock(250);
        clock.setWallNanos(c.ingress.get(0).nanos);
        Registry registry = new Registry();
        registry.addTracker(new IcmpTracker(), 1, true, true, registry.localId(), 0, "proto.icmp");
        registry.addTracker(new Icmpv6Tracker(), 58, true, true, registry.localId(), 0, "proto.icmp");
        registry.addTracker(new UdpTracker(), 17, true, true, registry.localId(), 0, "proto.udp");
        Engine net = new Engine(registry, "replay:" + c.name, clock, 1);
        try {
            applySettings(net, c);
            net.addListener(e -> {
                String line = CtFormat.event(e, false);
                r.rawEvents.add(CtFormat.event(e, true));
                r.events.add(KernelCase.normaliseEvent(line));
            }, true);
            List<byte[]> own = new ArrayList<>();
            c.routerAddresses.forEach(a -> own.add(Packets.addr(a)));
            int idx = 0;
            for (PcapNgReader.Frame f : c.ingress) {
                idx++;
                clock.setWallNanos(f.nanos);
                net.expire();
                Packet p = new Packet();
                p.load(f.data, 14, f.data.length - 14, 14);
                if (IpHeaders.validate(p) != null) {
                    r.rows.add(new String[] {Integer.toString(idx), f.iface, "dropped", "none", null});
                    continue;
                }
                p.tstamp = f.nanos;
                net.runHook(Hook.PRE_ROUTING, p);
                r.rows.add(new String[] {Integer.toString(idx), f.iface, CtInfo.stateName(p.ct != null, p.ctinfo),
                    p.ct == null ? "none" : Direction.name(CtInfo.direction(p.ctinfo)), p.logReason});
                if (isLocal(p, own)) {
                    net.runHook(Hook.LOCAL_IN, p);
                    byte[] answer = echoReply(p);
                    if (answer != null) {
                        Packet q = new Packet();
                        q.load(answer, 0, answer.length, 14);
                        IpHeaders.validate(q);
                        q.tstamp = f.nanos;
                        net.runHook(Hook.LOCAL_OUT, q);
                        net.runHook(Hook.POST_ROUTING, q);
                        r.egress.add(q.toBytes());
                    }
                } else {
                    net.runHook(Hook.POST_ROUTING, p);
                    r.egress.add(forwarded(p.toBytes()));
                }
            }
            net.list(null).forEach(s -> {
                String line = CtFormat.listLine(s);
                r.rawTable.add(line);
                r.table.add(KernelCase.normaliseTableLine(line));
            });
            r.table.sort(null);
        } finally {
            net.close();
        }
        return r;
    }

    private static void applySettings(Engine net, KernelCase c) {
        c.sysctls.forEach((name, value) -> {
            if (net.settings().key(name) != null && !CoreSettings.READ_ONLY.contains(name) && value.matches("\\d+")) {
                net.settings().set(name, Long.parseLong(value));
            }
        });
    }

    private static boolean isLocal(Packet p, List<byte[]> own) {
        byte[] d = p.family == Family.IPV4 ? new byte[4] : new byte[16];
        p.copyOut(p.family == Family.IPV4 ? 16 : 24, d, 0, d.length);
        return own.stream().anyMatch(a -> Arrays.equals(a, d));
    }

    /** The router's answer to an echo request for itself (addresses swapped, type changed, TTL 64), or null. */
    static byte[] echoReply(Packet p) {
        boolean v4 = p.family == Family.IPV4;
        int l4 = p.l4off;
        if (l4 < 0 || p.l4proto != (v4 ? Packets.ICMP : Packets.ICMPV6) || p.length() - l4 < 8
            || p.u8(l4) != (v4 ? IcmpTracker.ECHO : Icmpv6Tracker.ECHO_REQUEST)) {
            return null;
        }
        byte[] body = new byte[p.length() - l4];
        p.copyOut(l4, body, 0, body.length);
        body[0] = (byte) (v4 ? IcmpTracker.ECHOREPLY : Icmpv6Tracker.ECHO_REPLY);
        body[2] = 0;
        body[3] = 0;
        byte[] src = new byte[v4 ? 4 : 16];
        byte[] dst = new byte[src.length];
        p.copyOut(v4 ? 12 : 8, src, 0, src.length);
        p.copyOut(v4 ? 16 : 24, dst, 0, dst.length);
        byte[] ip = v4 ? Packets.ipv4(text(dst), text(src), Packets.ICMP, 64, body)
            : Packets.ipv6(text(dst), text(src), Packets.ICMPV6, 64, body);
        if (v4) {
            // Linux copies the TOS, sets no DF and picks an identification (the comparison masks it).
            ip[1] = (byte) p.u8(1);
            ip[4] = 0;
            ip[5] = 0;
            ip[6] = 0;
            Packets.setShort(ip, 10, 0);
            Packets.setShort(ip, 10, ~Packets.sum(ip, 0, 20, 0));
        }
        return ip;
    }

    private static String text(byte[] a) {
        try {
            return InetAddress.getByAddress(a).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A forwarded packet as it leaves: TTL / hop limit one less (IPv4 header checksum updated). */
    static byte[] forwarded(byte[] ip) {
        byte[] out = ip.clone();
        if ((out[0] >>> 4 & 0xf) == 4) {
            out[8]--;
            Packets.setShort(out, 10, 0);
            Packets.setShort(out, 10, ~Packets.sum(out, 0, (out[0] & 0xf) * 4, 0));
        } else {
            out[7]--;
        }
        return out;
    }

    /** Writes the replay in the case formats (ctstate.tsv, events.txt, table.txt, egress.pcap) for compare.py. */
    static void write(Result r, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        StringBuilder tsv = new StringBuilder("idx\tiface\tct_state\tct_dir\tct_log_reason\n");
        for (String[] row : r.rows) {
            tsv.append(row[0]).append('\t').append(row[1]).append('\t').append(row[2]).append('\t').append(row[3])
                .append('\t').append(row[4] == null ? "-" : row[4]).append('\n');
        }
        Files.write(outDir.resolve("ctstate.tsv"), tsv.toString().getBytes(StandardCharsets.UTF_8));
        Files.write(outDir.resolve("events.txt"), lines(r.rawEvents));
        Files.write(outDir.resolve("table.txt"), lines(r.rawTable));
        try (OutputStream o = Files.newOutputStream(outDir.resolve("egress.pcap"))) {
            ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(101);
            o.write(h.array());
            for (byte[] pkt : r.egress) {
                ByteBuffer ph = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                ph.putInt(0).putInt(0).putInt(pkt.length).putInt(pkt.length);
                o.write(ph.array());
                o.write(pkt);
            }
        }
    }

    private static byte[] lines(List<String> l) {
        return (String.join("\n", l) + (l.isEmpty() ? "" : "\n")).getBytes(StandardCharsets.UTF_8);
    }
}
