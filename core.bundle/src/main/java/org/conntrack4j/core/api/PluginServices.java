package org.conntrack4j.core.api;

import java.util.List;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.L4Tracker;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What trackers, helpers and NAT ask of the engine besides the packet path: lookups, tuple work, helpers,
 * expectations, sequence adjustment and per-engine extensions. The kernel counterparts are named on each method.
 *
 * <p>Called from any thread, usually the packet's. Methods that take a connection act on the one given; a
 * plug-in calls them for the packet and connection it was handed. Locking: the rule of this package's
 * documentation.
 */
@ProviderType
public interface PluginServices {
    /** {@code expectRelated}: refused, an identical expectation exists for another master or class ({@code EALREADY}). */
    int EXPECT_EXISTS = -1;
    /** {@code expectRelated}: refused, it clashes with another expectation ({@code EBUSY}). */
    int EXPECT_CLASH = -2;
    /** {@code expectRelated}: refused, the expectation table is full ({@code EMFILE}). */
    int EXPECT_TABLE_FULL = -3;
    /**
     * {@code expectRelated}: refused, the master has no helper (any more) and the request no timeout of its own
     * ({@code ESHUTDOWN}).
     */
    int EXPECT_NO_HELPER = -4;

    /**
     * The confirmed connection with this tuple in either direction in {@code zone}, or null
     * ({@code nf_conntrack_find_get}). {@code zone} is a zone id, or a zone with directions as {@link Zone} packs it.
     */
    Connection find(Tuple tuple, int zone);

    /**
     * Is {@code replyTuple} used, in the zone of {@code ignored}, by a connection other than {@code ignored} or one of
     * the very same flow ({@code nf_nat_used_tuple})? For NAT's search of a unique tuple.
     */
    boolean tupleTaken(Tuple replyTuple, Connection ignored);

    /**
     * Reads the tuple of the IP header at {@code nhoff} in {@code pkt} (an embedded header in an ICMP error) with
     * the right tracker ({@code nf_ct_get_tuplepr}). Returns false if it cannot be read.
     */
    boolean tupleFromHeader(Packet pkt, int nhoff, int family, Tuple out);

    /** Fills {@code inverse} with the inverse of {@code orig} ({@code nf_ct_invert_tuple}); false if it has none. */
    boolean invertTuple(Tuple inverse, Tuple orig);

    /** The tracker serving {@code proto} for {@code family} now (a {@code GenericTracker} if none). */
    L4Tracker tracker(int family, int proto);

    /** Changes the reply tuple of an unconfirmed connection ({@code nf_conntrack_alter_reply}, for NAT). */
    void alterReply(Connection ct, Tuple newReply);

    /**
     * Gives the connection sequence adjustment if it has none ({@code nfct_seqadj_ext_add}: NAT does so when it
     * binds a helped connection) and returns it.
     */
    SeqAdj seqAdjInit(Connection ct);

    /**
     * Records a payload length change of {@code off} bytes in a segment at {@code seq} of the direction of
     * {@code ctinfo} ({@code nf_ct_seqadj_set}); sets {@code Status.SEQ_ADJUST}.
     */
    void seqAdjSet(Connection ct, int ctinfo, int seq, int off);

    /** The registered helper of that name for the family and protocol, or null. */
    Helper helper(String name, int family, int proto);

    /** Attaches a helper to a connection that is not confirmed yet (the rule {@code ct helper set}). */
    boolean assignHelper(Connection ct, Helper helper);

    /**
     * Inserts an expectation built from {@code request} ({@code nf_ct_expect_related}); the engine keeps its own
     * copy, so the request may be reused. Returns 0, or {@link #EXPECT_EXISTS}, {@link #EXPECT_CLASH},
     * {@link #EXPECT_TABLE_FULL}, {@link #EXPECT_NO_HELPER}.
     */
    int expectRelated(ExpectationRequest request);

    /**
     * Removes the live expectation that {@code request} inserted: the one of the same master with the same tuple
     * and mask ({@code nf_ct_unexpect_related}). Returns false if there is none (it matched or expired meanwhile).
     */
    boolean unexpectRelated(ExpectationRequest request);

