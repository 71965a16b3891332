package org.conntrack4j.proto.icmp;

import java.util.List;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.EventLog;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;

/**
 * The kit's {@link Rig} with the ICMP, ICMPv6 and UDP trackers and a TCP stand-in, invalid reasons logged for
 * every protocol (as the recorded cases are), events {@link EventLog#COMPACT}.
 */
final class TestNet implements AutoCloseable {
    final IcmpTracker icmp = new IcmpTracker();
    final Icmpv6Tracker icmpv6 = new Icmpv6Tracker();
    final Rig rig;
    final Conntrack net;
    /** Events as {@code conntrack -E -o extended} prints them, connection id and use removed, blanks collapsed. */
    final List<String> events;

    TestNet() {
        Plugins plugins = new Plugins();
        plugins.addTracker(icmp, IpProto.ICMP);
        plugins.addTracker(icmpv6, IpProto.ICMPV6);
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        plugins.addTracker(new PortStub(), IpProto.TCP);
        rig = new Rig(plugins, "test", EventLog.COMPACT).set(CoreSettings.LOG_INVALID.name(), 255);
        net = rig.net();
        events = rig.events().lines();
    }

    /** {@code new/original}, {@code related/reply}, {@code invalid/none}... as the recorded ctstate.tsv. */
    static String state(Packet p) {
        return CtInfo.stateName(p.ct != null, p.ctinfo) + "/"
            + (p.ct == null ? "none" : Direction.name(CtInfo.direction(p.ctinfo)));
    }

    /** The packet's conntrack state after its first hook (what the ctlog chain at -150 sees). */
    private static Packet run(Rig.Result r) {
        if (r.verdict != Verdict.ACCEPT) {
            throw new AssertionError("conntrack lets invalid packets pass; verdict " + r.verdict);
        }
        Packet s = new Packet(64);
        s.ct = r.ct;
        s.ctinfo = r.ctinfo;
        s.reason = r.reason;
        s.logReason = r.logReason;
        s.logProto = r.logProto;
        return s;
    }

    /** A packet routed through: PRE_ROUTING then POST_ROUTING. Returns its state after PRE_ROUTING. */
    Packet forward(byte[] ip) {
        return run(rig.forward(ip));
    }

    /** A packet for the router itself: PRE_ROUTING then LOCAL_IN. */
    Packet input(byte[] ip) {
        return run(rig.input(ip));
    }

    /** A packet the router sends: LOCAL_OUT then POST_ROUTING. */
    Packet output(byte[] ip) {
        return run(rig.output(ip));
    }

    String forwardState(byte[] ip) {
        return state(forward(ip));
    }

    void advance(double seconds) {
        rig.advance(seconds);
    }

    /** {@code conntrack -L -o extended} lines, sorted, without id and use. */
    List<String> table() {
        return rig.table();
    }

    @Override
    public void close() {
        rig.close();
    }
}
