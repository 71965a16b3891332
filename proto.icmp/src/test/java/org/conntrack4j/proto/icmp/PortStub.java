package org.conntrack4j.proto.icmp;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.spi.L4Tracker;
import org.conntrack4j.core.text.CtFormat;

/**
 * Stands in for the TCP tracker (another bundle) where a test needs TCP flows for errors to quote: the
 * tuple is the ports, every packet is accepted and gets a fixed timeout.
 */
final class PortStub implements L4Tracker {
    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public boolean pktToTuple(Packet pkt, int dataoff, Tuple t) {
        if (pkt.length() - dataoff < 4) {
            return false;
        }
        t.srcPort = pkt.u16(dataoff);
        t.dstPort = pkt.u16(dataoff + 2);
        return true;
    }

    @Override
    public int packet(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo) {
        net.packets().refresh(ct, 120L * net.clock().hz());
        return Verdict.ACCEPT;
    }

    @Override
    public void formatTuple(StringBuilder sb, Tuple t) {
        sb.append(CtFormat.ports(t));
    }
}
