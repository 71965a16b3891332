/**
 * The engine's implementation; private to the core bundle.
 *
 * <h2>Locks: what each guards, and the one order they are taken in</h2>
 *
 * This is the only place the order is written; every other class refers here. Outermost first: a thread holding a
 * lock of one line may take the locks of later lines, never of earlier ones.
 *
 * <ol>
 * <li><b>A connection's monitor</b> ({@code synchronized (ct)} on the {@link org.conntrack4j.core.impl.ConnEntry},
 * Linux's {@code ct->lock}). Guards what trackers and helpers keep with the connection (TCP's window state, the FTP
 * helper's per-connection data) and the engine's lazy parts of it (its extension object, the helper and its data,
 * the creation of sequence adjustment). Plug-ins hold it around their own work; a helper holds it while it inserts
 * and removes expectations and mangles the packet (the kernel's helper lock before
 * {@code nf_conntrack_expect_lock}). Never held by the engine while it takes a lock of a later line.</li>
 * <li><b>The expectation table</b> ({@link org.conntrack4j.core.impl.ExpectTable}'s monitor, Linux's
 * {@code nf_conntrack_expect_lock}). Guards the expectation buckets, every master's list of expectations, the
 * count and the ids. Inside it nothing else is taken: a master's extension exists before it can have
 * expectations (it has a helper), so no connection monitor is needed; the helper's policy is read before the
 * lock.</li>
 * <li><b>The table's bucket stripes</b> ({@link org.conntrack4j.core.impl.ConnTable}, 1024 monitors, picked by the
 * tuple's hash). The stripe of a hash guards the insertion and removal of tuples of that hash: a tuple's presence,
 * and the slots it takes (claimed with a compare-and-set, since tuples of other stripes probe through the same
 * slots). Taken in ascending stripe order, at most the two of one connection's tuples (insertion, removal), or all of
 * them in order for a rebuild of the slot arrays (a resize, or the growth an insertion makes room with before it
 * takes its own two). Nothing is taken inside them but a zone list's monitor (a leaf, below).</li>
 * <li><b>Leaves</b>, each held only for its own short work, with nothing taken inside: the registry
 * ({@link org.conntrack4j.core.impl.Registry}: the plug-in lists and their publication, the generation that
 * unconfirmed connections are checked against; clean-up after a departure,
 * and extensions attaching and detaching, run after it is released); the hook chains
 * ({@link org.conntrack4j.core.impl.HookChains}, copy-on-write); a hook registration's own monitor, held while
 * it removes its entries and waits out the packets in the hook (it takes the hook chains' monitor, and the
 * read-section wait below); the engine's defragmentation user count ({@code defragLock}, which registers and
 * removes the defragmentation hooks, i.e. takes a registration's monitor); the settings (copy-on-write); the event
 * sink's listener array; the grace-period epoch and slot list ({@link org.conntrack4j.core.impl.Rcu}); each
 * defragmentation direction ({@link org.conntrack4j.core.impl.FragDir}); a connection's sequence adjustment
 * ({@link org.conntrack4j.core.impl.SeqAdjImpl}) and accounting counters; a zone's list of connections
 * ({@link org.conntrack4j.core.impl.ConnTable.ZoneList}, taken inside the stripes to link and unlink, alone to
 * list a zone).</li>
 * </ol>
 *
 * Plug-ins' own locks come after line 1 and are leaves towards the engine: NAT's chain lock ({@code NatEngine.lock},
 * never taken on the packet path) is released before it removes hooks; its by-source stripes take nothing inside.
 *
 * <h2>Rules that go with the order</h2>
 * <ul>
 * <li>No engine lock is held while the engine calls a plug-in (tracker, helper, hook function, NAT, extension
 * attach or detach) or a filter given to a listing or a delete.</li>
 * <li>Events and listener calls are delivered with no lock held. Changes made under the expectation table's
 * monitor are collected and their events delivered after it is released. On a packet's way through
 * {@code runHook}, {@code in} and {@code confirm} (a read section), events wait in the thread's slot and are
 * delivered, in the order they were raised, when the outermost section ends: by then every lock a hook function or
 * helper took has been released too.</li>
 * <li>Waiting out packets ({@link org.conntrack4j.core.impl.Rcu#synchronize}, the form of {@code synchronize_rcu})
 * is done with no lock of lines 1-3 held, so that a packet in its read section, which may need them, can always
 * finish.</li>
 * <li>Expiry ({@link org.conntrack4j.core.impl.Collector}, which replaces the old {@code gcLock}) holds no lock across
 * its walk; one thread runs it at a time, admitted by a compare-and-set nobody waits on. A new connection finding
 * the table full only sets the collector's early-drop flag: the packet path never waits for a scan.</li>
 * <li>Readers of the table, the hook chains, the tracker dispatch and the settings take no lock at all.</li>
 * </ul>
 *
 * {@code LockOrderTest} runs every kind of lock user of this list at once and fails on a deadlock or on a listener
 * called with a lock held.
 */
package org.conntrack4j.core.impl;
