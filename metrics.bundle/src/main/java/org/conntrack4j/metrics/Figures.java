package org.conntrack4j.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.PluginInfo;
import org.conntrack4j.core.api.Stats;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.dataplane.api.LiveRouterStats;
import org.conntrack4j.io.DeviceStats;
import org.conntrack4j.metrics.Family.Type;
import org.conntrack4j.sync.api.SyncControl;

/**
 * Reads the figures of a running instance from the same sources as the commands that print them, and names them as
 * Prometheus does ({@code conntrack4j_} prefix, {@code _total} for counters, labels for what varies):
 * <ul>
 * <li>the live engine ({@code ct:stats}, {@code ct:stats invalid}, {@code ct:count}): table and expectation sizes and
 * maxima, every {@code conntrack -S} counter, invalid packets per reason, events lost;</li>
 * <li>connections per tracker and per helper, expectations per helper: a walk of the table per collection, which
 * allocates nothing per connection (its cost grows with the table);</li>
 * <li>the live router, while one runs ({@code router:stats}): its counters, and each interface's device
 * counters;</li>
 * <li>the sync node, while one runs ({@code sync:stats}).</li>
 * </ul>
 */
final class Figures {
    static final String PREFIX = "conntrack4j_";

    private Figures() {
    }

    /**
     * Collects every figure: {@code net} the live engine; {@code trackers} the registered trackers
     * ({@code ConntrackFactory.trackers()}); {@code routers} the running live routers; {@code sync} the sync node or
     * null.
     */
    static List<Family> collect(Conntrack net, List<PluginInfo> trackers, List<LiveRouterStats> routers,
        SyncControl sync) {
        List<Family> out = new ArrayList<>();
        engine(out, net);
        perPlugin(out, net, trackers);
        for (LiveRouterStats r : routers) {
            router(out, r);
        }
        if (sync != null) {
            sync(out, sync.counters());
        }
        return merged(out);
    }

    /** One family per name (two routers give the same names), in the order of first appearance. */
    static List<Family> merged(List<Family> families) {
        Map<String, Family> byName = new java.util.LinkedHashMap<>();
        for (Family f : families) {
            Family first = byName.putIfAbsent(f.name, f);
            if (first != null) {
                f.samples().forEach(s -> first.add(s));
            }
        }
        return new ArrayList<>(byName.values());
    }

    private static void engine(List<Family> out, Conntrack net) {
        Stats s = net.stats();
        out.add(new Family(PREFIX + "connections", Type.GAUGE, "connections in the table (nf_conntrack_count)")
            .add(s.count()));
        out.add(new Family(PREFIX + "connections_max", Type.GAUGE,
            "the table's maximum (nf_conntrack_max; 0: no limit)").add(net.settings().get(CoreSettings.MAX)));
        out.add(new Family(PREFIX + "expectations", Type.GAUGE, "expectations (conntrack -L expect)")
            .add(s.expectCount()));
        out.add(new Family(PREFIX + "expectations_max", Type.GAUGE, "the expectations' maximum "
            + "(nf_conntrack_expect_max)").add(net.settings().get(CoreSettings.EXPECT_MAX)));
        for (Map.Entry<String, Long> e : s.counters().entrySet()) {
            out.add(new Family(PREFIX + "stat_" + e.getKey() + "_total", Type.COUNTER,
                "conntrack -S " + e.getKey() + ", summed over threads").add(e.getValue()));
        }
        Family invalid = new Family(PREFIX + "invalid_packets_total", Type.COUNTER,
            "invalid packets by reason (ct:stats invalid)");
        for (Map.Entry<String, Long> e : new TreeMap<>(s.invalidByReason()).entrySet()) {
            invalid.add(e.getValue(), "reason", e.getKey());
        }
        out.add(invalid);
        out.add(new Family(PREFIX + "events_lost_total", Type.COUNTER,
            "events dropped because a listener's queue was full (ENOBUFS)").add(s.eventsLost()));
        for (Map.Entry<String, Long> e : new TreeMap<>(s.defrag()).entrySet()) {
            // nstat's names (IpReasmOKs, Ip6FragQueues...); the queues and their memory are gauges
            String k = e.getKey();
            boolean memory = k.endsWith("FragMemory");
            boolean gauge = memory || k.endsWith("FragQueues");
            out.add(new Family(PREFIX + "defrag_" + snake(k) + (memory ? "_bytes" : gauge ? "" : "_total"),
                gauge ? Type.GAUGE : Type.COUNTER, "defragmentation before conntrack, nstat's " + k)
                .add(e.getValue()));
        }
    }

