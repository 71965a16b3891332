package org.conntrack4j.proto.gre;

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
import org.conntrack4j.proto.gre.keymap.GreKeymap;
import org.osgi.service.component.annotations.Component;

/**
 * The GRE tracker. Enhanced GRE (version 1, PPTP's) is keyed by the call ID the packet carries, the destination
 * key ("u" field), and by the source key that the engine's key map ({@link GreKeymap}, filled by the PPTP helper)
 * gives that tuple, 0 when no call maps it. Any other GRE is tracked like the generic tracker, by addresses only.
 * Unreplied connections live {@code nf_conntrack_gre_timeout} (30 s); once both directions were seen, the
 * stream timeout (180 s) and ASSURED. A GRE connection expected by a call takes its master's key map entries with
 * it when it goes.
 */
@Component
@TrackerService(l4proto = 47)
public final class GreTracker implements L4Tracker {
    static final SettingKey TIMEOUT = SettingKey.seconds("nf_conntrack_gre_timeout", 30, "GRE timeout, unreplied");
    static final SettingKey TIMEOUT_STREAM = SettingKey.seconds("nf_conntrack_gre_timeout_stream", 180,
        "GRE timeout once both directions were seen");
    /** The version bits of the GRE flags word, and enhanced GRE's version. */
    private static final int GRE_VERSION_MASK = 0x0007;
    private static final int GRE_VERSION_1 = 1;
    /** PPP in GRE (PPTP). */
    private static final int GRE_PROTO_PPP = 0x880b;

    @Override
    public String name() {
        return "gre";
    }

    @Override
    public boolean pktToTuple(Packet pkt, int dataoff, Tuple t) {
        t.srcPort = 0;
        t.dstPort = 0;
        int left = pkt.length() - dataoff;
        if (left < 4 || (pkt.u16(dataoff) & GRE_VERSION_MASK) != GRE_VERSION_1) {
            return true;
        }
        if (left < 8) {
            return true;
        }
        if (pkt.u16(dataoff + 2) != GRE_PROTO_PPP) {
            return false;
        }
        t.dstPort = pkt.u16(dataoff + 6);
        GreKeymap keymap = pkt.net == null ? null : pkt.net.services().extension(GreKeymap.class);
        t.srcPort = keymap == null ? 0 : keymap.sourceKey(t);
        return true;
    }

    @Override
    public void formatTuple(StringBuilder sb, Tuple t) {
        sb.append("srckey=0x").append(Integer.toHexString(t.srcPort)).append(" dstkey=0x")
            .append(Integer.toHexString(t.dstPort));
    }

    @Override
    public List<SettingKey> settings() {
        return List.of(TIMEOUT, TIMEOUT_STREAM);
    }

    @Override
    public boolean allowClash() {
        return true;
    }

    @Override
    public int packet(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo) {
        int status = ct.status();
        if ((status & Status.SEEN_REPLY) != 0) {
            net.packets().refresh(ct, pkt, net.services().timeout(ct, TIMEOUT_STREAM));
            if ((status & Status.NAT_CLASH) != 0) {
                return Verdict.ACCEPT;
            }
            if (ct.setStatus(Status.ASSURED)) {
                net.packets().cacheEvent(ct, CtEvent.ASSURED);
            }
        } else {
            net.packets().refresh(ct, pkt, net.services().timeout(ct, TIMEOUT));
        }
        return Verdict.ACCEPT;
    }

    /**
     * A call's GRE connection is gone: its master's key map entries go too ({@code destroy_gre_conntrack}), whichever
     * direction or call they were for.
     */
    @Override
    public void destroy(Connection ct) {
        Connection master = ct.master();
        if (master != null) {
            GreKeymap keymap = ct.net().services().extension(GreKeymap.class);
            if (keymap != null) {
                keymap.destroy(master);
            }
        }
    }
}
