package org.conntrack4j.testkit;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.PluginServices;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.HookFunction;

/**
 * A stand-in for the NAT bundle, for tests of what calls NAT (a rules evaluator, a helper) without it. Give it to
 * an engine with {@link #provideTo}; it is then what {@code net.services().extension(Nat.class)} returns.
 *
 * <ul>
 * <li>Rules' side: {@link #registerChain} records the chains ({@link #runChains} runs them); {@link #setup},
 * {@link #masquerade} and {@link #redirect} record the call ({@link #calls}) and the binding's origin, bind nothing,
 * and return {@link #verdict}.</li>
 * <li>Helpers' side: {@link #mangleTcpPacket} and {@link #mangleUdpPacket} really rewrite the payload (lengths,
 * checksums, and for TCP the sequence adjustment through the engine), unless {@link #refuseMangle};
 * {@link #expectWithFreePort} inserts the expectation at the wanted port or the next free one (the real NAT picks
 * at random), unless {@link #noFreePort}; {@link #followMaster} is recorded.</li>
 * <li>{@link #masqueradeFrom}: a POST_ROUTING hook that binds new connections from a prefix to the router's address
 * (the reply tuple only; packets are not rewritten), for helper tests that send packets as the router sees them.</li>
 * </ul>
 */
public class FakeNat implements Nat {
    /** A chain registered through {@link #registerChain}; {@code closed} once its registration is. */
    public record Chain(int family, int hook, int priority, HookFunction fn, String owner, boolean[] closed) {
    }

    /** A NAT statement's call: {@code snat}, {@code dnat}, {@code masquerade}, {@code redirect}. */
    public record Call(String kind, NatRange range, int manip, String origin, Connection ct) {
    }

    public final List<Chain> chains = new ArrayList<>();
    public final List<Call> calls = new ArrayList<>();
    /** Expectations handed to {@link #expectWithFreePort}, as handed. */
    public final List<ExpectationRequest> inserted = new ArrayList<>();
    /** Expectations handed to {@link #followMaster}. */
    public final List<Expectation> followed = new ArrayList<>();
    private final Map<Connection, String[]> origins = new IdentityHashMap<>();
    /** What {@link #setup}, {@link #masquerade} and {@link #redirect} return. */
    public int verdict = Verdict.ACCEPT;
    public boolean refuseMangle;
    public boolean noFreePort;
    private Conntrack net;

    /** Makes this the engine's NAT ({@code net.services().extension(Nat.class)}); the engine is the one mangling adjusts. */
    public Registration provideTo(Conntrack engine) {
        this.net = engine;
        return engine.services().provideExtension(Nat.class, this);
    }

    /**
     * A POST_ROUTING hook at NAT's priority binding every new connection from {@code prefix} (IPv4 or IPv6, as
     * {@code 198.51.100.0/24}) to {@code router}: the reply tuple's destination becomes the router, SRC_NAT is set.
     */
    public Registration masqueradeFrom(Conntrack engine, String prefix, String router) {
        String[] p = prefix.split("/");
        int len = Integer.parseInt(p[1]);
        byte[] net = Packets.addr(p[0]);
        byte[] to = Packets.addr(router);
        HookFunction bind = pkt -> {
            Connection ct = pkt.ct;
            if (ct == null || ct.isConfirmed() || ct.hasStatus(Status.NAT_DONE_MASK | Status.EXPECTED)
                || (ct.family() == Family.IPV6) != (net.length == 16)) {
                return Verdict.ACCEPT;
            }
            Tuple reply = ct.tuple(Direction.REPLY, new Tuple());
            if (!covers(net, len, reply.dstHi, reply.dstLo)) {
                return Verdict.ACCEPT;
            }
            long[] a = words(to);
            reply.dstHi = a[0];
            reply.dstLo = a[1];
            engine.services().alterReply(ct, reply);
            ct.setStatus(Status.SRC_NAT | Status.SRC_NAT_DONE | Status.DST_NAT_DONE);
            return Verdict.ACCEPT;
        };
        return engine.packets().registerHook(Family.INET, Hook.POST_ROUTING, 100, bind, "fake masquerade");
    }

    private static long[] words(byte[] a) {
        if (a.length == 4) {
            return new long[] {0, Integer.toUnsignedLong(Packets.u32(a, 0))};
        }
        return new long[] {(long) Packets.u32(a, 0) << 32 | Integer.toUnsignedLong(Packets.u32(a, 4)),
            (long) Packets.u32(a, 8) << 32 | Integer.toUnsignedLong(Packets.u32(a, 12))};
    }

    private static boolean covers(byte[] prefix, int len, long hi, long lo) {
        long[] n = words(prefix);
        if (prefix.length == 4) {
            long mask = len == 0 ? 0 : (0xffffffffL << (32 - len)) & 0xffffffffL;
            return (lo & mask) == (n[1] & mask);
        }
        long mhi = len == 0 ? 0 : len >= 64 ? -1L : -1L << (64 - len);
        long mlo = len <= 64 ? 0 : len == 128 ? -1L : -1L << (128 - len);
        return (hi & mhi) == (n[0] & mhi) && (lo & mlo) == (n[1] & mlo);
    }

    // ---- rules' side -------------------------------------------------------------------------------------------

    @Override
    public Registration registerChain(int family, int hook, int priority, HookFunction chain, String owner) {
        boolean[] closed = {false};
        chains.add(new Chain(family, hook, priority, chain, owner, closed));
        return () -> closed[0] = true;
    }

