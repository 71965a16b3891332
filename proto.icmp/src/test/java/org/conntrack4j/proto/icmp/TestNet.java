package org.conntrack4j.proto.icmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.impl.Engine;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.proto.udp.UdpTracker;

/**
 * One engine with the ICMP, ICMPv6 and UDP trackers and a TCP stand-in, a manual clock at HZ 250, invalid
 * reasons logged for every protocol (as the recorded cases are) and a synchronous event listener.
 */
final class TestNet implements AutoCloseable {
    final ManualClock clock = new ManualClock(250);
    final Registry registry = new Registry();
    final IcmpTracker icmp = new IcmpTracker();
    final Icmpv6Tracker icmpv6 = new Icmpv6Tracker();
    final Engine net;
    /** Events as {@code conntrack -E -o extended} prints them, connection id removed, blanks collapsed. */
    final List<String> events = new ArrayList<>();

    TestNet() {
        registry.addTracker(icmp, 1, true, true, registry.localId(), 0, "test");
        registry.addTracker(icmpv6, 58, true, true, registry.localId(), 0, "test");
        registry.addTracker(new UdpTracker(), 17, true, true, registry.localId(), 0, "test");
        registry.addTracker(new PortStub(), 6, true, true, registry.localId(), 0, "test");
        clock.setWallNanos(1_700_000_000_000_000_000L);
        net = new Engine(registry, "test", clock, 1);
        net.settings().set(CoreSettings.LOG_INVALID, 255);
        net.addListener(e -> events.add(withoutId(CtFormat.event(e, false))), true);
    }

    static String withoutId(String line) {
        return line.replaceAll(" id=\\d+$", "").replaceAll(" use=\\d+", "").replaceAll("\\s+", " ").trim();
    }

    static Packet load(byte[] ip) {
        Packet p = new Packet();
        p.load(ip, 0, ip.length, 14);
        assertNull(IpHeaders.validate(p), "test packet must pass the IP layer's checks");
        return p;
    }

    /** {@code new/original}, {@code related/reply}, {@code invalid/none}... as the recorded ctstate.tsv. */
    static String state(Packet p) {
        return CtInfo.stateName(p.ct != null, p.ctinfo) + "/"
            + (p.ct == null ? "none" : Direction.name(CtInfo.direction(p.ctinfo)));
    }

    private Packet run(byte[] ip, int first, int second) {
        Packet p = load(ip);
        p.tstamp = clock.wallNanos();
        assertEquals(Verdict.ACCEPT, net.runHook(first, p), "conntrack lets invalid packets pass");
        Packet after = copyState(p);
        assertEquals(Verdict.ACCEPT, net.runHook(second, p));
        return after;
    }

    /** The packet's conntrack state after its first hook (what the ctlog chain at -150 sees). */
    private static Packet copyState(Packet p) {
        Packet s = new Packet(64);
        s.ct = p.ct;
        s.ctinfo = p.ctinfo;
        s.reason = p.reason;
        s.logReason = p.logReason;
        s.logProto = p.logProto;
        return s;
    }

    /** A packet routed through: PRE_ROUTING then POST_ROUTING. Returns its state after PRE_ROUTING. */
    Packet forward(byte[] ip) {
        return run(ip, Hook.PRE_ROUTING, Hook.POST_ROUTING);
    }

    /** A packet for the router itself: PRE_ROUTING then LOCAL_IN. */
    Packet input(byte[] ip) {
        return run(ip, Hook.PRE_ROUTING, Hook.LOCAL_IN);
    }

    /** A packet the router sends: LOCAL_OUT then POST_ROUTING. */
    Packet output(byte[] ip) {
        return run(ip, Hook.LOCAL_OUT, Hook.POST_ROUTING);
    }

    String forwardState(byte[] ip) {
        return state(forward(ip));
    }

    void advance(double seconds) {
        clock.advanceSeconds(seconds);
    }

    /** {@code conntrack -L -o extended} lines, sorted, without id and use. */
    List<String> table() {
        List<String> out = new ArrayList<>();
        net.list(null).forEach(s -> out.add(withoutId(CtFormat.listLine(s))));
        out.sort(null);
        return out;
    }

    @Override
    public void close() {
        net.close();
    }
}
