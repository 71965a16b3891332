package org.conntrack4j.core.api;

import java.util.List;
import java.util.function.Predicate;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.HookFunction;
import org.conntrack4j.core.spi.L4Tracker;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One connection tracking engine instance: what Linux keeps per network namespace. It owns the hook chains,
 * the connection table, the expectations, settings, statistics and event listeners. The trackers, helpers
 * and extensions registered in the framework are shared by all instances; a replay creates its own
 * instance so that it neither sees nor disturbs the live one.
 *
 * <p>Every method may be called from any thread. The packet methods ({@link #runHook}, {@link #in},
 * {@link #confirm}) do not allocate for a packet of a known connection.
 */
@ProviderType
public interface Conntrack {
    /** A name for listings ({@code default}, {@code replay:udp}). */
    String name();

    Clock clock();

    /** The current time in jiffies ({@code clock().jiffies()}). */
    long now();

    Settings settings();

    Stats stats();

    // ---- hooks -----------------------------------------------------------------------------------------

    /**
     * Registers {@code fn} at {@code hook} for {@code family} ({@link Family#INET} registers it for IPv4 and
     * IPv6) with {@code priority}; lower priorities run first, equal ones in registration order. Returns the
     * handle that removes it; removal waits until no packet is running the function any more.
     */
    Registration registerHook(int family, int hook, int priority, HookFunction fn, String owner);

    /**
     * Runs the hook chain for {@code pkt.family} at {@code hook} ({@code nf_hook_slow}) and returns the
     * final verdict ({@link Verdict#ACCEPT} if every function accepted).
     */
    int runHook(int hook, Packet pkt);

    /** Describes the registered hook functions, for listings: {@code prerouting -200 conntrack_in (core)}. */
    List<String> describeHooks(int family);

    // ---- the conntrack hooks' work, for plug-ins that need it ------------------------------------------

    /** {@code nf_conntrack_in}: finds or creates the packet's connection; sets {@code pkt.ct} and ctinfo. */
    int in(Packet pkt);

    /** {@code nf_confirm}: runs the helper and sequence adjustment, confirms a new connection, delivers events. */
    int confirm(Packet pkt);

    /** Sets the connection's timeout to {@code extraJiffies} from now ({@code nf_ct_refresh}). */
    void refresh(Connection ct, long extraJiffies);

    /**
     * {@code nf_ct_refresh_acct}: counts {@code pkt} in the connection's accounting (with {@code nf_conntrack_acct}),
     * in the direction of its ctinfo, then refreshes as {@link #refresh(Connection, long)}. Trackers call this where
     * Linux's do: a packet is counted only when its tracker refreshes (or kills, {@link #kill(Connection, Packet)})
     * the connection with it, so ignored and invalid packets are not.
     *
     * @since 1.1
     */
    void refresh(Connection ct, Packet pkt, long extraJiffies);

    /** Destroys a connection now: DESTROY event, removal from the table ({@code nf_ct_kill}). */
    boolean kill(Connection ct);

    /**
     * {@code nf_ct_kill_acct}: counts {@code pkt} as {@link #refresh(Connection, Packet, long)} does, then kills.
     *
     * @since 1.1
     */
    boolean kill(Connection ct, Packet pkt);

    /** Records an event bit ({@link CtEvent}) to be delivered with the packet ({@code nf_conntrack_event_cache}). */
    void cacheEvent(Connection ct, int event);

    /** The confirmed connection with this tuple in either direction, or null ({@code nf_conntrack_find_get}). */
    Connection find(Tuple t);

    /** Is {@code replyTuple} used as a reply tuple by a connection other than {@code ignored}? (NAT) */
    boolean tupleTaken(Tuple replyTuple, Connection ignored);

    /**
     * Reads the tuple of the IP header at {@code nhoff} in {@code pkt} (an embedded header in an ICMP error)
     * with the right tracker ({@code nf_ct_get_tuplepr}). Returns false if it cannot be read.
     */
    boolean tupleFromHeader(Packet pkt, int nhoff, int family, Tuple out);

    /** Fills {@code inverse} with the inverse of {@code orig} ({@code nf_ct_invert_tuple}). */
    boolean invertTuple(Tuple inverse, Tuple orig);

    /** The tracker serving {@code proto} for {@code family} now (the generic one if none). */
    L4Tracker tracker(int family, int proto);

    /**
     * Notes why a packet is odd, as {@code nf_l4proto_log_invalid} does: sets {@code pkt.logReason} when
     * {@code nf_conntrack_log_invalid} asks for it. Counting invalid packets per reason is done by the
     * engine when the packet is found invalid.
     */
    void logInvalid(Packet pkt, int proto, String reason);

    /** Changes the reply tuple of an unconfirmed connection ({@code nf_conntrack_alter_reply}, for NAT). */
    void alterReply(Connection ct, Tuple newReply);

    /** Sets up sequence adjustment for a connection if needed ({@code nfct_seqadj_ext_add}); returns it. */
    SeqAdj seqAdjInit(Connection ct);

    /** Records a payload length change of {@code off} bytes in a segment at {@code seq} ({@code nf_ct_seqadj_set}). */
    void seqAdjSet(Connection ct, int ctinfo, int seq, int off);

    // ---- helpers and expectations ------------------------------------------------------------------------

    /** The registered helper of that name for the family and protocol, or null. */
    Helper helper(String name, int family, int proto);

    /** Attaches a helper to a connection that is not confirmed yet (the rule {@code ct helper set}). */
    boolean assignHelper(Connection ct, Helper helper);

    /** A new expectation for {@code master}, to fill with {@link Expectation#init} ({@code nf_ct_expect_alloc}). */
    Expectation allocExpectation(Connection master);

    /**
     * Inserts an expectation ({@code nf_ct_expect_related}): returns 0, or a negative code when refused: -1
     * an identical one exists for another master or class ({@code EALREADY}), -2 it clashes with another one
     * ({@code EBUSY}), -3 the expectation table is full ({@code EMFILE}), -4 the master has no helper
     * ({@code ESHUTDOWN}).
     */
    int expectRelated(Expectation exp);

    /** Removes an expectation ({@code nf_ct_unexpect_related}). */
    void unexpectRelated(Expectation exp);

    /** The live expectations. */
    List<ExpectationSnapshot> listExpectations();

    // ---- extensions (NAT) ----------------------------------------------------------------------------------

    /** The extension object of that type attached to this engine (NAT's service), or null. */
    <T> T extension(Class<T> type);

    /** Makes {@code impl} this engine's {@code type} extension until the registration is closed. */
    <T> Registration provideExtension(Class<T> type, T impl);

    // ---- table administration (ctnetlink, conntrack -L/-D/-F) -----------------------------------------------

    /** Number of confirmed connections. */
    int count();

    /** Snapshots of the live connections that pass {@code filter} (null: all), as {@code conntrack -L}. */
    List<ConnectionSnapshot> list(Predicate<Connection> filter);

    /** The live connections that pass {@code filter} (null: all); weakly consistent. */
    List<Connection> connections(Predicate<Connection> filter);

    /** A snapshot of one connection. */
    ConnectionSnapshot snapshot(Connection ct);

    /** Destroys the connections that pass {@code filter} (null: all), with DESTROY events; returns how many. */
    int flush(Predicate<Connection> filter);

    /** Destroys every expectation (of {@code helperName}, or all if null); returns how many. */
    int flushExpectations(String helperName);

    /**
     * Runs incremental expiry: destroys connections and expectations whose time is up, a bounded slice of
     * the table at a time ({@code gc_worker}). The engine calls it itself in live mode; a replay calls it
     * as its clock advances.
     */
    void expire();

    // ---- events --------------------------------------------------------------------------------------------

    /** Adds an event listener to this engine; {@code sync}: deliver on the packet's thread. */
    Registration addListener(ConntrackListener listener, boolean sync);

    // ---- devices ---------------------------------------------------------------------------------------------

    /** The device of that name, or null. */
    NetDevice device(String name);

    List<NetDevice> devices();

    /** Replaces the set of devices (the replay's topology). */
    void setDevices(List<NetDevice> devices);

    // ---- lifecycle -------------------------------------------------------------------------------------------

    /** Releases the engine: removes hooks and extensions, stops its threads. Connections are dropped silently. */
    void close();
}
