package org.conntrack4j.core.api;

import java.util.function.BiConsumer;
import org.conntrack4j.core.spi.Helper;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A live expected connection ({@code struct nf_conntrack_expect}) as the engine keeps it, read-only: a tuple and a
 * mask that a future connection's original tuple must match, the master connection that announced it, and what to
 * do with the new connection when it comes (assign a helper, follow the master's NAT binding). Helpers ask for one
 * with an {@link ExpectationRequest}; the engine makes this object from it. A plug-in sees it in the
 * {@link #expectFn()} callback and in {@link ConntrackTable#deleteExpectations} filters.
 *
 * <p>The mask covers the source address and the source "u" field; the destination and the protocol must match
 * exactly, as in Linux.
 */
@ProviderType
public interface Expectation {
    /** The expectation lives on after a match (not used by FTP). */
    int FLAG_PERMANENT = 0x1;
    /** Not matched until activated. */
    int FLAG_INACTIVE = 0x2;
    /** Created from userspace (ctnetlink). */
    int FLAG_USERSPACE = 0x4;

    /** A copy of the expected tuple (direction original). */
    Tuple tuple();

    long maskSrcHi();

    long maskSrcLo();

    int maskSrcPort();

    /** Does a new connection's original tuple match this expectation ({@code nf_ct_tuple_mask_cmp})? */
    boolean matches(Tuple t);

    /** The connection that announced it. */
    Connection master();

    /** The expectation class (index into the helper's {@link Helper#expectPolicies()}). */
    int expectClass();

    int flags();

    /** The helper that created the expectation (the master's). */
    Helper helper();

    /** The helper to assign to the expected connection, or null. */
    Helper assignHelper();

    /** Called with the new connection when it matches (NAT: follow the master's binding), or null. */
    BiConsumer<Connection, Expectation> expectFn();

    /** NAT's saved address: where the expected connection really goes. */
    long savedAddrHi();

    long savedAddrLo();

    /** NAT's saved "u" value (port). */
    int savedProto();

    /** The direction NAT is to bind the expected connection in (set with the saved address). */
    int dir();

    /** The deadline in jiffies on the engine's clock. */
    long deadline();

    /** A number identifying the expectation for listings and events. */
    int id();

    /** Is it in the engine's expectation table still? */
    boolean isLive();
}
