package org.conntrack4j.bench;

import java.util.List;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatRange;

/**
 * Workload C's router: a LAN side (10.0.0.1/24, clients behind it) and a WAN side (198.51.100.1/24, servers
 * beyond), optionally masquerading what leaves by the WAN side ({@code oifname "wan0" masquerade}).
 */
public final class Router implements AutoCloseable {
    public static final int LAN_ADDRESS = 0x0a00_0001;
    public static final int WAN_ADDRESS = 0xc633_6401;
    /** The server every TCP flow talks to: 203.0.113.10, port 80. */
    public static final int SERVER = 0xcb00_710a;
    public static final int SERVER_PORT = 80;
    public static final String NAT_MISSING = "skipped: NAT bundle not installed";

    public final NetDevice lan;
    public final NetDevice wan;
    private final Registration chain;

    private Router(NetDevice lan, NetDevice wan, Registration chain) {
        this.lan = lan;
        this.wan = wan;
        this.chain = chain;
    }

    /**
     * Makes the two interfaces; with {@code masquerade}, also the NAT rule on {@code net}. Returns null when masquerade
     * is asked for and the engine has no NAT ({@link #NAT_MISSING}).
     */
    public static Router attach(Conntrack net, boolean masquerade) {
        NetDevice lan = new NetDevice("lan0", 1, new byte[] {2, 0, 0, 0, 0, 1}, null, 1500,
            List.of(new NetDevice.IfAddr(Family.IPV4, 0, LAN_ADDRESS & 0xffffffffL, 24)));
        NetDevice wan = new NetDevice("wan0", 2, new byte[] {2, 0, 0, 0, 0, 2}, null, 1500,
            List.of(new NetDevice.IfAddr(Family.IPV4, 0, WAN_ADDRESS & 0xffffffffL, 24)));
        Registration chain = null;
        if (masquerade) {
            Nat nat = net.services().extension(Nat.class);
            if (nat == null) {
                return null;
            }
            NatRange any = NatRange.ports(-1, 0, 0);
            chain = nat.registerChain(Family.IPV4, Hook.POST_ROUTING, Priority.NAT_SRC,
                p -> p.out == wan ? nat.masquerade(p, any, "bench masquerade") : Verdict.ACCEPT, "bench masquerade");
        }
        return new Router(lan, wan, chain);
    }

    /** Is NAT available in this engine? */
    public static boolean hasNat(Conntrack net) {
        return net.services().extension(Nat.class) != null;
    }

    @Override
    public void close() {
        if (chain != null) {
            chain.close();
        }
    }
}
