/**
 * The conntrack4j engine as its users and plug-ins see it. Constants keep Linux's names and numeric values
 * ({@link org.conntrack4j.core.api.CtInfo}, {@link org.conntrack4j.core.api.Status},
 * {@link org.conntrack4j.core.api.Verdict}, {@link org.conntrack4j.core.api.Hook},
 * {@link org.conntrack4j.core.api.Priority}, {@link org.conntrack4j.core.api.Family},
 * {@link org.conntrack4j.core.api.IpProto}, {@link org.conntrack4j.core.api.CtEvent}).
 *
 * <h2>Who implements what</h2>
 * <ul>
 * <li>The core provides ({@code @ProviderType}; a vendor only calls them, and the core may add methods in a minor
 * version): the engine {@link org.conntrack4j.core.api.Conntrack} and its roles
 * {@link org.conntrack4j.core.api.PacketPath}, {@link org.conntrack4j.core.api.ConntrackTable} and
 * {@link org.conntrack4j.core.api.PluginServices}; {@link org.conntrack4j.core.api.Connection},
 * {@link org.conntrack4j.core.api.Expectation}, {@link org.conntrack4j.core.api.SeqAdj},
 * {@link org.conntrack4j.core.api.Settings}, {@link org.conntrack4j.core.api.Stats} and the
 * {@link org.conntrack4j.core.api.ConntrackFactory} service. The live engine is the {@code Conntrack} service
 * with {@code conntrack.name=default}; replays and benchmarks make their own with the factory.</li>
 * <li>Plain data, made by anyone: {@link org.conntrack4j.core.api.Packet} and
 * {@link org.conntrack4j.core.api.Tuple} (mutable flyweights owned by one thread),
 * {@link org.conntrack4j.core.api.ExpectationRequest} (a helper's, until it is inserted), and the immutable
 * {@link org.conntrack4j.core.api.NetDevice}, {@link org.conntrack4j.core.api.SettingKey},
 * {@link org.conntrack4j.core.api.ConnectionUpdate}, {@link org.conntrack4j.core.api.ExpectPolicy}, snapshots
 * ({@link org.conntrack4j.core.api.ConnectionSnapshot}, {@link org.conntrack4j.core.api.ExpectationSnapshot}),
 * events ({@link org.conntrack4j.core.api.ConntrackEvent}, {@link org.conntrack4j.core.api.ExpectationEvent}) and
 * {@link org.conntrack4j.core.api.PluginInfo}. Their text, as conntrack-tools prints it, is in
 * {@code org.conntrack4j.core.text}.</li>
 * <li>A user may implement {@link org.conntrack4j.core.api.Clock} ({@code @ConsumerType}) to drive an engine
 * (see {@code org.conntrack4j.core.clock}).</li>
 * </ul>
 * What plug-ins implement is in {@code org.conntrack4j.core.spi}; NAT's interface in {@code org.conntrack4j.core.nat};
 * header helpers in {@code org.conntrack4j.core.inet}.
 *
 * <h2>Threading and locking</h2>
 * Every engine method may be called from any thread. The packet path ({@code PacketPath}) runs on the packet's
 * thread, many at once, and allocates nothing for a packet of a known connection. The locking rule for plug-ins:
 * when a plug-in calls the engine it may hold a connection's monitor ({@code synchronized (ct)}, Linux's
 * {@code ct->lock}) and its own locks, nothing else of the engine's; the engine never calls a plug-in, a filter or
 * a listener with one of its own locks held, and delivers events only once the packet's call into it returns. The
 * engine's full lock order is written in the core bundle's implementation package,
 * {@code org.conntrack4j.core.impl}.
 *
 * <h2>2.1: zones per direction, labels, timeout policies, rule-made expectations, a helper taken away</h2>
 * Additions only; what builds on 2.0 builds on 2.1.
 * <ul>
 * <li><b>Trackers read state timeouts with {@link org.conntrack4j.core.api.PluginServices#timeout}</b>
 * ({@code nf_ct_timeout_lookup}), not from the settings: {@code net.services().timeout(ct, MY_TIMEOUT_KEY)} gives the
 * jiffies of the connection's {@link org.conntrack4j.core.api.TimeoutPolicy} where it has one naming that state
 * (a {@code ct timeout} object), else the setting times HZ. A tracker that keeps reading the settings works, but
 * ignores policies. Name states by the setting key that holds their default, as the policy does.</li>
 * <li>Zones apply to one direction or both ({@link org.conntrack4j.core.api.Zone};
 * {@link org.conntrack4j.core.api.Connection#zoneId}); {@link org.conntrack4j.core.api.Packet#zone} carries a rule's
 * zone template.</li>
 * <li>Connection labels ({@link org.conntrack4j.core.api.ConnLabels},
 * {@link org.conntrack4j.core.api.PluginServices#replaceLabels}).</li>
 * <li>An {@link org.conntrack4j.core.api.ExpectationRequest} with its own timeout needs no helper (nftables' {@code ct
 * expectation} objects); {@link org.conntrack4j.core.api.PluginServices#expecting} counts a master's.</li>
 * <li>{@link org.conntrack4j.core.api.LocalOutput}: the stack's own output, an engine extension the router
 * provides, for plug-ins that originate packets (a rule's {@code reject}), and
 * {@link org.conntrack4j.core.api.PluginServices#setClosing} ({@code nf_ct_set_closing}) for the connection such a
 * reset ends, which asks its tracker ({@code L4Tracker.setClosing} of the SPI 2.1; TCP implements it).</li>
 * <li>{@link org.conntrack4j.core.api.ConnectionUpdate#withoutHelper}: a table update that takes a connection's helper
 * away, as ctnetlink does for a helper of empty name.</li>
 * <li>{@link org.conntrack4j.core.api.ConntrackTable#create}: a connection inserted from a description
 * ({@link org.conntrack4j.core.api.NewConnection}, the tracker's state as {@link org.conntrack4j.core.api.ProtoInfo}),
 * as ctnetlink's {@code conntrack -I}; the commit of a state synchronisation uses it too. Trackers take a given state
 * with {@code L4Tracker.setProtoInfo} (SPI 2.1, a default method that ignores it, as Linux does for a tracker without
 * {@code from_nlattr}; TCP implements it).</li>
 * </ul>
 *
 * <h2>2.2: what a state synchronisation commits</h2>
 * Additions only. {@link org.conntrack4j.core.api.NewConnection} also carries NAT bindings (set up by the engine's
 * NAT extension before insertion, as ctnetlink's {@code CTA_NAT_SRC}/{@code _DST}), a helper by name, sequence
 * adjustments and the master of a RELATED connection; {@link org.conntrack4j.core.api.ConntrackTable#create} answers
 * {@link org.conntrack4j.core.api.NewConnection#NOT_FOUND} when the master or the helper is missing.
 *
 * <h2>2.3: who dropped a packet</h2>
 * Additions only. {@link org.conntrack4j.core.api.Packet#verdictBy} names what ended a packet at a hook (a rule, a
 * chain's policy, else the hook function's owner), for a replay that explains each packet's fate.
 *
 * <h2>2.4: the flowtable</h2>
 * Additions only. {@link org.conntrack4j.core.api.FlowOffload}: Linux's flowtable as an engine extension the
 * forwarding path (the router) provides and nftables' {@code flow add} uses; a connection in it has
 * {@link org.conntrack4j.core.api.Status#OFFLOAD} set.
 *
 * <h2>2.5: a batch of packets</h2>
 * Additions only. {@link org.conntrack4j.core.api.PacketPath#inConfirm} runs {@code in} and {@code confirm} for a
 * batch of packets at once, for a dataplane that moves packets in batches.
 *
 * <h2>Departure</h2>
 * Handles stay valid as long as their engine: a connection handle of a destroyed connection answers but is no
 * longer in the table ({@link org.conntrack4j.core.api.Connection#isDying}). Every {@code Registration} undoes what
 * it registered and may be closed twice. When a plug-in leaves, the core cleans up behind it (see each SPI
 * interface); its settings leave the listings, while values set for them stay with each engine, by name.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.4.0")
package org.conntrack4j.core.api;
