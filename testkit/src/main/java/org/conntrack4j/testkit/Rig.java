package org.conntrack4j.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.text.CtFormat;

/**
 * One engine on {@link Plugins}, driven by a {@link ManualClock} (HZ 250, starting at a fixed wall time), with an
 * {@link EventLog}, and packets run through its hooks as a router would: {@link #forward} (PRE_ROUTING, then
 * POST_ROUTING), {@link #input} (PRE_ROUTING, LOCAL_IN), {@link #output} (LOCAL_OUT, POST_ROUTING), or any hooks
 * ({@link #pass}). A hook's verdict other than ACCEPT ends the packet's way, as in {@code nf_hook_slow}. The
 * engine is bare (no defragmentation, a fixed seed) unless {@link #defrag()} is asked.
 *
 * <pre>{@code
 * Plugins plugins = new Plugins();
 * plugins.addTracker(new GreTracker(), 47);
 * try (Rig rig = new Rig(plugins)) {
 *     Rig.Result r = rig.forward(Packets.ip("198.51.100.2", "203.0.113.10", 47, Packets.gre(1, 0x880b, 7)));
 *     assertEquals("new/original", r.verdict());
 * }
 * }</pre>
 */
public final class Rig implements AutoCloseable {
    /** The wall time a rig starts at (2027-01-15), a multiple of every tick length. */
    public static final long START_NANOS = 1_800_000_000_000_000_000L;

    private final Plugins plugins;
    private final ManualClock clock;
    private final Conntrack net;
    private final EventLog events;
    private Registration defrag;

    /** A rig named {@code test}, events recorded without connection ids ({@link EventLog#WITHOUT_ID}). */
    public Rig(Plugins plugins) {
        this(plugins, "test", EventLog.WITHOUT_ID);
    }

    /** A rig whose engine has this name and whose event lines take this form. */
    public Rig(Plugins plugins, String name, UnaryOperator<String> eventForm) {
        this.plugins = plugins;
        this.clock = new ManualClock(250);
        clock.setWallNanos(START_NANOS);
        this.net = plugins.bareEngine(name, clock, 1);
        this.events = EventLog.attach(net, eventForm);
    }

    /** Reassembles fragments before conntrack, as an engine of the factory does. */
    public Rig defrag() {
        if (defrag == null) {
            defrag = Plugins.enableDefrag(net);
        }
        return this;
    }

    /** Sets a sysctl ({@code nf_conntrack_log_invalid}, 255). */
    public Rig set(String setting, long value) {
        net.settings().set(setting, value);
        return this;
    }

    public Conntrack net() {
        return net;
    }

    public ManualClock clock() {
        return clock;
    }

    public Plugins plugins() {
        return plugins;
    }

    public EventLog events() {
        return events;
    }

    /** Moves the clock forward. */
    public Rig advance(double seconds) {
        clock.advanceSeconds(seconds);
        return this;
    }

    /** Runs the due expiry, as the engine's owner does when time moved. */
    public Rig expire() {
        net.table().expire();
        return this;
    }

    // ---- packets -------------------------------------------------------------------------------------------------

    /** What the engine made of one packet. */
    public static final class Result {
        /** The last hook's verdict (ACCEPT when the packet went all the way). */
        public final int verdict;
        /** After the first hook, what a rule at priority -150 would see. */
        public final Connection ct;
        public final int ctinfo;
        /** {@code new}, {@code established}, {@code related}, {@code invalid}, {@code untracked}. */
        public final String state;
        /** {@code original}, {@code reply}, or {@code none} without a connection. */
        public final String dir;
        /** Why the packet is invalid (always recorded), and what conntrack logged (by the log setting), or null. */
        public final String reason;
        public final String logReason;
        /** The protocol conntrack logged the reason under ({@code nf_ct_proto_N}). */
        public final int logProto;
        /** The packet after its last hook. */
        public final Packet packet;

