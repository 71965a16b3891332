package org.conntrack4j.replay.run;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import org.conntrack4j.core.inet.Checksum;

/**
 * Replaying a recording in which the recording kernel picked a NAT port (or ICMP echo id) at random: the
 * recorded replies go to the kernel's port, ours differs, so they would belong to no connection. Before conntrack
 * (priority -250), a TCP, UDP or SCTP packet, or an ICMP echo reply, to one of the router's addresses that belongs to
 * no connection, while exactly one source-NATed connection towards that peer picked a port (id) of its own and
 * has seen no reply yet, is taken as that connection's reply: its destination port (id) is renamed to ours
 * (checksum updated; SCTP's CRC32c recomputed when it was right, so that a wrong one stays wrong), and so is every
 * later packet of that flow. An ICMP error quoting a packet the router sent
 * from the kernel's port is adopted the same way, whether or not the flow had a reply before, and its quote is
 * renamed. This is the inverse of compare.py's renaming of the kernel's outputs.
 *
 * <p>Only packets that no connection claims, to the router's own addresses or to a source-NAT address that some
 * connection took a port (id) of its own on (seen after source NAT, priority {@value #SEEN_PRIORITY}), are looked
 * at, so a replay without such clashes is unaffected. Single-threaded, as a replay is.
 */
public final class RecordedPortAdoption {
    private final Conntrack net;
    /** "proto peer peerPort own kernelPort" (ICMP: peerPort 0, the id as kernelPort) to our port or id. */
    private final Map<String, Integer> adopted = new HashMap<>();
    /**
     * The flows adopted so far, as "proto peer peerPort own ourPort": a flow is adopted once. Our port alone does
     * not name a flow: the engine may give two flows towards different peer ports the same one.
     */
    private final Set<String> adoptedFlows = new HashSet<>();
    private final Tuple t = new Tuple();
    /**
     * Source-NAT addresses (high, low pairs) other than the router's own on which a connection was given a port
     * (id) other than its original one: replies to them may need adopting too. A handful at most.
     */
    private long[] natAddresses = new long[0];

    /** After source NAT (100) and everything else at POST_ROUTING. */
    static final int SEEN_PRIORITY = 1000;

    /** The router's interfaces: their addresses are the router's own. */
    private final List<NetDevice> devices;

    private RecordedPortAdoption(Conntrack net, List<NetDevice> devices) {
        this.net = net;
        this.devices = List.copyOf(devices);
    }

    /** Registers the adoption before conntrack (priority -250) on {@code net}, for a router with {@code devices}. */
    public static Registration install(Conntrack net, List<NetDevice> devices) {
        RecordedPortAdoption a = new RecordedPortAdoption(net, devices);
        Registration in = net.packets().registerHook(Family.INET, Hook.PRE_ROUTING, -250, a::hook,
            "recorded NAT port adoption (replay)");
        Registration out = net.packets().registerHook(Family.INET, Hook.POST_ROUTING, SEEN_PRIORITY, a::seen,
            "recorded NAT port adoption: source-NAT addresses (replay)");
        return () -> {
            out.close();
            in.close();
        };
    }

