package org.conntrack4j.jmh;

import org.conntrack4j.bench.EngineSource;
import org.conntrack4j.core.impl.EngineFactory;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.core.spi.NetExtension;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.proto.udp.UdpTracker;

/**
 * Engines built directly, outside OSGi: a registry with the UDP and TCP trackers and, if the NAT bundle's
 * classes are on the class path, NAT (found by name: NAT is optional and not a dependency).
 */
final class Engines {
    static final String NAT_COMPONENT = "org.conntrack4j.nat.NatComponent";

    private Engines() {
    }

    /** Engines with the UDP and TCP trackers. */
    static EngineSource trackers() {
        return source(null);
    }

    /** Engines with the trackers and NAT, or null when the NAT bundle is not on the class path. */
    static EngineSource withNat() {
        NetExtension nat = loadNat();
        return nat == null ? null : source(nat);
    }

    private static EngineSource source(NetExtension nat) {
        Registry reg = new Registry();
        reg.addTracker(new UdpTracker(), 17, true, true, reg.localId(), 0, "org.conntrack4j.proto.udp");
        reg.addTracker(new TcpTracker(), 6, true, true, reg.localId(), 0, "org.conntrack4j.proto.tcp");
        if (nat != null) {
            reg.addExtension(nat, "nat", reg.localId(), 0, "org.conntrack4j.nat");
        }
        return (name, clock, settings) -> EngineFactory.create(reg, name, clock, settings, false);
    }

    static NetExtension loadNat() {
        try {
            return (NetExtension) Class.forName(NAT_COMPONENT).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
            return null;
        }
    }
}