    /**
     * The live expectations of {@code master} (a connection of this engine), newest first; a copy, empty if none.
     * For helpers that look after their own expectations (SIP: {@code nfct_help(ct)->expectations}).
     *
     * @since 2.1
     */
    List<Expectation> expectations(Connection master);

    /**
     * The live expectation that a new connection with the original tuple {@code tuple} in {@code zone} would match,
     * inactive ones included, or null ({@code __nf_ct_expect_find}).
     *
     * @since 2.1
     */
    Expectation findExpectation(Tuple tuple, int zone);

    /**
     * Re-arms the live expectation {@code exp} to expire {@code extraJiffies} from now and clears the flags
     * {@code clearFlags} ({@link Expectation#FLAG_INACTIVE}), without an event, as SIP's registration refresh does.
     * Returns false if it is no longer live or has expired.
     *
     * @since 2.1
     */
    boolean refreshExpectation(Expectation exp, long extraJiffies, int clearFlags);

    /**
     * How many live expectations of class {@code cls} {@code master} has ({@code help->expecting[cls]}).
     *
     * @since 2.1
     */
    int expecting(Connection master, int cls);

    /**
     * The timeout of {@code state} for {@code ct}, in jiffies ({@code nf_ct_timeout_lookup}): its timeout policy's
     * value for that state where it has a policy naming it, else the setting's value. Trackers read every state
     * timeout through this, so that policies apply. Allocates nothing.
     *
     * @since 2.1
     */
    long timeout(Connection ct, SettingKey state);

    /**
     * Gives a connection not yet confirmed the timeout policy it keeps for life ({@code nf_ct_timeout_ext_add}, the
     * rule {@code ct timeout set}); a later call replaces it. The current timeout is left as it is (the caller
     * refreshes it, as nftables does with the policy's first state). Returns false for a confirmed connection.
     *
     * @since 2.1
     */
    boolean setTimeoutPolicy(Connection ct, TimeoutPolicy policy);

    /**
     * Takes {@code policy} (that very object) from every connection in the table that keeps it
     * ({@code nf_ct_untimeout}, when the object that made it is deleted): their trackers use the settings from their
     * next packet on; their current timeouts stay. Returns how many connections had it.
     *
     * @since 2.1
     */
    int clearTimeoutPolicy(TimeoutPolicy policy);

    /**
     * {@code nf_ct_set_closing}: the stack answers a packet of {@code ct} with a reset of its own (a rule's
     * {@code reject with tcp reset}, before it sends the reset): the connection's tracker moves it to its closing
     * state ({@code L4Tracker.setClosing}; TCP: CLOSE, with CLOSE's timeout, and an UPDATE event when the reset
     * goes out). Nothing for an unconfirmed connection (its packet is dropped, it never shows) or null.
     *
     * @since 2.1
     */
    void setClosing(Connection ct);

    /**
     * {@code nf_connlabels_replace}: sets the connection's labels ({@link ConnLabels}) to
     * {@code (old & ~mask) ^ bits}, per word, and caches a {@link CtEvent#LABEL} event if they changed
     * ({@code ct label set N} passes the label's bit as both). Returns whether they changed.
     *
     * @since 2.1
     */
    boolean replaceLabels(Connection ct, long bitsLo, long bitsHi, long maskLo, long maskHi);

    /** The extension object of that type attached to this engine (NAT's {@code Nat}), or null. */
    <T> T extension(Class<T> type);

    /**
     * Makes {@code impl} this engine's {@code type} extension until the registration is closed. Closing waits out
     * packets that may still use it, and makes the connections not yet confirmed at that moment fail their
     * confirmation (counted {@code insert_failed}, the packet dropped), as every plug-in departure does: the
     * extension's own clean-up after the close then finds in the table every connection that can carry its state.
     * Throws IllegalStateException if the engine has one of that type already.
     */
    <T> Registration provideExtension(Class<T> type, T impl);
}
