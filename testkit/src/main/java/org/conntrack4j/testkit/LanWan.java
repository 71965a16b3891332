package org.conntrack4j.testkit;

import java.util.List;
import java.util.function.IntPredicate;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.Helper;

/**
 * A {@link Rig}'s engine as a router between two networks, for helper tests that run the real NAT: {@link #lan}
 * (198.51.100.1/24, 2001:db8:1::1/64) and {@link #wan} (203.0.113.1/24, 2001:db8:2::1/64). A packet from a LAN
 * address comes in on lan and leaves on wan, any other the other way; {@link #assignHelper} is a
 * {@code ct state new ... dport PORT ct helper set} rule, {@link #masquerade} {@code oifname "wan" masquerade} with
 * the NAT extension the rig's plug-ins provide.
 *
 * <pre>{@code
 * Plugins plugins = new Plugins();
 * plugins.addTracker(new UdpTracker(), IpProto.UDP);
 * plugins.addExtension(new NatComponent(), "nat");
 * plugins.addHelper(new TftpHelper());
 * Rig rig = new Rig(plugins);
 * LanWan router = new LanWan(rig);
 * router.assignHelper("tftp", IpProto.UDP, port -> port == 69);
 * router.masquerade();
 * Rig.Result r = router.forward(Packets.udp("198.51.100.10", 41069, "203.0.113.10", 69, request));
 * }</pre>
 */
public final class LanWan {
    public static final String LAN = "198.51.100.1";
    public static final String WAN = "203.0.113.1";
    public static final String LAN6 = "2001:db8:1::1";
    public static final String WAN6 = "2001:db8:2::1";

    public final NetDevice lan = device("lan", 1, LAN, LAN6);
    public final NetDevice wan = device("wan", 2, WAN, WAN6);
    private final Rig rig;

    public LanWan(Rig rig) {
        this.rig = rig;
    }

    private static NetDevice device(String name, int index, String v4, String v6) {
        long[] a6 = Addr.parseV6(v6);
        return new NetDevice(name, index, null, null, 1500, List.of(
            new NetDevice.IfAddr(Family.IPV4, 0, Addr.parseV4(v4) & 0xffffffffL, 24),
            new NetDevice.IfAddr(Family.IPV6, a6[0], a6[1], 64)));
    }

    /**
     * {@code ct state new PROTO dport PORT ct helper set "NAME"} in a prerouting filter chain: the helper is looked
     * up for each new connection, as the rule does, and assigned when {@code ports} accepts its destination port.
     */
    public Registration assignHelper(String name, int proto, IntPredicate ports) {
        return rig.net().packets().registerHook(Family.INET, Hook.PRE_ROUTING, 0, p -> {
            if (p.ct != null && p.ctinfo == CtInfo.NEW && !p.ct.isConfirmed() && p.ct.protocol() == proto
                && ports.test(p.ct.dstPort(Direction.ORIGINAL))) {
                Helper h = rig.net().services().helper(name, p.family, proto);
                if (h != null) {
                    rig.net().services().assignHelper(p.ct, h);
                }
            }
            return Verdict.ACCEPT;
        }, "ct helper set \"" + name + "\" (test)");
    }

    /** {@code oifname "wan" masquerade}, with the NAT extension of the rig's plug-ins. */
    public Registration masquerade() {
        Nat nat = rig.net().services().extension(Nat.class);
        if (nat == null) {
            throw new IllegalStateException("no NAT extension: add one to the rig's plug-ins");
        }
        return nat.registerChain(Family.INET, Hook.POST_ROUTING, Priority.NAT_SRC,
            p -> p.out == wan ? nat.masquerade(p, NatRange.ports(-1, -1, 0), "masquerade") : Verdict.ACCEPT,
            "oifname \"wan\" masquerade (test)");
    }

    /** Is {@code addr} in the LAN's prefixes? */
    public static boolean onLan(String addr) {
        return addr.startsWith("198.51.100.") || addr.startsWith("2001:db8:1:");
    }

    /** The IP packet forwarded: in on the side of its source, out on the other. */
    public Rig.Result forward(byte[] ip) {
        return forward(Packets.packet(ip));
    }

    /** A loaded packet forwarded: in on the side of its source, out on the other. */
    public Rig.Result forward(Packet p) {
        return forward(p, fromLan(p));
    }

    /** Is the packet's source in the LAN's prefixes (198.51.100.0/24, 2001:db8:1::/64)? */
    public static boolean fromLan(Packet p) {
        if (p.family == Family.IPV4) {
            return p.u8(12) == 198 && p.u8(13) == 51 && p.u8(14) == 100;
        }
        return p.u16(8) == 0x2001 && p.u16(10) == 0x0db8 && p.u16(12) == 1 && p.u16(14) == 0;
    }

    /** A loaded packet forwarded from lan to wan, or from wan to lan: PRE_ROUTING, then POST_ROUTING. */
    public Rig.Result forward(Packet p, boolean fromLan) {
        p.in = fromLan ? lan : wan;
        p.out = fromLan ? wan : lan;
        return rig.pass(p, Hook.PRE_ROUTING, Hook.POST_ROUTING);
    }
}
