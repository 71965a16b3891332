package org.conntrack4j.bench;

import org.conntrack4j.core.impl.EngineFactory;
import org.conntrack4j.core.impl.Registry;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.proto.udp.UdpTracker;

/** Engines outside OSGi with the real UDP and TCP trackers, as the framework would make them. */
final class TestEngines {
    private TestEngines() {
    }

    static EngineSource withTrackers() {
        Registry reg = new Registry();
        reg.addTracker(new UdpTracker(), 17, true, true, reg.localId(), 0, "proto.udp");
        reg.addTracker(new TcpTracker(), 6, true, true, reg.localId(), 0, "proto.tcp");
        return (name, clock, settings) -> EngineFactory.create(reg, name, clock, settings, false);
    }
}
