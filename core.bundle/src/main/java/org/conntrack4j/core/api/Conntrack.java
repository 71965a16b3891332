package org.conntrack4j.core.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One connection tracking engine instance: what Linux keeps per network namespace. It owns the hook chains, the
 * connection table, the expectations, settings, statistics and event listeners; the trackers, helpers and
 * extensions registered in the framework are shared by all instances. A replay or a benchmark creates its own
 * instance ({@link ConntrackFactory#create}) so that it neither sees nor disturbs the live one, which the core
 * bundle registers as a {@code Conntrack} service (property {@code conntrack.name=default}).
 *
 * <p>The engine's work is split by who needs it:
 * <ul>
 * <li>{@link #packets()}: the packet path ({@link PacketPath}): hooks, {@code nf_conntrack_in}, {@code nf_confirm},
 * refresh and kill, for whoever moves packets (a router, a dataplane) and for the hook functions and trackers on
 * the way;</li>
 * <li>{@link #table()}: the table and its expectations as administered ({@link ConntrackTable}): what ctnetlink
 * and {@code conntrack -L -D -U -F -E} do;</li>
 * <li>{@link #services()}: what trackers, helpers and NAT call ({@link PluginServices}): lookups, tuple work,
 * helpers, expectations and per-engine extensions.</li>
 * </ul>
 * The three may be the same object; hold on to the role you need rather than casting one to another.
 *
 * <p>Every method may be called from any thread. An engine knows nothing of network devices beyond what a packet
 * carries ({@link Packet#in}, {@link Packet#out}); the topology belongs to whoever moves the packets.
 */
@ProviderType
public interface Conntrack {
    /** A name for listings ({@code default}, {@code replay:udp}). */
    String name();

    /** The engine's one source of time. */
    Clock clock();

    /** The current time in jiffies ({@code clock().jiffies()}). */
    long now();

    /** This engine's setting values (sysctls). */
    Settings settings();

    /** This engine's counters ({@code conntrack -S}). */
    Stats stats();

    /** The packet path. */
    PacketPath packets();

    /** The table and expectations as administered. */
    ConntrackTable table();

    /** What trackers, helpers and NAT call. */
    PluginServices services();

    /**
     * Releases the engine: event listeners first, then extensions (NAT) and hooks; the live engine's expiry stops.
     * Connections are dropped silently (no DESTROY events). Engines made by the factory are closed by their owner;
     * the live engine is closed by the core bundle when it stops.
     */
    void close();
}