    /** Runs the open chains of {@code hook} in priority order, as NAT does for a new connection. */
    public int runChains(int hook, Packet p) {
        List<Chain> list = new ArrayList<>();
        for (Chain c : chains) {
            if (c.hook == hook && !c.closed[0]) {
                list.add(c);
            }
        }
        list.sort((a, b) -> Integer.compare(a.priority, b.priority));
        for (Chain c : list) {
            int v = c.fn.hook(p);
            if (v != Verdict.ACCEPT) {
                return v;
            }
        }
        return Verdict.ACCEPT;
    }

    private int record(String kind, Packet pkt, NatRange range, int manip, String origin) {
        calls.add(new Call(kind, range, manip, origin, pkt.ct));
        if (pkt.ct != null) {
            origins.computeIfAbsent(pkt.ct, c -> new String[2])[manip] = origin;
        }
        return verdict;
    }

    @Override
    public int setup(Packet pkt, Connection ct, NatRange range, int manip, String origin) {
        return record(manip == NatManip.SRC ? "snat" : "dnat", pkt, range, manip, origin);
    }

    @Override
    public int masquerade(Packet pkt, NatRange range, String origin) {
        return record("masquerade", pkt, range, NatManip.SRC, origin);
    }

    @Override
    public int redirect(Packet pkt, NatRange range, String origin) {
        return record("redirect", pkt, range, NatManip.DST, origin);
    }

    @Override
    public boolean hasBinding(Connection ct, int manip) {
        String[] o = origins.get(ct);
        return o != null && o[manip] != null;
    }

    @Override
    public String origin(Connection ct, int manip) {
        String[] o = origins.get(ct);
        return o == null ? null : o[manip];
    }

    @Override
    public List<Connection> boundConnections() {
        return new ArrayList<>(origins.keySet());
    }

    @Override
    public List<String> describeChains() {
        List<String> out = new ArrayList<>();
        for (Chain c : chains) {
            if (!c.closed[0]) {
                out.add(c.owner);
            }
        }
        return out;
    }

    // ---- helpers' side -----------------------------------------------------------------------------------------

    @Override
    public boolean mangleTcpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen,
        byte[] rep, int repOff, int repLen) {
        return mangleTcpPacket(pkt, ct, ctinfo, protoff, matchOff, matchLen, rep, repOff, repLen, true);
    }

    @Override
    public boolean mangleTcpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen,
        byte[] rep, int repOff, int repLen, boolean adjust) {
        int dataoff = protoff + ((pkt.u8(protoff + 12) >>> 4) << 2);
        if (!mangle(pkt, ct, protoff, dataoff + matchOff, matchLen, rep, repOff, repLen, IpProto.TCP, 16)) {
            return false;
        }
        if (adjust) {
            seqAdjust(pkt, ct, ctinfo, protoff, repLen - matchLen);
        }
        return true;
    }

    @Override
    public void seqAdjust(Packet pkt, Connection ct, int ctinfo, int protoff, int off) {
        if (off != 0) {
            net.services().seqAdjSet(ct, ctinfo, pkt.u32(protoff + 4), off);
        }
    }

    @Override
    public boolean mangleUdpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen,
        byte[] rep, int repOff, int repLen) {
        if (!mangle(pkt, ct, protoff, protoff + 8 + matchOff, matchLen, rep, repOff, repLen, IpProto.UDP, 6)) {
            return false;
        }
        pkt.put16(protoff + 4, pkt.length() - protoff);
        int c = Checksum.computeL4(pkt, protoff, IpProto.UDP, protoff + 6);
        pkt.put16(protoff + 6, c == 0 ? 0xffff : c);
        return true;
    }

    private boolean mangle(Packet pkt, Connection ct, int protoff, int pos, int matchLen, byte[] rep, int repOff,
        int repLen, int proto, int checkOff) {
        if (refuseMangle || pos + matchLen > pkt.length() || !pkt.resize(pos, matchLen, repLen)) {
            return false;
        }
        pkt.copyIn(pos, rep, repOff, repLen);
        if (ct.family() == Family.IPV4) {
            pkt.put16(2, pkt.length());
            pkt.put16(10, 0);
            pkt.put16(10, Checksum.ipv4Header(pkt));
        } else {
            pkt.put16(4, pkt.length() - 40);
        }
        pkt.put16(protoff + checkOff, Checksum.computeL4(pkt, protoff, proto, protoff + checkOff));
        return true;
    }

    @Override
    public void followMaster(Connection ct, Expectation exp) {
        followed.add(exp);
    }

    @Override
    public int expectWithFreePort(ExpectationRequest exp, int port) {
        inserted.add(exp);
        if (noFreePort || net == null) {
            return 0;
        }
        int p = port;
        for (int tries = 0; tries < 128; tries++) {
            exp.dstPort(p);
            int r = net.services().expectRelated(exp);
            if (r == 0) {
                return p;
            }
            if (r != PluginServices.EXPECT_CLASH) {
                return 0;
            }
            p = (p + 1) & 0xffff;
        }
        return 0;
    }

    /** The address of a literal as the core keeps it ({@code hi}, {@code lo}). */
    public static long[] address(String literal) {
        return Packets.isV6(literal) ? Addr.parseV6(literal) : new long[] {0, Integer.toUnsignedLong(Addr.parseV4(literal))};
    }
}
