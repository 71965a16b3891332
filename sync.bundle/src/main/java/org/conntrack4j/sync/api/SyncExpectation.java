package org.conntrack4j.sync.api;

import java.util.Objects;

/**
 * An expectation as conntrackd replicates it ({@code exp2msg} / {@code msg2exp}). Ports of the master,
 * expected, mask and NAT tuples travel for the master's protocol when it is TCP, UDP, SCTP or DCCP
 * ({@link #hasPorts()}). A {@code null} field was not set and is not on the wire.
 *
 * @param master the master connection's original tuple
 * @param expected the tuple a new connection must match
 * @param mask the mask of {@code expected} (address and port masks; its protonum as Linux gives it)
 * @param timeout seconds left (u32) or null (also when CommitTimeout is set)
 * @param flags {@code NF_CT_EXPECT_*} flags (u32, always on the wire)
 * @param expectClass the helper's expectation class, or null
 * @param nat the NAT tuple of the expected connection (only an IPv4 address travels), or null
 * @param natDir the direction of {@code nat} (0 original, 1 reply); on the wire whenever {@code nat} is
 * @param helper the helper's name, or null
 * @param function the expectation function's name (for example {@code nat-follow-master}), or null
 */
public record SyncExpectation(SyncTuple master, SyncTuple expected, SyncTuple mask, Long timeout, long flags,
        Long expectClass, SyncTuple nat, long natDir, String helper, String function) {

    // NF_CT_EXPECT_* (include/uapi/linux/netfilter/nf_conntrack_common.h)
    public static final long NF_CT_EXPECT_PERMANENT = 1;
    public static final long NF_CT_EXPECT_INACTIVE = 2;
    public static final long NF_CT_EXPECT_USERSPACE = 4;

    public SyncExpectation {
        Objects.requireNonNull(master, "master");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(mask, "mask");
        SyncConnection.checkU32(timeout, "timeout");
        SyncConnection.checkU32(expectClass, "class");
        if (flags < 0 || flags > 0xffffffffL || natDir < 0 || natDir > 0xffffffffL) {
            throw new IllegalArgumentException("flags and NAT direction are u32");
        }
    }

    /** @return whether the tuples' ports travel: the master is TCP, UDP, SCTP or DCCP (conntrackd's table) */
    public boolean hasPorts() {
        return hasPorts(master.protonum());
    }

    /** @return whether conntrackd sends the ports of an expectation whose master has this protocol */
    public static boolean hasPorts(int masterProtonum) {
        return masterProtonum == 6 || masterProtonum == 17 || masterProtonum == 132 || masterProtonum == 33;
    }
}
