package org.conntrack4j.core.api;

import java.util.List;
import org.conntrack4j.core.spi.HookFunction;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The engine's packet path: the hook chains and the conntrack work on them. A router (or a test) runs packets
 * through {@link #runHook}; hook functions, trackers and helpers call the rest for the packet and connection they
 * were given.
 *
 * <p>The methods run on the packet's thread and may be called from many threads at once; none allocates for a
 * packet of a known connection. Connection and expectation events raised while a packet runs through
 * {@link #runHook}, {@link #in} or {@link #confirm} are delivered to synchronous listeners when that call returns,
 * on the same thread and in the order they were raised, with no engine lock and no lock a hook function took
 * inside the call held.
 */
@ProviderType
public interface PacketPath {
    /**
     * Registers {@code fn} at {@code hook} for {@code family} ({@link Family#INET} registers it for IPv4 and IPv6)
     * with {@code priority}; lower priorities run first, equal ones in registration order. Returns the handle that
     * removes it; removal waits until no packet is running the function any more.
     */
    Registration registerHook(int family, int hook, int priority, HookFunction fn, String owner);

    /**
     * Runs the hook chain for {@code pkt.family} at {@code hook} ({@code nf_hook_slow}) and returns the final
     * verdict ({@link Verdict#ACCEPT} if every function accepted). A function that throws drops the packet (counted,
     * logged); nothing escapes to the caller.
     */
    int runHook(int hook, Packet pkt);

    /** The registered hook functions, for listings: {@code prerouting -200 conntrack_in (core)}. */
    List<String> describeHooks(int family);

    /** {@code nf_conntrack_in}: finds or creates the packet's connection; sets {@code pkt.ct} and ctinfo. */
    int in(Packet pkt);

    /** {@code nf_confirm}: runs the helper and sequence adjustment, confirms a new connection, delivers events. */
    int confirm(Packet pkt);

    /**
     * {@link #in} then, for a packet it accepted, {@link #confirm}, for each packet of {@code pkts[off, off + n)},
     * its verdict in {@code verdicts} at the same index: what the two hooks a packet passes on its way through the
     * host do, for a batch at once, as Open vSwitch's {@code conntrack_execute} with commit does. A packet
     * {@code in} did not accept is not confirmed, and a new connection of a dropped packet dies with it, as under
     * {@link #runHook}. Same result as the calls one packet at a time, at less cost per packet (one grace-period
     * read section for the batch); the events the batch raises are delivered when the call returns, in the order
     * they were raised.
     *
     * @since 2.5
     */
    void inConfirm(Packet[] pkts, int off, int n, int[] verdicts);

    /** Sets the connection's timeout to {@code extraJiffies} from now ({@code nf_ct_refresh}). */
    void refresh(Connection ct, long extraJiffies);

    /**
     * {@code nf_ct_refresh_acct}: counts {@code pkt} in the connection's accounting (with {@code nf_conntrack_acct}),
     * in the direction of its ctinfo, then refreshes as {@link #refresh(Connection, long)}. Trackers call this where
     * Linux's do: a packet is counted only when its tracker refreshes (or kills, {@link #kill(Connection, Packet)})
     * the connection with it, so ignored and invalid packets are not.
     */
    void refresh(Connection ct, Packet pkt, long extraJiffies);

    /**
     * Destroys a connection now ({@code nf_ct_kill}): DESTROY event, removal from the table, its expectations
     * removed. Returns false if it was already dying. Call it without holding the connection's monitor, as Linux's
     * trackers drop {@code ct->lock} first.
     */
    boolean kill(Connection ct);

    /** {@code nf_ct_kill_acct}: counts {@code pkt} as {@link #refresh(Connection, Packet, long)} does, then kills. */
    boolean kill(Connection ct, Packet pkt);

    /** Records an event bit ({@link CtEvent}) to be delivered with the packet ({@code nf_conntrack_event_cache}). */
    void cacheEvent(Connection ct, int event);

    /**
     * Notes why a packet is odd, as {@code nf_l4proto_log_invalid} does: sets {@code pkt.reason}, and
     * {@code pkt.logReason} when {@code nf_conntrack_log_invalid} asks for it. Counting invalid packets per reason
     * is done by the engine when the packet is found invalid.
     */
    void logInvalid(Packet pkt, int proto, String reason);
}
