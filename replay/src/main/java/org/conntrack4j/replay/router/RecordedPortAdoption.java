package org.conntrack4j.replay.router;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Checksum;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;

/**
 * Replaying a recording in which the recording kernel picked a NAT port at random (a clash): the recorded
 * replies go to the kernel's port, ours differs, so they would belong to no connection. Before conntrack (priority -250), a
 * TCP or UDP packet to one of the router's addresses that belongs to no connection, while exactly one source-NATed
 * connection towards that peer picked a port of its own and has seen no reply yet, is taken as that
 * connection's reply: its destination port is renamed to ours (checksum updated), and so is every later packet
 * of that flow, and the quote of an ICMP error about it. This is the inverse of compare.py's renaming of the
 * kernel's outputs.
 *
 * <p>Only packets to the router's own addresses that no connection claims are looked at, so a replay without
 * such clashes is unaffected. Single-threaded, as a replay is.
 */
public final class RecordedPortAdoption {
    private final Conntrack net;
    /** "proto src sport dst kernelPort" to our port. */
    private final Map<String, Integer> adopted = new HashMap<>();
    private final Tuple t = new Tuple();

    private RecordedPortAdoption(Conntrack net) {
        this.net = net;
    }

    /** Registers the adoption before conntrack (priority -250) on {@code net}. */
    public static Registration install(Conntrack net) {
        RecordedPortAdoption a = new RecordedPortAdoption(net);
        return net.registerHook(Family.INET, Hook.PRE_ROUTING, -250, a::hook, "recorded NAT port adoption (replay)");
    }

    private int hook(Packet p) {
        boolean v4 = p.family == Family.IPV4;
        int proto;
        int l4;
        if (v4) {
            if ((p.u16(6) & 0x1fff) != 0) {
                return Verdict.ACCEPT;
            }
            proto = p.u8(9);
            l4 = (p.u8(0) & 0x0f) << 2;
        } else {
            proto = p.u8(6);
            l4 = 40;
        }
        if ((proto == IpProto.ICMP || proto == IpProto.ICMPV6) && p.length() >= l4 + 8) {
            renameQuote(p, l4, v4);
            return Verdict.ACCEPT;
        }
        if (proto != IpProto.TCP && proto != IpProto.UDP || p.length() < l4 + 8) {
            return Verdict.ACCEPT;
        }
        t.clear();
        t.family = p.family;
        t.proto = proto;
        if (v4) {
            t.srcLo = p.u32(12) & 0xffffffffL;
            t.dstLo = p.u32(16) & 0xffffffffL;
        } else {
            t.srcHi = p.u64(8);
            t.srcLo = p.u64(16);
            t.dstHi = p.u64(24);
            t.dstLo = p.u64(32);
        }
        t.srcPort = p.u16(l4);
        t.dstPort = p.u16(l4 + 2);
        if (!ownAddress(t)) {
            return Verdict.ACCEPT;
        }
        String key = proto + " " + t.srcText() + " " + t.srcPort + " " + t.dstText() + " " + t.dstPort;
        Integer ours = adopted.get(key);
        if (ours == null) {
            if (net.find(t) != null) {
                return Verdict.ACCEPT;
            }
            List<Connection> c = net.connections(x -> x.protocol() == proto && x.family() == t.family
                && x.hasStatus(Status.SRC_NAT) && !x.hasStatus(Status.SEEN_REPLY)
                && x.srcHi(Direction.REPLY) == t.srcHi && x.srcLo(Direction.REPLY) == t.srcLo
                && x.srcPort(Direction.REPLY) == t.srcPort && x.dstHi(Direction.REPLY) == t.dstHi
                && x.dstLo(Direction.REPLY) == t.dstLo
                && x.dstPort(Direction.REPLY) != x.srcPort(Direction.ORIGINAL)
                && !adopted.containsValue(x.dstPort(Direction.REPLY)));
            if (c.size() != 1) {
                return Verdict.ACCEPT;
            }
            ours = c.get(0).dstPort(Direction.REPLY);
            adopted.put(key, ours);
        }
        int checkOff = l4 + (proto == IpProto.TCP ? 16 : 6);
        int check = p.u16(checkOff);
        if (proto == IpProto.TCP || check != 0) {
            int c = Checksum.replace16(check, t.dstPort, ours);
            p.put16(checkOff, proto == IpProto.UDP && c == 0 ? 0xffff : c);
        }
        p.put16(l4 + 2, ours);
        return Verdict.ACCEPT;
    }

    /**
     * An ICMP error quoting a packet the router sent from an adopted kernel port: the quote's source port becomes
     * ours (quoted L4 checksum and ICMP checksum updated incrementally).
     */
    private void renameQuote(Packet p, int l4, boolean v4) {
        int type = p.u8(l4);
        boolean error = v4 ? type == 3 || type == 4 || type == 5 || type == 11 || type == 12 : type < 128;
        int q = l4 + 8;
        if (!error || p.length() < q + (v4 ? 20 : 40) + 8) {
            return;
        }
        int proto = v4 ? p.u8(q + 9) : p.u8(q + 6);
        int ql4 = q + (v4 ? (p.u8(q) & 0x0f) << 2 : 40);
        if (proto != IpProto.TCP && proto != IpProto.UDP || p.length() < ql4 + 8) {
            return;
        }
        Tuple r = new Tuple();
        r.family = p.family;
        if (v4) {
            r.srcLo = p.u32(q + 16) & 0xffffffffL;
            r.dstLo = p.u32(q + 12) & 0xffffffffL;
        } else {
            r.srcHi = p.u64(q + 24);
            r.srcLo = p.u64(q + 32);
            r.dstHi = p.u64(q + 8);
            r.dstLo = p.u64(q + 16);
        }
        int kernelPort = p.u16(ql4);
        String key = proto + " " + r.srcText() + " " + p.u16(ql4 + 2) + " " + r.dstText() + " " + kernelPort;
        Integer ours = adopted.get(key);
        if (ours == null) {
            return;
        }
        int icmpCheck = p.u16(l4 + 2);
        int checkOff = ql4 + (proto == IpProto.TCP ? 16 : 6);
        if (p.length() >= checkOff + 2 && (proto == IpProto.TCP || p.u16(checkOff) != 0)) {
            int old = p.u16(checkOff);
            int c = Checksum.replace16(old, kernelPort, ours);
            c = proto == IpProto.UDP && c == 0 ? 0xffff : c;
            p.put16(checkOff, c);
            icmpCheck = Checksum.replace16(icmpCheck, old, c);
        }
        p.put16(ql4, ours);
        p.put16(l4 + 2, Checksum.replace16(icmpCheck, kernelPort, ours));
    }

    private boolean ownAddress(Tuple tu) {
        for (NetDevice d : net.devices()) {
            if (d.owns(tu.family, tu.dstHi, tu.dstLo)) {
                return true;
            }
        }
        return false;
    }
}
