package com.example.toyproto;

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
import org.conntrack4j.core.spi.TrackerService;
import org.osgi.service.component.annotations.Component;

/**
 * A tracker for a toy protocol carried directly in IP as protocol 253 (RFC 3692: for experiments), to show what a
 * vendor's tracker needs. Its 8-byte header: source port (16 bits), destination port (16 bits), a message type
 * (8 bits: 1 open, 2 data, 3 close), 24 bits reserved. Connections are keyed by the ports, like UDP; an unreplied
 * one lives {@code toy_timeout} (30 s), a replied one {@code toy_timeout_stream} (120 s) and is ASSURED, a closed
 * one {@code toy_timeout_close} (10 s). A packet shorter than the header, or of an unknown type, is invalid.
 *
 * <p>The engine calls it on packet threads, several at once, for different connections or the same one: it keeps
 * no state of its own (what a connection needs is in the connection), so it needs no lock, and it allocates
 * nothing per packet.
 */
@Component
@TrackerService(l4proto = ToyTracker.PROTO)
public final class ToyTracker implements L4Tracker {
    /** The IP protocol number, one of the two RFC 3692 leaves for experiments. */
    public static final int PROTO = 253;

    static final int HEADER = 8;
    static final int OPEN = 1;
    static final int DATA = 2;
    static final int CLOSE = 3;

    static final SettingKey TIMEOUT = SettingKey.seconds("toy_timeout", 30, "toy protocol timeout, unreplied");
    static final SettingKey TIMEOUT_STREAM = SettingKey.seconds("toy_timeout_stream", 120,
        "toy protocol timeout once both directions were seen");
    static final SettingKey TIMEOUT_CLOSE = SettingKey.seconds("toy_timeout_close", 10,
        "toy protocol timeout after a close message");

    @Override
    public String name() {
        return "toy";
    }

    @Override
    public boolean pktToTuple(Packet pkt, int dataoff, Tuple t) {
        if (pkt.length() - dataoff < HEADER) {
            return false; // no ports to key on: the engine counts the packet invalid
        }
        t.srcPort = pkt.u16(dataoff);
        t.dstPort = pkt.u16(dataoff + 2);
        return true;
    }

    @Override
    public void formatTuple(StringBuilder sb, Tuple t) {
        sb.append("sport=").append(t.srcPort).append(" dport=").append(t.dstPort);
    }

    @Override
    public List<SettingKey> settings() {
        return List.of(TIMEOUT, TIMEOUT_STREAM, TIMEOUT_CLOSE);
    }

    @Override
    public int packet(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo) {
        int type = pkt.u8(dataoff + 4);
        if (type < OPEN || type > CLOSE) {
            // as Linux's trackers do: log (when nf_conntrack_log_invalid says so) and return the negated verdict
            net.packets().logInvalid(pkt, PROTO, "unknown message type " + type);
            return -Verdict.ACCEPT;
        }
        SettingKey timeout;
        if (type == CLOSE) {
            timeout = TIMEOUT_CLOSE;
        } else if (ct.hasStatus(Status.SEEN_REPLY)) {
            timeout = TIMEOUT_STREAM;
            if (ct.setStatus(Status.ASSURED)) {
                net.packets().cacheEvent(ct, CtEvent.ASSURED);
            }
        } else {
            timeout = TIMEOUT;
        }
        // refresh with the packet: counts it (nf_ct_refresh_acct); the value is per engine, settable by name
        net.packets().refresh(ct, pkt, net.services().timeout(ct, timeout));
        return Verdict.ACCEPT;
    }
}
