package org.conntrack4j.rules.eval;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.HookFunction;

/** A NAT extension that records what the rules ask of it and binds nothing itself. */
class FakeNat implements Nat {
    record ChainReg(int family, int hook, int priority, HookFunction fn, String owner, boolean[] closed) {
    }

    record Call(String kind, NatRange range, int manip, String origin, Connection ct) {
    }

    final List<ChainReg> chains = new ArrayList<>();
    final List<Call> calls = new ArrayList<>();
    final Map<Connection, String[]> origins = new IdentityHashMap<>();
    int verdict = Verdict.ACCEPT;

    @Override
    public Registration registerChain(int family, int hook, int priority, HookFunction chain, String owner) {
        boolean[] closed = {false};
        chains.add(new ChainReg(family, hook, priority, chain, owner, closed));
        return () -> closed[0] = true;
    }

    /** Runs the registered chains of {@code hook} in priority order, as NAT does for a new connection. */
    int runChains(int hook, Packet p) {
        List<ChainReg> list = new ArrayList<>();
        for (ChainReg c : chains) {
            if (c.hook == hook && !c.closed[0]) {
                list.add(c);
            }
        }
        list.sort((a, b) -> Integer.compare(a.priority, b.priority));
        for (ChainReg c : list) {
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
        for (ChainReg c : chains) {
            if (!c.closed[0]) {
                out.add(c.owner);
            }
        }
        return out;
    }

    @Override
    public boolean mangleTcpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen,
        byte[] rep, int repOff, int repLen) {
        return false;
    }

    @Override
    public boolean mangleUdpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen,
        byte[] rep, int repOff, int repLen) {
        return false;
    }

    @Override
    public void followMaster(Connection ct, Expectation exp) {
    }

    @Override
    public int expectWithFreePort(ExpectationRequest exp, int port) {
        return 0;
    }
}
