package org.conntrack4j.core.api;

import java.util.List;
import java.util.function.Predicate;
import org.conntrack4j.core.spi.ConntrackListener;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The connection table and its expectations as administered: what ctnetlink offers and {@code conntrack -L},
 * {@code -G}, {@code -D}, {@code -U}, {@code -F}, {@code -L expect}, {@code -F expect} and {@code -E} print. Listings
 * are snapshots (immutable, safe to keep); {@link #connections} gives live handles for callers that must act on
 * connections (a weakly consistent view: entries inserted or removed meanwhile may or may not be seen).
 *
 * <p>Every method may be called from any thread, concurrently with the packet path; none holds a lock across a
 * walk of the table that the packet path would wait for. Events caused by these calls are delivered on the calling
 * thread with no engine lock held.
 *
 * <p>Since 2.1, {@link #create} inserts a connection from administration data ({@code conntrack -I}, the commit of a
 * state synchronisation); since 2.2 with NAT bindings, a helper, sequence adjustments and a master
 * ({@link NewConnection#withNat}, {@link NewConnection#withHelper}, {@link NewConnection#withSeqAdj},
 * {@link NewConnection#withMaster}).
 */
@ProviderType
public interface ConntrackTable {
    /** The number of confirmed connections. */
    int count();

    /** Snapshots of the live connections that pass {@code filter} (null: all), as {@code conntrack -L} prints them. */
    List<ConnectionSnapshot> list(Predicate<? super Connection> filter);

    /**
     * The connection with this tuple (original or reply direction) in {@code zone}, as {@code conntrack -G} prints
     * it, or null.
     */
    ConnectionSnapshot get(Tuple tuple, int zone);

    /** The live connections that pass {@code filter} (null: all); weakly consistent. */
    List<Connection> connections(Predicate<? super Connection> filter);

    /** A snapshot of one connection, as {@link #list} makes them. */
    ConnectionSnapshot snapshot(Connection ct);

    /**
     * Destroys the connections that pass {@code filter} (null: all), with DESTROY events, as {@code conntrack -D}
     * does; returns how many.
     */
    int delete(Predicate<? super Connection> filter);

    /**
     * Destroys the connections of zone id {@code zone} ({@link Connection#zone()}) that pass {@code filter} (null:
     * all of that zone), as {@link #delete(Predicate)} does; returns how many. Costs what the zone holds, not what
     * the table holds: an empty zone is flushed in microseconds whatever the table's size (OVS's
     * {@code ct-flush-zone}). A zone outside 0-65535 holds nothing.
     *
     * @since 2.1
     */
    int delete(int zone, Predicate<? super Connection> filter);

    /**
     * Inserts a confirmed connection described by {@code c}, as ctnetlink does for {@code conntrack -I}
     * ({@code ctnetlink_create_conntrack}): its tracker is the one serving its family and protocol now (the generic
     * tracker where none does); the reply tuple, when not given, is the tracker's inverse of the original; the
     * tracker takes the given state ({@code L4Tracker.setProtoInfo}) or starts from none; the timeout runs from the
     * insertion; status bits userspace may not set are ignored. With accounting or timestamps on
     * ({@code nf_conntrack_acct}, {@code nf_conntrack_timestamp}) the connection gets its counters, its start time
     * is the insertion. Counted as {@code insert} in the statistics; delivered to listeners as a NEW event whose
     * bits are those ctnetlink reports for a creation (NEW, REPLY, ASSURED, HELPER, PROTOINFO, SEQADJ, MARK,
     * SYNPROXY, and LABEL when it has labels).
     *
     * <p>Returns {@link NewConnection#CREATED}; {@link NewConnection#EXISTS} when a connection of the same zone has
     * the original or the reply tuple in either direction ({@code EEXIST}; not counted in the statistics, as Linux
     * 6.18 counts it nowhere); {@link NewConnection#INVALID} for what ctnetlink refuses as
     * invalid; since 2.2 {@link NewConnection#NOT_FOUND} for a master not in the table or a helper not registered;
     * {@link NewConnection#TABLE_FULL} when {@code nf_conntrack_max} is reached and early drop freed nothing.
     *
     * @since 2.1
     */
    int create(NewConnection c);

    /** Destroys every connection ({@code conntrack -F}); returns how many. */
    int flush();

    /**
     * Changes what {@code conntrack -U} may change of a confirmed connection ({@code ctnetlink_change_conntrack}):
     * the mark (under a mask), status bits (set only, and only those ctnetlink lets userspace set) and the timeout;
     * since 2.1 the labels ({@link ConnectionUpdate#withLabels}); and, since 2.1, takes its helper away ({@link ConnectionUpdate#withoutHelper}: its expectations are removed,
     * with their events, and the helper detached, as ctnetlink does for a helper of empty name). On success an
     * UPDATE event carries the bits ctnetlink reports for an update (REPLY, ASSURED, HELPER, LABEL, PROTOINFO,
     * SEQADJ, MARK, SYNPROXY). Returns {@link ConnectionUpdate#DONE}, {@link ConnectionUpdate#REFUSED} when the
     * change is one ctnetlink refuses ({@code EBUSY}: clearing SEEN_REPLY or ASSURED, touching EXPECTED, CONFIRMED
     * or DYING, taking the helper of a connection that has a master), nothing changed then; or
     * {@link ConnectionUpdate#GONE} when the connection is not in the table or dying.
     */
    int update(Connection ct, ConnectionUpdate update);

    /** Snapshots of the live expectations ({@code conntrack -L expect}). */
    List<ExpectationSnapshot> expectations();

    /**
     * Removes the expectations that pass {@code filter} (null: all), with expectation DESTROY events
     * ({@code conntrack -D expect}, {@code -F expect}); returns how many.
     */
    int deleteExpectations(Predicate<? super Expectation> filter);

    /**
     * Adds an event listener to this engine ({@code conntrack -E}). {@code sync}: deliver on the thread that caused
     * the event (the packet's), after it released every lock; otherwise from a thread of the listener's own
     * through a bounded queue (events that do not fit are counted as lost, as ctnetlink's ENOBUFS). Closing the
     * registration stops delivery; an asynchronous listener's thread ends. Listeners registered as
     * {@code ConntrackListener} services receive the live engine's events without calling this.
     */
    Registration addListener(ConntrackListener listener, boolean sync);

    /**
     * Adds an asynchronous event listener whose queue holds {@code capacity} events (at least 1), as a netlink
     * socket's receive buffer holds so many messages: events that find it full are dropped, counted
     * ({@link Stats#eventsLost}) and reported to the listener ({@code ConntrackListener.onOverflow}) before the next
     * event it gets, as ctnetlink's {@code ENOBUFS}. {@link #addListener(ConntrackListener, boolean)} with
     * {@code sync} false gives a queue of 65536.
     *
     * @since 2.1
     */
    Registration addListener(ConntrackListener listener, int capacity);

    /**
     * Runs the expiry work that is due ({@code gc_worker}): destroys connections and expectations whose time is up,
     * and under table pressure drops unassured connections, a bounded slice of the table at a time, and drops
     * incomplete datagrams whose reassembly time is up. The live engine runs this itself; the owner of a
     * {@code ManualClock} (a replay, a benchmark) calls it as its clock moves: a run whose time has come is then
     * done as of its scheduled time, so results do not depend on how often it is called. A call while another
     * thread is running the expiry returns at once.
     */
    void expire();
}
