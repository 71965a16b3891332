package org.conntrack4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.dataplane.api.LiveRouterStats;
import org.conntrack4j.io.DeviceStats;
import org.conntrack4j.proto.udp.UdpTracker;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What is collected, under which names, from an engine, a router and a sync node. */
class FiguresTest {
    private final Plugins plugins = new Plugins();
    private final Rig rig;

    FiguresTest() {
        plugins.addTracker(new UdpTracker(), IpProto.UDP);
        rig = new Rig(plugins);
    }

    @AfterEach
    void close() {
        rig.close();
    }

    /** Every sample as {@code series value}. */
    static Map<String, Long> samples(List<Family> families) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Family f : families) {
            for (Family.Sample s : f.samples()) {
                m.put(f.series(s), s.value());
            }
        }
        return m;
    }

    private Map<String, Long> collect(List<LiveRouterStats> routers) {
        return samples(Figures.collect(rig.net(), plugins.factory().trackers(), routers, null));
    }

    @Test
    void defragmentationCountersAreThereAsNstatNamesThem() {
        rig.defrag();
        assertEquals(0, collect(List.of()).get("conntrack4j_defrag_ip_reasm_reqds_total"));
        rig.forward(Packets.ip("198.51.100.10", "203.0.113.10").id(7).fragment(0x2000)
            .payload(IpProto.UDP, Packets.udp(40000, 53, new byte[64])).build());
        Map<String, Long> m = collect(List.of());
        assertEquals(1, m.get("conntrack4j_defrag_ip_reasm_reqds_total"), m.toString());
        assertEquals(1, m.get("conntrack4j_defrag_ip_frag_queues"), "a gauge: the datagram waits for its rest");
        assertTrue(m.get("conntrack4j_defrag_ip_frag_memory_bytes") > 0);
        assertEquals(0, m.get("conntrack4j_defrag_ip6_reasm_oks_total"));
        assertEquals("ip_reasm_oks", Figures.snake("IpReasmOKs"));
        assertEquals("ip6_frag_over_limit", Figures.snake("Ip6FragOverLimit"));
    }

    @Test
    void theEngineFiguresMoveWithTraffic() {
        Map<String, Long> before = collect(List.of());
        assertEquals(0, before.get("conntrack4j_connections"));
        assertEquals(262144, before.get("conntrack4j_connections_max"));
        assertEquals(0, before.get("conntrack4j_stat_found_total"));
        assertNull(before.get("conntrack4j_tracker_connections{tracker=\"udp\"}"));

        rig.forward(Packets.udp("198.51.100.10", 40000, "203.0.113.10", 53, Packets.ascii("q")));
        rig.forward(Packets.udp("198.51.100.10", 40000, "203.0.113.10", 53, Packets.ascii("q")));
        rig.forward(Packets.udp("198.51.100.10", 40001, "203.0.113.10", 53, Packets.ascii("q")));
        rig.forward(Packets.ip("198.51.100.10", "203.0.113.10").payload(IpProto.UDP,
            new byte[] {(byte) 0x9c, 0x40, 0, 53, 0, 7}).build());
        rig.forward(Packets.ip("198.51.100.10", "203.0.113.10").payload(IpProto.GRE, new byte[8]).build());

        Map<String, Long> after = collect(List.of());
        assertEquals(3, after.get("conntrack4j_connections"));
        assertEquals(1, after.get("conntrack4j_stat_invalid_total"));
        assertEquals(1, after.get("conntrack4j_invalid_packets_total{reason=\"short packet\"}"));
        assertEquals(2, after.get("conntrack4j_tracker_connections{tracker=\"udp\"}"));
        assertEquals(1, after.get("conntrack4j_tracker_connections{tracker=\"generic\"}"), "GRE has no tracker here");
        assertEquals(4096, after.get("conntrack4j_expectations_max"));
        for (Map.Entry<String, Long> e : rig.net().stats().counters().entrySet()) {
            assertEquals(e.getValue(), after.get("conntrack4j_stat_" + e.getKey() + "_total"), e.getKey());
        }
    }

    @Test
    void aRouterGivesItsCountersAndEachInterfacesLabelledWithItsInstance() {
        LiveRouterStats r = new LiveRouterStats() {
            @Override
            public String instance() {
                return "edge";
            }

            @Override
            public Map<String, Long> counters() {
                return Map.of("forwarded", 12L, "neigh_entries", 2L);
            }

            @Override
            public Map<String, DeviceStats> devices() {
                return Map.of("lan", new DeviceStats(5, 500, 1, 0, 0, 0, 4, 400, 0, 2, 0));
            }
        };
        Map<String, Long> m = collect(List.of(r));
        assertEquals(12, m.get("conntrack4j_router_forwarded_total{instance=\"edge\"}"));
        assertEquals(2, m.get("conntrack4j_router_neigh_entries{instance=\"edge\"}"), "a size: a gauge, no _total");
        assertEquals(5, m.get("conntrack4j_interface_rx_frames_total{instance=\"edge\",interface=\"lan\"}"));
        assertEquals(1, m.get("conntrack4j_interface_rx_kernel_drops_total{instance=\"edge\",interface=\"lan\"}"));
        assertEquals(2, m.get("conntrack4j_interface_tx_dropped_total{instance=\"edge\",interface=\"lan\"}"));
        assertEquals(400, m.get("conntrack4j_interface_tx_bytes_total{instance=\"edge\",interface=\"lan\"}"));
        String text = Exposition.text(Figures.collect(rig.net(), List.of(), List.of(r), null));
        assertTrue(text.contains("# TYPE conntrack4j_router_neigh_entries gauge\n"), text);
        assertTrue(text.contains("# TYPE conntrack4j_router_forwarded_total counter\n"), text);
    }

    @Test
    void syncSizesAreGaugesAndTheRestCounters() {
        List<Family> out = new java.util.ArrayList<>();
        Figures.sync(out, Map.of("internal_active", 3L, "link_messages_sent", 9L));
        Map<String, String> types = out.stream().collect(Collectors.toMap(f -> f.name, f -> f.type.text()));
        assertEquals(Map.of("conntrack4j_sync_internal_active", "gauge", "conntrack4j_sync_link_messages_sent_total",
            "counter"), types);
    }
}
