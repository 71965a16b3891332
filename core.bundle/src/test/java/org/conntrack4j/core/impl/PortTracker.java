package org.conntrack4j.core.impl;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.spi.L4Tracker;
import org.conntrack4j.core.text.CtFormat;

/**
 * A minimal port-based tracker for engine tests: 30 s timeout, ASSURED on the first packet after a reply,
 * invalid when the destination port is 9 ("discard") so tests can drive the invalid path.
 */
class PortTracker implements L4Tracker {
    static final SettingKey TIMEOUT = SettingKey.seconds("test_port_timeout", 30, "test tracker timeout");
    private final String name;
    volatile boolean allowClash;
    volatile int repeatOnPort = -1;
    /** The connections {@link #destroy} was called for, in order. */
    final List<Connection> destroyed = new java.util.concurrent.CopyOnWriteArrayList<>();

    PortTracker(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
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
    public void formatTuple(StringBuilder sb, Tuple t) {
        sb.append(CtFormat.ports(t));
    }

    @Override
    public List<SettingKey> settings() {
        return List.of(TIMEOUT);
    }

    @Override
    public boolean allowClash() {
        return allowClash;
    }

    @Override
    public void destroy(Connection ct) {
        destroyed.add(ct);
    }

    @Override
    public int packet(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo) {
        if (pkt.u16(dataoff + 2) == 9) {
            net.packets().logInvalid(pkt, ct.protocol(), "discard port " + 9);
            return -Verdict.ACCEPT;
        }
        if (pkt.u16(dataoff + 2) == repeatOnPort && ct.isConfirmed()) {
            repeatOnPort = -1;
            net.packets().kill(ct);
            return -Verdict.REPEAT;
        }
        net.packets().refresh(ct, pkt, net.services().timeout(ct, TIMEOUT));
        if (ct.hasStatus(Status.SEEN_REPLY) && ct.setStatus(Status.ASSURED)) {
            net.packets().cacheEvent(ct, CtEvent.ASSURED);
        }
        return Verdict.ACCEPT;
    }
}
