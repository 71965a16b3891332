package org.conntrack4j.bench;

import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.Plugins;

/** Engines outside OSGi with the real UDP and TCP trackers, as the framework would make them (the test kit's). */
final class TestEngines {
    private TestEngines() {
    }

    static EngineSource withTrackers() {
        Plugins plugins = new Plugins();
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        ConntrackFactory factory = plugins.factory();
        return (name, clock, settings) -> factory.create(name, clock, settings, false);
    }
}
