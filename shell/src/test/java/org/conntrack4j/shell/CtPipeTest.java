package org.conntrack4j.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.proto.tcp.TcpTracker;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.GogoPipe;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The commands in a real Gogo runtime: what they print is their standard output, so a pipe hands it to the next
 * command ({@code ct:trackers | grep udp}) instead of it going to the console around the pipe.
 */
class CtPipeTest {
    private final GogoPipe gogo = new GogoPipe();
    private final Plugins plugins = new Plugins();
    private final Rig rig;

    CtPipeTest() {
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        plugins.addTracker(new TcpTracker(), IpProto.TCP);
        rig = new Rig(plugins, "default", org.conntrack4j.testkit.EventLog.AS_PRINTED);
        CtCommands ct = new CtCommands();
        ct.net = rig.net();
        ct.factory = plugins.factory();
        gogo.add("ct", ct, "trackers", "sysctl");
    }

    @AfterEach
    void close() {
        gogo.close();
        rig.close();
    }

    @Test
    void aPipeFiltersWhatACommandPrints() throws Exception {
        List<String> all = gogo.run("ct:trackers");
        assertTrue(all.size() > 2 && all.stream().anyMatch(l -> l.contains("udp")), all.toString());
        List<String> udp = gogo.run("ct:trackers | t:keep udp");
        assertEquals(all.stream().filter(l -> l.contains("udp")).map(l -> "kept: " + l).toList(), udp);
        assertEquals(List.of("kept: net.ipv4.ipfrag_time = 30"), gogo.run("ct:sysctl | t:keep ipfrag_time"));
    }
}
