package org.conntrack4j.helper.ftp;

import java.util.ArrayList;
import java.util.List;
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
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.HookFunction;

/**
 * A stand-in for the NAT bundle with what the FTP helper uses, so that the helper's NAT path is tested
 * without it: connections from {@code 198.51.100.0/24} or {@code 2001:db8:1::/64} are bound to the router's
 * address (the reply tuple only: the tests send packets as the router receives them); payloads are rewritten
 * with lengths, checksums and sequence adjustment; expectations take the next free port on a clash (the real
 * NAT picks a random one). Switches make the rewrite or the port search fail.
 */
final class FakeNat implements Nat {
    static final String ROUTER = "203.0.113.1";
    static final String ROUTER6 = "2001:db8:2::1";

    private final Conntrack net;
    private final Registration hook;
    boolean noFreePort;
    boolean refuseMangle;
    /** Expectations handed to {@link #expectWithFreePort}, as handed. */
    final List<ExpectationRequest> inserted = new ArrayList<>();

    FakeNat(Conntrack net) {
        this.net = net;
        hook = net.packets().registerHook(Family.INET, Hook.POST_ROUTING, 100, this::bind, "fake masquerade");
    }

    void close() {
        hook.close();
    }

    private int bind(Packet p) {
        Connection ct = p.ct;
        if (ct == null || ct.isConfirmed() || ct.hasStatus(Status.NAT_DONE_MASK | Status.EXPECTED)) {
            return Verdict.ACCEPT;
        }
        Tuple reply = ct.tuple(Direction.REPLY, new Tuple());
        if (ct.family() == Family.IPV4 && (reply.dstLo >>> 8) == (Addr.parseV4("198.51.100.0") & 0xffffffffL) >>> 8) {
            reply.dstLo = Addr.parseV4(ROUTER) & 0xffffffffL;
        } else if (ct.family() == Family.IPV6 && reply.dstHi == Addr.parseV6("2001:db8:1::")[0]) {
            long[] r = Addr.parseV6(ROUTER6);
            reply.dstHi = r[0];
            reply.dstLo = r[1];
        } else {
            return Verdict.ACCEPT;
        }
        net.services().alterReply(ct, reply);
        ct.setStatus(Status.SRC_NAT | Status.SRC_NAT_DONE | Status.DST_NAT_DONE);
        return Verdict.ACCEPT;
    }

    @Override
    public boolean mangleTcpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen,
        byte[] rep, int repOff, int repLen) {
        if (refuseMangle) {
            return false;
        }
        int dataoff = protoff + ((pkt.u8(protoff + 12) >>> 4) << 2);
        int pos = dataoff + matchOff;
        if (pos + matchLen > pkt.length() || !pkt.resize(pos, matchLen, repLen)) {
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
        pkt.put16(protoff + 16, Checksum.computeL4(pkt, protoff, IpProto.TCP, protoff + 16));
        if (repLen != matchLen) {
            net.services().seqAdjSet(ct, ctinfo, pkt.u32(protoff + 4), repLen - matchLen);
        }
        return true;
    }

    @Override
    public void followMaster(Connection ct, Expectation exp) {
        // the tests check that the helper asks for this; binding the data connection is NAT's business
    }

    @Override
    public int expectWithFreePort(ExpectationRequest exp, int port) {
        inserted.add(exp);
        if (noFreePort) {
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

    // ---- not used by the helper ------------------------------------------------------------------------------

    @Override
    public Registration registerChain(int family, int hk, int priority, HookFunction chain, String owner) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int setup(Packet pkt, Connection ct, NatRange range, int manip, String origin) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int masquerade(Packet pkt, NatRange range, String origin) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int redirect(Packet pkt, NatRange range, String origin) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean hasBinding(Connection ct, int manip) {
        throw new UnsupportedOperationException();
    }

    @Override
    public String origin(Connection ct, int manip) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<Connection> boundConnections() {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<String> describeChains() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean mangleUdpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen,
        byte[] rep, int repOff, int repLen) {
        throw new UnsupportedOperationException();
    }
}
