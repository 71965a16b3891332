package org.conntrack4j.proto.icmp;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.Capture;
import org.conntrack4j.testkit.EventLog;
import org.conntrack4j.testkit.KernelCase;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;

/**
 * Replays a recorded kernel case through the kit's rig with the ICMP, ICMPv6 and UDP trackers: each ingress frame
 * (Ethernet stripped) goes through PRE_ROUTING, then LOCAL_IN when it is for the router (whose answer to an echo
 * request is built here and sent through LOCAL_OUT and POST_ROUTING, as the router's own ICMP stack would), else
 * POST_ROUTING. The clock (HZ 250) follows the capture timestamps; the case's sysctls are applied where a setting
 * exists.
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
        Plugins plugins = new Plugins();
        plugins.addTracker(new IcmpTracker(), IpProto.ICMP);
        plugins.addTracker(new Icmpv6Tracker(), IpProto.ICMPV6);
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        List<Capture.Frame> ingress = c.ingress();
        try (Rig rig = new Rig(plugins, "replay:" + c.name(), EventLog.AS_PRINTED)) {
            rig.clock().setWallNanos(ingress.get(0).nanos());
            c.sysctls().forEach((name, value) -> {
                if (rig.net().settings().key(name) != null && !CoreSettings.READ_ONLY.contains(name)
                    && value.matches("\\d+")) {
                    rig.set(name, Long.parseLong(value));
                }
            });
            List<byte[]> own = c.routerAddresses().stream().map(Packets::addr).toList();
            int idx = 0;
            for (Capture.Frame f : ingress) {
                idx++;
                rig.clock().setWallNanos(f.nanos());
                rig.expire();
                Packet p = new Packet();
                p.load(f.data(), 14, f.data().length - 14, 14);
                if (IpHeaders.validate(p) != null) {
                    r.rows.add(new String[] {Integer.toString(idx), f.iface(), "dropped", "none", null});
                    continue;
                }
                p.tstamp = f.nanos();
                boolean local = isLocal(p, own);
                Rig.Result v = rig.pass(p, Hook.PRE_ROUTING, local ? Hook.LOCAL_IN : Hook.POST_ROUTING);
                r.rows.add(new String[] {Integer.toString(idx), f.iface(), v.state, v.dir, v.logReason});
                if (!local) {
                    r.egress.add(forwarded(p.toBytes()));
                    continue;
                }
                byte[] answer = echoReply(p);
                if (answer != null) {
                    Packet q = Packets.packet(answer);
                    q.tstamp = f.nanos();
                    rig.pass(q, Hook.LOCAL_OUT, Hook.POST_ROUTING);
                    r.egress.add(q.toBytes());
                }
            }
            for (String line : rig.events().lines()) {
                r.events.add(KernelCase.normaliseEvent(line));
            }
            rig.events().raw().forEach(e -> r.rawEvents.add(CtFormat.event(e, true)));
            rig.net().table().list(null).forEach(s -> {
                String line = CtFormat.listLine(s);
                r.rawTable.add(line);
                r.table.add(KernelCase.normaliseTableLine(line));
            });
            r.table.sort(null);
        }
        return r;
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
        if (l4 < 0 || p.l4proto != (v4 ? IpProto.ICMP : IpProto.ICMPV6) || p.length() - l4 < 8
            || p.u8(l4) != (v4 ? IcmpTracker.ECHO : Icmpv6Tracker.ECHO_REQUEST)) {
            return null;
        }
        byte[] body = new byte[p.length() - l4];
        p.copyOut(l4, body, 0, body.length);
        body[0] = (byte) (v4 ? IcmpTracker.ECHOREPLY : Icmpv6Tracker.ECHO_REPLY);
        int off = v4 ? 12 : 8;
        int n = v4 ? 4 : 16;
        String src = Addr.toText(p.family, v4 ? 0 : p.u64(off), v4 ? p.u32(off) & 0xffffffffL : p.u64(off + 8));
        String dst = Addr.toText(p.family, v4 ? 0 : p.u64(off + n), v4 ? p.u32(off + n) & 0xffffffffL
            : p.u64(off + n + 8));
        // Linux copies the TOS, sets no DF and picks an identification (the comparison masks it).
        Packets.Ip ip = Packets.ip(dst, src).payload(v4 ? IpProto.ICMP : IpProto.ICMPV6, body);
        return (v4 ? ip.tos(p.u8(1)) : ip).build();
    }

    /** A forwarded packet as it leaves: TTL / hop limit one less (IPv4 header checksum updated). */
    static byte[] forwarded(byte[] ip) {
        byte[] out = ip.clone();
        if (Packets.isV6(out)) {
            out[7]--;
            return out;
        }
        out[8]--;
        Packet p = new Packet(out.length + 16).load(out, 0, out.length, 0);
        p.put16(10, Checksum.ipv4Header(p));
        return p.toBytes();
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
