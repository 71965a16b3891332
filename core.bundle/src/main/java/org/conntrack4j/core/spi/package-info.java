/**
 * What plug-in bundles implement and register as OSGi services (whiteboard), all {@code @ConsumerType}: L4 trackers
 * ({@link org.conntrack4j.core.spi.L4Tracker}), helpers ({@link org.conntrack4j.core.spi.Helper}), event listeners
 * ({@link org.conntrack4j.core.spi.ConntrackListener}), per-engine extensions
 * ({@link org.conntrack4j.core.spi.NetExtension}) and hook functions
 * ({@link org.conntrack4j.core.spi.HookFunction}, registered with an engine rather than as a service). The one
 * exception is {@link org.conntrack4j.core.spi.GenericTracker}, the core's own tracker of protocols without one,
 * recognised by type.
 *
 * <h2>Service properties</h2>
 * Each service type names its properties in constants and in a Declarative Services component property type,
 * so a component declares them in one annotation: {@link org.conntrack4j.core.spi.TrackerService}
 * ({@code conntrack.l4proto} Integer, {@code conntrack.l3proto} String[]),
 * {@link org.conntrack4j.core.spi.HelperService} ({@code conntrack.helper.name}),
 * {@link org.conntrack4j.core.spi.ListenerService} ({@code conntrack.listener.delivery}) and
 * {@link org.conntrack4j.core.spi.ExtensionService} ({@code conntrack.extension.name}). {@code service.ranking}
 * decides between two services for the same thing; ties go to the lower {@code service.id}.
 *
 * <h2>Threading</h2>
 * Plug-ins are shared by every engine instance and called from many threads at once; they keep per-engine data in
 * the engine and per-connection data in the connection. The engine calls them with none of its locks held (the
 * locking rule: {@code org.conntrack4j.core.api}).
 *
 * <h2>2.1</h2>
 * {@code L4Tracker.setClosing} ({@code set_closing} of {@code nf_conntrack_l4proto}): a tracker whose protocol can be
 * reset by the stack (TCP) moves the connection to its closing state; a default method, so trackers built on 2.0 need
 * no change.
 *
 * <h2>2.2</h2>
 * {@code L4Tracker.protoInfo} ({@code to_nlattr}): the tracker's state of a connection as plain data, which a state
 * synchronisation sends to its peer (TCP and SCTP implement it); a default method returning null.
 *
 * <h2>Departure</h2>
 * When a plug-in's service goes, the core cleans up behind it before the unregistration returns, after packets
 * still using it have finished: a tracker's connections are destroyed, a helper's expectations destroyed and its
 * connections detached from it, an extension detached from every engine (NAT destroys its bound connections), a
 * listener stops receiving. A connection whose first packet is between two hooks at that moment (created, not yet
 * confirmed) is not confirmed: its packet is dropped and counted {@code insert_failed}, as Linux does with its
 * extension generation, whatever plug-in left. Nothing of the plug-in stays reachable from the core; its settings
 * are no longer listed. Each interface says the details.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.2.0")
package org.conntrack4j.core.spi;
