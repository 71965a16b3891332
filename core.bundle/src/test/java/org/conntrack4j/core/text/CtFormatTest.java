package org.conntrack4j.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.inet.Addr;
import org.junit.jupiter.api.Test;

/** The text formats against lines recorded from conntrack-tools (kernel cases udp, tcp_basic, ftp_active_snat). */
class CtFormatTest {
    private static Tuple udp(String src, int sport, String dst, int dport) {
        Tuple t = new Tuple().ipv4(Addr.parseV4(src), Addr.parseV4(dst));
        t.proto = IpProto.UDP;
        t.srcPort = sport;
        t.dstPort = dport;
        return t;
    }

    @Test
    void newEventOfAnUnrepliedUdpFlow() {
        Tuple o = udp("198.51.100.10", 42000, "203.0.113.10", 5353);
        Tuple r = udp("203.0.113.10", 5353, "198.51.100.10", 42000);
        ConnectionSnapshot s = new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "udp", Status.CONFIRMED,
            30, null, null, 0, 0, (int) 3495949130L, 1, null);
        ConntrackEvent e = new ConntrackEvent(ConntrackEvent.NEW, 1, 1795268181631807000L, s);
        assertEquals("[1795268181.631807]\t    [NEW] ipv4     2 udp      17 30 src=198.51.100.10 dst=203.0.113.10 "
            + "sport=42000 dport=5353 [UNREPLIED] src=203.0.113.10 dst=198.51.100.10 sport=5353 dport=42000 id=3495949130",
            CtFormat.event(e, true));
    }

    @Test
    void timestampMicrosecondsArePrintedAsConntrackDoes() {
        StringBuilder sb = new StringBuilder();
        CtFormat.timestamp(sb, 1795268197_000987000L);
        assertEquals("[1795268197.987   ]\t", sb.toString());
    }

    @Test
    void listingOfAnAssuredTcpConnectionWithHelper() {
        Tuple o = udp("198.51.100.10", 54686, "203.0.113.10", 21);
        o.proto = IpProto.TCP;
        Tuple r = udp("203.0.113.10", 21, "203.0.113.1", 54686);
        r.proto = IpProto.TCP;
        ConnectionSnapshot s = new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "tcp",
            Status.CONFIRMED | Status.SEEN_REPLY | Status.ASSURED, 118, "TIME_WAIT", "ftp", 0, 0, 854438146, 3, null);
        assertEquals("ipv4     2 tcp      6 118 TIME_WAIT src=198.51.100.10 dst=203.0.113.10 sport=54686 dport=21 "
            + "src=203.0.113.10 dst=203.0.113.1 sport=21 dport=54686 [ASSURED] mark=0 helper=ftp use=3 id=854438146",
            CtFormat.listLine(s));
    }

    @Test
    void updateEventShowsStateOnlyWithProtoinfoAndMarkOnlyWhenSet() {
        Tuple o = udp("198.51.100.10", 1, "203.0.113.10", 2);
        Tuple r = udp("203.0.113.10", 2, "198.51.100.10", 1);
        ConnectionSnapshot s = new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "tcp",
            Status.SEEN_REPLY, 60, "SYN_RECV", null, 0, 0, 1, 1, null);
        String withState = CtFormat.event(new ConntrackEvent(ConntrackEvent.UPDATE, 1 << CtEvent.PROTOINFO, 0, s), false);
        String without = CtFormat.event(new ConntrackEvent(ConntrackEvent.UPDATE, 1 << CtEvent.ASSURED, 0, s), false);
        assertEquals(" [UPDATE] ipv4     2 tcp      17 60 SYN_RECV src=198.51.100.10 dst=203.0.113.10 sport=1 dport=2 "
            + "src=203.0.113.10 dst=198.51.100.10 sport=2 dport=1 id=1", withState);
        assertEquals(" [UPDATE] ipv4     2 tcp      17 60 src=198.51.100.10 dst=203.0.113.10 sport=1 dport=2 "
            + "src=203.0.113.10 dst=198.51.100.10 sport=2 dport=1 id=1", without);
    }

    @Test
    void destroyEventWithoutTimeLeftHasNoTimeout() {
        Tuple o = udp("198.51.100.10", 1, "203.0.113.10", 2);
        Tuple r = udp("203.0.113.10", 2, "198.51.100.10", 1);
        ConnectionSnapshot s = new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "udp", 0, -1, null,
            null, 0, 0, 5, 1, null);
        assertEquals("[DESTROY] ipv4     2 udp      17 src=198.51.100.10 dst=203.0.113.10 sport=1 dport=2 [UNREPLIED] "
            + "src=203.0.113.10 dst=198.51.100.10 sport=2 dport=1 id=5",
            CtFormat.event(new ConntrackEvent(ConntrackEvent.DESTROY, 1 << CtEvent.DESTROY, 0, s), false));
    }

    @Test
    void destroyEventLeavesTheHelperOutAndUpdateShowsIt() {
        Tuple o = udp("198.51.100.10", 45300, "203.0.113.10", 21);
        o.proto = IpProto.TCP;
        Tuple r = udp("203.0.113.10", 21, "203.0.113.1", 45300);
        r.proto = IpProto.TCP;
        ConnectionSnapshot s = new ConnectionSnapshot(o, r, CtFormat.ports(o), CtFormat.ports(r), "tcp",
            Status.CONFIRMED, 120, "CLOSE", "ftp", 0, 0, 7, 1, null);
        assertEquals("[DESTROY] ipv4     2 tcp      6 120 CLOSE src=198.51.100.10 dst=203.0.113.10 sport=45300 dport=21 "
            + "[UNREPLIED] src=203.0.113.10 dst=203.0.113.1 sport=21 dport=45300 id=7",
            CtFormat.event(new ConntrackEvent(ConntrackEvent.DESTROY, 1 << CtEvent.DESTROY, 0, s), false));
        assertEquals(" [UPDATE] ipv4     2 tcp      6 120 src=198.51.100.10 dst=203.0.113.10 sport=45300 dport=21 "
            + "[UNREPLIED] src=203.0.113.10 dst=203.0.113.1 sport=21 dport=45300 helper=ftp id=7",
            CtFormat.event(new ConntrackEvent(ConntrackEvent.UPDATE, 1 << CtEvent.ASSURED, 0, s), false));
    }
}