    /** {@code IpReasmOKs} as {@code ip_reasm_oks}: a word starts at a capital after a small letter or a digit. */
    static String snake(String camel) {
        StringBuilder sb = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (i > 0 && Character.isUpperCase(c) && !Character.isUpperCase(camel.charAt(i - 1))) {
                sb.append('_');
            }
            sb.append(Character.toLowerCase(c));
        }
        return sb.toString();
    }

    /** Connections per tracker and per helper, expectations per helper. */
    private static void perPlugin(List<Family> out, Conntrack net, List<PluginInfo> trackers) {
        String[] trackerOf = new String[256];
        for (PluginInfo t : trackers) {
            if (t.active() && t.protocol() >= 0 && t.protocol() < 256) {
                trackerOf[t.protocol()] = t.name();
            }
        }
        long[] byProtocol = new long[256];
        Map<String, long[]> byHelper = new TreeMap<>();
        // counts as it walks; the predicate keeps nothing, so the list it returns stays empty
        net.table().connections(c -> {
            byProtocol[c.protocol() & 0xff]++;
            Helper h = c.helper();
            if (h != null) {
                byHelper.computeIfAbsent(h.name(), k -> new long[1])[0]++;
            }
            return false;
        });
        Map<String, Long> byTracker = new TreeMap<>();
        for (int p = 0; p < 256; p++) {
            if (byProtocol[p] != 0) {
                byTracker.merge(trackerOf[p] != null ? trackerOf[p] : "generic", byProtocol[p], Long::sum);
            }
        }
        Family perTracker = new Family(PREFIX + "tracker_connections", Type.GAUGE,
            "connections in the table by the tracker that serves their protocol (ct:trackers)");
        byTracker.forEach((name, n) -> perTracker.add(n, "tracker", name));
        out.add(perTracker);
        Family perHelper = new Family(PREFIX + "helper_connections", Type.GAUGE,
            "connections in the table with a helper, by helper");
        byHelper.forEach((name, n) -> perHelper.add(n[0], "helper", name));
        out.add(perHelper);
        Map<String, Long> expByHelper = new TreeMap<>();
        for (ExpectationSnapshot e : net.table().expectations()) {
            expByHelper.merge(e.helper() == null ? "" : e.helper(), 1L, Long::sum);
        }
        Family exp = new Family(PREFIX + "helper_expectations", Type.GAUGE, "expectations by helper (empty: none)");
        expByHelper.forEach((name, n) -> exp.add(n, "helper", name));
        out.add(exp);
    }

    /** The router's counters ({@code router:stats}), labelled with its instance, and each interface's. */
    private static void router(List<Family> out, LiveRouterStats r) {
        String instance = r.instance();
        for (Map.Entry<String, Long> e : r.counters().entrySet()) {
            // the neighbour table's size is the one current value among them
            boolean gauge = e.getKey().equals("neigh_entries");
            out.add(new Family(PREFIX + "router_" + e.getKey() + (gauge ? "" : "_total"),
                gauge ? Type.GAUGE : Type.COUNTER, "router:stats " + e.getKey()).add(e.getValue(), "instance",
                    instance));
        }
        Map<String, DeviceStats> devices = r.devices();
        device(out, devices, instance, "rx_frames", "frames received", DeviceStats::rxFrames);
        device(out, devices, instance, "rx_bytes", "bytes received", DeviceStats::rxBytes);
        device(out, devices, instance, "rx_kernel_drops", "frames the kernel dropped, the receive ring full",
            DeviceStats::rxKernelDrops);
        device(out, devices, instance, "rx_segmented", "offloaded frames cut into segments",
            DeviceStats::rxSegmented);
        device(out, devices, instance, "rx_gso", "super-frames received whole", DeviceStats::rxGso);
        device(out, devices, instance, "rx_checksummed", "frames whose partial checksum was completed",
            DeviceStats::rxChecksummed);
        device(out, devices, instance, "rx_invalid", "frames dropped as undeliverable (truncated, bad offload, "
            + "over the MTU)", DeviceStats::rxInvalid);
        device(out, devices, instance, "tx_frames", "frames sent", DeviceStats::txFrames);
        device(out, devices, instance, "tx_gso", "super-frames sent whole, for the kernel to segment",
            DeviceStats::txGso);
        device(out, devices, instance, "tx_bytes", "bytes sent", DeviceStats::txBytes);
        device(out, devices, instance, "tx_ring_full", "frames dropped, the transmit ring full",
            DeviceStats::txRingFull);
        device(out, devices, instance, "tx_dropped", "frames dropped on sending (too large, too short, link down)",
            DeviceStats::txDropped);
        device(out, devices, instance, "errors", "system call and socket errors", DeviceStats::errors);
    }

    private static void device(List<Family> out, Map<String, DeviceStats> devices, String instance, String name,
        String help, java.util.function.ToLongFunction<DeviceStats> field) {
        Family f = new Family(PREFIX + "interface_" + name + "_total", Type.COUNTER,
            help + " on the interface's device, since it was opened (router:stats IFACE." + name + ")");
        devices.forEach((iface, s) -> f.add(field.applyAsLong(s), "instance", instance, "interface", iface));
        out.add(f);
    }

    /** The sync node's counters ({@code SyncControl.counters()}); sizes ({@code *_active}) as gauges. */
    static void sync(List<Family> out, Map<String, Long> counters) {
        for (Map.Entry<String, Long> e : counters.entrySet()) {
            boolean gauge = e.getKey().endsWith("_active");
            out.add(new Family(PREFIX + "sync_" + e.getKey() + (gauge ? "" : "_total"),
                gauge ? Type.GAUGE : Type.COUNTER, "sync:stats " + e.getKey()).add(e.getValue()));
        }
    }
}
