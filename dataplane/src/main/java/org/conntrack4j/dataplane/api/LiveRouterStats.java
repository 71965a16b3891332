package org.conntrack4j.dataplane.api;

import java.util.Map;
import org.conntrack4j.io.DeviceStats;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The counters of the live router while it forwards: registered as a service when the router is ready (service
 * property {@value #INSTANCE}: its instance name) and unregistered when it stops, so a consumer never reads a router
 * that is gone. The same figures as {@code router:stats}, read from the same sources. Any thread; each call reads the
 * counters afresh (a forwarding thread's own counts may lag a little).
 */
@ProviderType
public interface LiveRouterStats {
    /** Service property: the router's instance name ({@code router --instance}). */
    String INSTANCE = "router.instance";
    /**
     * Service property, when given: where the instance's metrics endpoint is to listen while this router runs
     * ({@code router --metrics}, the router configuration's {@code metrics}): {@code ADDRESS:PORT}, {@code PORT},
     * {@code [IPV6]:PORT} or {@code off}.
     */
    String METRICS = "router.metrics";

    /** The instance name ({@code default} unless configured). */
    String instance();

    /**
     * The router's counters ({@code Router.counters()}: frames received and what became of them, frames sent, ARP and
     * neighbour discovery; {@code neigh_entries} is the neighbour table's size, every other value counts since the
     * router started), then {@code reopened}: how often a device was opened again.
     */
    Map<String, Long> counters();

    /**
     * Each interface's device counters by interface name (what rules match with {@code iifname}), in the
     * configuration's order, counted since the device was opened; an interface whose device is being opened again is
     * left out until it is back.
     */
    Map<String, DeviceStats> devices();
}
