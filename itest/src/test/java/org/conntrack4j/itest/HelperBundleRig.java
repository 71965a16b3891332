package org.conntrack4j.itest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.spi.Helper;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * What the in-framework tests of a helper bundle share: the live engine with the helper assigned to new
 * connections to its port as {@code ct state new ... dport PORT ct helper set} does (looked up per connection, as
 * the rule does), its bundle, its expectations, {@code ct:*} commands, and connections driven through the hooks
 * (no NAT: the router forwards between two addresses it does not own). {@link #close} removes what it registered.
 */
public final class HelperBundleRig implements AutoCloseable {
    public static final String CLIENT = "198.51.100.10";
    public static final String SERVER = "203.0.113.10";

    private final Conntrack net;
    private final CommandProcessor shell;
    private final BundleContext own;
    private final String bsn;
    private final String name;
    private final List<Registration> regs = new ArrayList<>();

    /** Assigns helper {@code name} of protocol {@code proto} to new connections to {@code port}. */
    public HelperBundleRig(Conntrack net, CommandProcessor shell, BundleContext own, String bsn, String name,
        int proto, int port) {
        this.net = net;
        this.shell = shell;
        this.own = own;
        this.bsn = bsn;
        this.name = name;
        net.table().delete(null);
        regs.add(net.packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && p.ctinfo == CtInfo.NEW && !p.ct.isConfirmed() && p.ct.protocol() == proto
                && p.ct.dstPort(Direction.ORIGINAL) == port) {
                Helper h = net.services().helper(name, p.family, proto);
                if (h != null) {
                    net.services().assignHelper(p.ct, h);
                }
            }
            return Verdict.ACCEPT;
        }, "itest ct helper set " + name));
    }

    public Bundle bundle() {
        return Arrays.stream(own.getBundles()).filter(b -> bsn.equals(b.getSymbolicName())).findFirst().orElseThrow();
    }

    /** The helper the engine finds under this name for IPv4, or null. */
    public Helper helper(int proto) {
        return net.services().helper(name, Family.IPV4, proto);
    }

    /** The live expectations of this helper. */
    public List<ExpectationSnapshot> expectations() {
        return net.table().expectations().stream().filter(x -> name.equals(x.helper())).toList();
    }

    /** Is the connection still in the table? */
    public boolean live(Connection ct) {
        return net.table().connections(null).contains(ct);
    }

    /** Runs a shell command; returns what it printed. */
    public String run(String command) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandSession s = shell.createSession(new ByteArrayInputStream(new byte[0]), out, out);
        try {
            s.execute(command);
        } finally {
            s.close();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Does {@code ct:trackers} list the helper, with its protocol, active, from its bundle? */
    public boolean listed(int proto, String families) throws Exception {
        String pattern = "helper " + name + " +proto " + proto + " +" + families + " +active +" + bsn.replace(".", "\\.")
            + " .*";
        return run("ct:trackers").lines().anyMatch(l -> l.matches(pattern));
    }

    /** A UDP datagram through the router; returns the ct state after PRE_ROUTING. */
    public Result udp(String src, int sport, String dst, int dport, byte[] payload) {
        return forward(ItPackets.ipv4(IpProto.UDP, src, sport, dst, dport, 0, 0, 0, payload));
    }

    /** What became of one packet. */
    public record Result(String state, int verdict, Connection ct, Packet packet) {
        public String payload() {
            return ItPackets.payload(packet);
        }
    }

    /** PRE_ROUTING, then POST_ROUTING if accepted. */
    public Result forward(Packet p) {
        int v = net.packets().runHook(Hook.PRE_ROUTING, p);
        String state = CtInfo.stateName(p.ct != null, p.ctinfo);
        Connection ct = p.ct;
        if (v == Verdict.ACCEPT) {
            v = net.packets().runHook(Hook.POST_ROUTING, p);
        }
        return new Result(state, v, ct, p);
    }

    /** A TCP connection from {@link #CLIENT}, handshake done; both sides' next sequence numbers kept. */
    public final class Tcp {
        final int cport;
        final int sport;
        int cseq = 1000;
        int sseq = 90000;
        public final Connection ct;

        public Tcp(int cport, int sport) {
            this.cport = cport;
            this.sport = sport;
            ct = forward(ItPackets.ipv4(IpProto.TCP, CLIENT, cport, SERVER, sport, 0x02, cseq++, 0, new byte[0])).ct;
            forward(ItPackets.ipv4(IpProto.TCP, SERVER, sport, CLIENT, cport, 0x12, sseq++, cseq, new byte[0]));
            forward(ItPackets.ipv4(IpProto.TCP, CLIENT, cport, SERVER, sport, 0x10, cseq, sseq, new byte[0]));
        }

        public Result client(byte[] data) {
            Result r = forward(ItPackets.ipv4(IpProto.TCP, CLIENT, cport, SERVER, sport, 0x18, cseq, sseq, data));
            cseq += data.length;
            return r;
        }

        public Result server(byte[] data) {
            Result r = forward(ItPackets.ipv4(IpProto.TCP, SERVER, sport, CLIENT, cport, 0x18, sseq, cseq, data));
            sseq += data.length;
            return r;
        }
    }

    public static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Removes the assignment hook, starts the bundle if a test left it stopped, empties the table. */
    @Override
    public void close() throws Exception {
        for (Registration r : regs) {
            r.close();
        }
        if (bundle().getState() != Bundle.ACTIVE) {
            bundle().start();
        }
        net.table().delete(null);
    }
}
