package org.conntrack4j.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NewConnection;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.junit.jupiter.api.Test;

/**
 * A connection created with NAT bindings ({@code ConntrackTable.create}, a state synchronisation's commit, as
 * ctnetlink's {@code CTA_NAT_SRC}/{@code _DST}): NAT sets the binding up before insertion, and the packets of both
 * directions are translated as if the first packet had gone through this router's NAT chains.
 */
class CommittedNatTest {
    private static final String C1 = "198.51.100.10";
    private static final String S = "203.0.113.10";
    private static final String R = "203.0.113.1";

    private final NatRig rig = new NatRig();

    private static Tuple udp(String src, int sport, String dst, int dport) {
        Tuple t = new Tuple();
        t.family = Family.IPV4;
        t.proto = IpProto.UDP;
        t.srcLo = Integer.toUnsignedLong(Addr.parseV4(src));
        t.dstLo = Integer.toUnsignedLong(Addr.parseV4(dst));
        t.srcPort = sport;
        t.dstPort = dport;
        return t;
    }

    @Test
    void aCommittedSourceNatBindingTranslatesBothDirections() {
        // NAT's hooks exist while a NAT chain does (the router's ruleset)
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        long r = Integer.toUnsignedLong(Addr.parseV4(R));
        NewConnection c = NewConnection.of(udp(C1, 40000, S, 9000), 120).withStatus(Status.SEEN_REPLY)
            .withNat(NatManip.SRC, 0, r, 41000);
        assertEquals(NewConnection.CREATED, rig.net.table().create(c));
        Connection ct = rig.net.table().connections(null).get(0);
        assertTrue(ct.hasStatus(Status.SRC_NAT | Status.SRC_NAT_DONE | Status.DST_NAT_DONE));
        assertEquals(r, ct.dstLo(Direction.REPLY));
        assertEquals(41000, ct.dstPort(Direction.REPLY));

        NatRig.Fwd o = rig.forward(Pkts.udp(C1, 40000, S, 9000, "more", true), rig.lan);
        assertEquals("established/original", o.state());
        assertEquals(R, Pkts.src(o.bytes));
        assertEquals(41000, Pkts.sport(o.bytes));
        assertTrue(Pkts.ipHeaderOk(o.bytes) && Pkts.l4Ok(o.bytes));

        NatRig.Fwd back = rig.forward(Pkts.udp(S, 9000, R, 41000, "hi", true), rig.wan);
        assertEquals("established/reply", back.state());
        assertEquals(C1, Pkts.dst(back.bytes));
        assertEquals(40000, Pkts.dport(back.bytes));
        assertEquals(1, rig.net.table().count());
    }

    @Test
    void aCommittedDestinationNatBindingMakesTheReplyTupleAndAClashingOneMovesItsSourcePort() {
        rig.masquerade("wan", NatRange.ports(-1, -1, 0));
        long inner = Integer.toUnsignedLong(Addr.parseV4("198.51.100.20"));
        NewConnection c = NewConnection.of(udp(S, 5000, R, 53), 60).withNat(NatManip.DST, 0, inner, -1);
        assertEquals(NewConnection.CREATED, rig.net.table().create(c));
        Connection ct = rig.net.table().connections(null).get(0);
        assertTrue(ct.hasStatus(Status.DST_NAT) && !ct.hasStatus(Status.SRC_NAT));
        assertEquals(inner, ct.srcLo(Direction.REPLY));
        assertEquals(53, ct.srcPort(Direction.REPLY), "no port given: the port stays");
        // another connection whose reply would be the same: the destination port cannot move without a port range
        // (nf_nat_l4proto_unique_tuple), but the null source binding made beside it moves the source port
        NewConnection d = NewConnection.of(udp(S, 5000, "203.0.113.2", 53), 60).withNat(NatManip.DST, 0, inner, -1);
        assertEquals(NewConnection.CREATED, rig.net.table().create(d));
        Connection second = rig.net.table().connections(x -> x != ct).get(0);
        assertEquals(53, second.srcPort(Direction.REPLY));
        assertTrue(second.dstPort(Direction.REPLY) != 5000 && second.hasStatus(Status.SRC_NAT | Status.DST_NAT));
    }
}
