package org.conntrack4j.core.impl;

import org.conntrack4j.core.api.CoreSettings;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;

/**
 * The tracker of every protocol that has none ({@code nf_conntrack_l4proto_generic}): the tuple is the
 * addresses and the protocol number only, and every packet refreshes the generic timeout. The one implementation
 * of the SPI's marker {@link org.conntrack4j.core.spi.GenericTracker}.
 */
final class GenericTrackerImpl implements org.conntrack4j.core.spi.GenericTracker {
    static final GenericTrackerImpl INSTANCE = new GenericTrackerImpl();

    private GenericTrackerImpl() {
    }

    @Override
    public String name() {
        return "unknown";
    }

    @Override
    public boolean pktToTuple(Packet pkt, int dataoff, Tuple t) {
        t.srcPort = 0;
        t.dstPort = 0;
        return true;
    }

    @Override
    public boolean invertTuple(Tuple inverse, Tuple orig) {
        inverse.srcPort = 0;
        inverse.dstPort = 0;
        return true;
    }

    @Override
    public int packet(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo) {
        net.packets().refresh(ct, pkt, net.services().timeout(ct, CoreSettings.GENERIC_TIMEOUT));
        return Verdict.ACCEPT;
    }
}