    /** Notes the address of a source-NATed connection whose reply comes back to a port (id) it picked itself. */
    private int seen(Packet p) {
        Connection c = p.ct;
        if (c == null || !c.hasStatus(Status.SRC_NAT) || c.hasStatus(Status.SEEN_REPLY)) {
            return Verdict.ACCEPT;
        }
        boolean icmp = c.protocol() == IpProto.ICMP || c.protocol() == IpProto.ICMPV6;
        int picked = icmp ? c.srcPort(Direction.REPLY) : c.dstPort(Direction.REPLY);
        if (picked == c.srcPort(Direction.ORIGINAL)) {
            return Verdict.ACCEPT;
        }
        long hi = c.dstHi(Direction.REPLY);
        long lo = c.dstLo(Direction.REPLY);
        if (isNatAddress(hi, lo)) {
            return Verdict.ACCEPT;
        }
        long[] grown = Arrays.copyOf(natAddresses, natAddresses.length + 2);
        grown[natAddresses.length] = hi;
        grown[natAddresses.length + 1] = lo;
        natAddresses = grown;
        return Verdict.ACCEPT;
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
        if (p.length() < l4 + 8) {
            return Verdict.ACCEPT;
        }
        boolean icmp = proto == IpProto.ICMP || proto == IpProto.ICMPV6;
        if (icmp) {
            int type = p.u8(l4);
            if (type != (v4 ? 0 : 129)) {
                renameQuote(p, l4, v4);
                return Verdict.ACCEPT;
            }
        } else if (!hasPorts(proto)) {
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
        // the tuple conntrack looks up: ports, or for an echo reply its id and type/code
        int kernelPort = icmp ? p.u16(l4 + 4) : p.u16(l4 + 2);
        t.srcPort = icmp ? kernelPort : p.u16(l4);
        t.dstPort = icmp ? p.u16(l4) : kernelPort;
        if (!adoptableDestination(t)) {
            return Verdict.ACCEPT;
        }
        int peerPort = icmp ? 0 : t.srcPort;
        String key = key(proto, t.srcText(), peerPort, t.dstText(), kernelPort);
        Integer ours = adopted.get(key);
        if (ours == null) {
            if (net.services().find(t, 0) != null) {
                return Verdict.ACCEPT;
            }
            ours = adopt(key, t.family, proto, t.srcHi, t.srcLo, t.srcText(), peerPort, t.dstHi, t.dstLo, t.dstText());
            if (ours == null) {
                return Verdict.ACCEPT;
            }
        }
        if (icmp) {
            p.put16(l4 + 2, Checksum.replace16(p.u16(l4 + 2), kernelPort, ours));
            p.put16(l4 + 4, ours);
            return Verdict.ACCEPT;
        }
        if (proto == IpProto.SCTP) {
            sctpPort(p, l4, l4 + 2, ours);
            return Verdict.ACCEPT;
        }
        int checkOff = l4 + (proto == IpProto.TCP ? 16 : 6);
        int check = p.u16(checkOff);
        if (proto == IpProto.TCP || check != 0) {
            int c = Checksum.replace16(check, kernelPort, ours);
            p.put16(checkOff, proto == IpProto.UDP && c == 0 ? 0xffff : c);
        }
        p.put16(l4 + 2, ours);
        return Verdict.ACCEPT;
    }

    private static boolean hasPorts(int proto) {
        return proto == IpProto.TCP || proto == IpProto.UDP || proto == IpProto.SCTP;
    }

    /**
     * Renames the SCTP port at {@code portOff} of the SCTP header at {@code l4}; the CRC32c (when the header holds
     * it) is recomputed only if it verified before, so that a packet the kernel found corrupt stays corrupt.
     */
    private static void sctpPort(Packet p, int l4, int portOff, int port) {
        boolean valid = p.length() >= l4 + 12 && Checksum.sctpValid(p, l4);
        p.put16(portOff, port);
        if (valid) {
            p.put32(l4 + 8, Checksum.sctp(p, l4));
        }
    }

    private static String key(int proto, String peer, int peerPort, String own, int kernelPort) {
        return proto + " " + peer + " " + peerPort + " " + own + " " + kernelPort;
    }

    /**
     * The port (id) of the one source-NATed, unreplied connection of {@code proto} whose reply comes from the peer
     * (and its port) to our address on a port it picked itself, not adopted yet; remembered under {@code key}. Null
     * when there is none or more than one.
     */
    private Integer adopt(String key, int family, int proto, long peerHi, long peerLo, String peer, int peerPort,
        long ownHi, long ownLo, String own) {
        boolean icmp = proto == IpProto.ICMP || proto == IpProto.ICMPV6;
        List<Connection> c = net.table().connections(x -> x.protocol() == proto && x.family() == family
            && x.hasStatus(Status.SRC_NAT) && !x.hasStatus(Status.SEEN_REPLY)
            && x.srcHi(Direction.REPLY) == peerHi && x.srcLo(Direction.REPLY) == peerLo
            && x.dstHi(Direction.REPLY) == ownHi && x.dstLo(Direction.REPLY) == ownLo
            && (icmp ? x.srcPort(Direction.REPLY) != x.srcPort(Direction.ORIGINAL)
                && !adoptedFlows.contains(key(proto, peer, 0, own, x.srcPort(Direction.REPLY)))
                : x.srcPort(Direction.REPLY) == peerPort && x.dstPort(Direction.REPLY) != x.srcPort(Direction.ORIGINAL)
                && !adoptedFlows.contains(key(proto, peer, peerPort, own, x.dstPort(Direction.REPLY)))));
        if (c.size() != 1) {
            return null;
        }
        int ours = icmp ? c.get(0).srcPort(Direction.REPLY) : c.get(0).dstPort(Direction.REPLY);
        adopted.put(key, ours);
        adoptedFlows.add(key(proto, peer, icmp ? 0 : peerPort, own, ours));
        return ours;
    }

    /**
     * An ICMP error quoting a packet the router sent from a kernel port (or echo id) of its own: the quote's source
     * port (id) becomes ours (quoted L4 checksum and ICMP checksum updated incrementally).
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
        boolean icmp = proto == IpProto.ICMP || proto == IpProto.ICMPV6;
        if (icmp ? p.u8(ql4) != (v4 ? 8 : 128) : !hasPorts(proto)) {
            return;
        }
        if (p.length() < ql4 + 8) {
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
        // the quote left the router: its source is ours and carries the kernel's port (the echo id)
        int portOff = icmp ? ql4 + 4 : ql4;
        int kernelPort = p.u16(portOff);
        int peerPort = icmp ? 0 : p.u16(ql4 + 2);
        String key = key(proto, r.srcText(), peerPort, r.dstText(), kernelPort);
        Integer ours = adopted.get(key);
        if (ours == null) {
            if (!adoptableDestination(r)) {
                return;
            }
            // a quote of a flow this engine knows under the quoted port needs no renaming
            r.proto = proto;
            r.srcPort = icmp ? kernelPort : peerPort;
            r.dstPort = icmp ? (v4 ? 0 : 129 << 8) : kernelPort;
            if (net.services().find(r, 0) != null) {
                return;
            }
            ours = adopt(key, r.family, proto, r.srcHi, r.srcLo, r.srcText(), peerPort, r.dstHi, r.dstLo, r.dstText());
            if (ours == null) {
                return;
            }
        }
        int icmpCheck = p.u16(l4 + 2);
        if (proto == IpProto.SCTP) {
            // the quoted CRC covers the quoted packet: right only when the whole packet is quoted
            boolean crc = p.length() >= ql4 + 12;
            int oldCrc = crc ? p.u32(ql4 + 8) : 0;
            sctpPort(p, ql4, portOff, ours);
            if (crc) {
                icmpCheck = Checksum.replace32(icmpCheck, oldCrc, p.u32(ql4 + 8));
            }
            p.put16(l4 + 2, Checksum.replace16(icmpCheck, kernelPort, ours));
            return;
        }
        int checkOff = icmp ? ql4 + 2 : ql4 + (proto == IpProto.TCP ? 16 : 6);
        if (p.length() >= checkOff + 2 && (proto != IpProto.UDP || p.u16(checkOff) != 0)) {
            int old = p.u16(checkOff);
            int c = Checksum.replace16(old, kernelPort, ours);
            c = proto == IpProto.UDP && c == 0 ? 0xffff : c;
            p.put16(checkOff, c);
            icmpCheck = Checksum.replace16(icmpCheck, old, c);
        }
        p.put16(portOff, ours);
        p.put16(l4 + 2, Checksum.replace16(icmpCheck, kernelPort, ours));
    }

    private boolean isNatAddress(long hi, long lo) {
        for (int i = 0; i < natAddresses.length; i += 2) {
            if (natAddresses[i] == hi && natAddresses[i + 1] == lo) {
                return true;
            }
        }
        return false;
    }

    /** The router's own address or a source-NAT address noted by {@link #seen}. */
    private boolean adoptableDestination(Tuple tu) {
        if (isNatAddress(tu.dstHi, tu.dstLo)) {
            return true;
        }
        for (NetDevice d : devices) {
            if (d.owns(tu.family, tu.dstHi, tu.dstLo)) {
                return true;
            }
        }
        return false;
    }
}
