package org.conntrack4j.proto.tcp;

import static org.conntrack4j.proto.tcp.TcpLab.CI;
import static org.conntrack4j.proto.tcp.TcpLab.SI;
import static org.conntrack4j.proto.tcp.TcpLab.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NewConnection;
import org.conntrack4j.core.api.ProtoInfo;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.inet.Addr;
import org.junit.jupiter.api.Test;

/**
 * Connections administration inserts with a TCP state ({@code conntrack -I -p tcp --state ...}, a state
 * synchronisation's commit): the tracker takes the state and the flags, and the connection's packets go on from
 * there, each side's window picked up from its first packet.
 */
class TcpCreatedTest {
    private static NewConnection established(TcpLab lab, int state, int flags) {
        Tuple t = new Tuple().ipv4(Addr.parseV4("198.51.100.10"), Addr.parseV4("203.0.113.10"));
        t.proto = IpProto.TCP;
        t.srcPort = lab.cport;
        t.dstPort = TcpLab.SPORT;
        return NewConnection.of(t, 300).withProtoInfo(ProtoInfo.state(state).withTcpFlags(flags, flags));
    }

    @Test
    void anEstablishedConnectionCarriesOnWithItsPackets() {
        TcpLab lab = new TcpLab();
        // conntrack -I sets BE_LIBERAL and SACK_PERM on both sides
        assertEquals(NewConnection.CREATED, lab.net.table().create(established(lab, TcpStateTable.ESTABLISHED,
            TcpProtoState.BE_LIBERAL | TcpProtoState.SACK_PERM)));
        assertEquals("ESTABLISHED 300", lab.state());
        // no reply seen yet: ctinfo is NEW, as for any connection without SEEN_REPLY
        assertEquals("new/original", lab.client(seg("PA", CI, SI).data(100)).toString());
        assertEquals("established/reply", lab.server(seg("A", SI, CI + 100)).toString());
        assertEquals("established/original", lab.client(seg("A", CI + 100, SI)).toString());
        assertEquals("established/reply", lab.server(seg("PA", SI, CI + 100).data(10)).toString());
        assertEquals("ESTABLISHED 300", lab.state(), "the unacknowledged timeout while data waits for its ACK");
        assertEquals("established/original", lab.client(seg("A", CI + 100, SI + 10)).toString());
        assertEquals("ESTABLISHED 432000", lab.state());
        assertEquals("established/original", lab.client(seg("FA", CI + 100, SI + 10)).toString());
        assertEquals("FIN_WAIT", lab.snap().state());
    }

    @Test
    void theTrackerReportsTheStateScalesAndFlagsItTook() {
        TcpLab lab = new TcpLab();
        assertEquals(NewConnection.CREATED, lab.net.table().create(established(lab, TcpStateTable.ESTABLISHED,
            TcpProtoState.SACK_PERM).withProtoInfo(ProtoInfo.state(TcpStateTable.ESTABLISHED).withTcpWindowScale(7, 3)
            .withTcpFlags(TcpProtoState.SACK_PERM, 0))));
        ProtoInfo back = lab.tracker.protoInfo(lab.net.table().connections(null).get(0));
        assertEquals(TcpStateTable.ESTABLISHED, back.state());
        assertEquals(7, back.tcpWindowScale(0));
        assertEquals(3, back.tcpWindowScale(1));
        assertEquals(TcpProtoState.SACK_PERM, back.tcpFlags(0));
        assertEquals(0, back.tcpFlags(1));
    }

    @Test
    void aStateTheTableDoesNotHaveIsRefused() {
        TcpLab lab = new TcpLab();
        assertEquals(NewConnection.INVALID, lab.net.table().create(established(lab, TcpStateTable.STATES, 0)));
        assertEquals(0, lab.net.table().count());
    }
}