        Result(int verdict, Packet p, Connection ct, int ctinfo, String reason, String logReason, int logProto) {
            this.verdict = verdict;
            this.ct = ct;
            this.ctinfo = ctinfo;
            this.state = CtInfo.stateName(ct != null, ctinfo);
            this.dir = ct == null ? "none" : Direction.name(CtInfo.direction(ctinfo));
            this.reason = reason;
            this.logReason = logReason;
            this.logProto = logProto;
            this.packet = p;
        }

        /** {@code state/dir}, as a ctstate.tsv row puts it: {@code new/original}. */
        public String verdict() {
            return state + "/" + dir;
        }

        public boolean accepted() {
            return verdict == Verdict.ACCEPT;
        }

        /** The packet's bytes as it left (after NAT and helpers), or null when a hook did not accept it. */
        public byte[] bytes() {
            return accepted() ? packet.toBytes() : null;
        }

        @Override
        public String toString() {
            return verdict() + (reason != null ? " (" + reason + ")" : "") + (accepted() ? "" : " verdict " + verdict);
        }
    }

    /** A forwarded packet: PRE_ROUTING, POST_ROUTING. */
    public Result forward(byte[] ip) {
        return pass(ip, Hook.PRE_ROUTING, Hook.POST_ROUTING);
    }

    /** A packet for the router itself: PRE_ROUTING, LOCAL_IN. */
    public Result input(byte[] ip) {
        return pass(ip, Hook.PRE_ROUTING, Hook.LOCAL_IN);
    }

    /** A packet the router sends: LOCAL_OUT, POST_ROUTING. */
    public Result output(byte[] ip) {
        return pass(ip, Hook.LOCAL_OUT, Hook.POST_ROUTING);
    }

    /** The IP packet through {@code hooks} in order ({@link Packets#packet}: it must pass the IP layer's checks). */
    public Result pass(byte[] ip, int... hooks) {
        return pass(Packets.packet(ip), hooks);
    }

    /** A loaded packet through {@code hooks}; its timestamp is the clock's unless set. */
    public Result pass(Packet p, int... hooks) {
        if (p.tstamp == 0) {
            p.tstamp = clock.wallNanos();
        }
        int v = Verdict.ACCEPT;
        Connection ct = null;
        int ctinfo = 0;
        String reason = null;
        String logReason = null;
        int logProto = 0;
        for (int i = 0; i < hooks.length && v == Verdict.ACCEPT; i++) {
            v = net.packets().runHook(hooks[i], p);
            if (i == 0) {
                ct = p.ct;
                ctinfo = p.ctinfo;
                reason = p.reason;
                logReason = p.logReason;
                logProto = p.logProto;
            }
        }
        return new Result(v, p, ct, ctinfo, reason, logReason, logProto);
    }

    // ---- the table -----------------------------------------------------------------------------------------------

    /** The live connections that pass {@code filter}. */
    public List<Connection> connections(Predicate<? super Connection> filter) {
        return net.table().connections(filter);
    }

    /** The first live connection that passes {@code filter}, or null. */
    public Connection connection(Predicate<? super Connection> filter) {
        List<Connection> l = connections(filter);
        return l.isEmpty() ? null : l.get(0);
    }

    /** The connection with this port in its original tuple (either side), or null. */
    public Connection connectionWithPort(int port) {
        return connection(c -> c.srcPort(Direction.ORIGINAL) == port || c.dstPort(Direction.ORIGINAL) == port);
    }

    public ConnectionSnapshot snapshot(Connection ct) {
        return net.table().snapshot(ct);
    }

    /** {@code conntrack -L -o extended} lines, {@link EventLog#compact}ed, sorted. */
    public List<String> table() {
        List<String> out = new ArrayList<>();
        net.table().list(null).forEach(s -> out.add(EventLog.compact(CtFormat.listLine(s))));
        out.sort(null);
        return out;
    }

    /** {@code conntrack -L expect} lines, as printed, in the engine's order. */
    public List<String> expectations() {
        List<String> out = new ArrayList<>();
        for (ExpectationSnapshot x : net.table().expectations()) {
            out.add(CtFormat.expectation(x));
        }
        return out;
    }

    @Override
    public void close() {
        events.close();
        if (defrag != null) {
            defrag.close();
        }
        net.close();
    }
}
