package org.conntrack4j.sync.api;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * A connection as conntrackd replicates it: what {@code ct2msg} puts into a message and {@code msg2ct}
 * takes out of one. A field that is {@code null} was not set, and its attribute is not on the wire
 * (conntrackd sends an attribute only when libnetfilter_conntrack has it set).
 *
 * <p>Status bits and TCP/SCTP/DCCP states have Linux's values ({@code IPS_*}, {@code TCP_CONNTRACK_*},
 * {@code SCTP_CONNTRACK_*}, {@code CT_DCCP_*}). ICMP's type, code and id are in the tuple (see
 * {@link SyncTuple}).
 *
 * @param orig the original tuple (always on the wire)
 * @param reply the reply tuple: never on the wire; the engine gives it for the internal cache, where
 *     {@code conntrackd -i} prints it
 * @param status the {@code IPS_*} status bits (u32, always on the wire)
 * @param tcp TCP state and window scales, or null
 * @param sctp SCTP state and verification tags, or null
 * @param dccp DCCP state and role, or null
 * @param timeout seconds left (u32), or null (also when CommitTimeout is set: then it is not sent)
 * @param mark the ct mark (u32), or null
 * @param zone the ct zone (u16), or null
 * @param master the master's original tuple of a RELATED connection, or null; its ports are on the
 *     wire for the protocols listed in {@link #masterHasPorts()}
 * @param snatAddress the address SNAT rewrote the source to (the reply tuple's destination), or null
 * @param dnatAddress the address DNAT rewrote the destination to (the reply tuple's source), or null
 * @param snatPort the port SNAT rewrote the source port to, or null
 * @param dnatPort the port DNAT rewrote the destination port to, or null
 * @param seqAdj the NAT sequence adjustment of both directions, or null
 * @param helper the helper's name, or null
 * @param labels the ct labels, or null (also when no bit is set: then conntrackd sends none)
 * @param synproxy the SYN proxy's sequence and timestamp offsets, or null
 */
public record SyncConnection(SyncTuple orig, SyncTuple reply, long status, Tcp tcp, Sctp sctp, Dccp dccp,
        Long timeout, Long mark, Integer zone, SyncTuple master, InetAddress snatAddress, InetAddress dnatAddress,
        Integer snatPort, Integer dnatPort, SeqAdj seqAdj, String helper, Labels labels, Synproxy synproxy) {

    // IPS_* status bits (include/uapi/linux/netfilter/nf_conntrack_common.h)
    public static final long IPS_EXPECTED = 1L << 0;
    public static final long IPS_SEEN_REPLY = 1L << 1;
    public static final long IPS_ASSURED = 1L << 2;
    public static final long IPS_CONFIRMED = 1L << 3;
    public static final long IPS_SRC_NAT = 1L << 4;
    public static final long IPS_DST_NAT = 1L << 5;
    public static final long IPS_SEQ_ADJUST = 1L << 6;
    public static final long IPS_SRC_NAT_DONE = 1L << 7;
    public static final long IPS_DST_NAT_DONE = 1L << 8;
    public static final long IPS_DYING = 1L << 9;
    public static final long IPS_FIXED_TIMEOUT = 1L << 10;
    public static final long IPS_TEMPLATE = 1L << 11;
    public static final long IPS_UNTRACKED = 1L << 12;
    public static final long IPS_HELPER = 1L << 13;
    public static final long IPS_OFFLOAD = 1L << 14;
    public static final long IPS_HW_OFFLOAD = 1L << 15;

    public SyncConnection {
        Objects.requireNonNull(orig, "orig");
        if (status < 0 || status > 0xffffffffL) {
            throw new IllegalArgumentException("status is a u32: " + status);
        }
        checkU32(timeout, "timeout");
        checkU32(mark, "mark");
        if (zone != null && (zone < 0 || zone > 0xffff)) {
            throw new IllegalArgumentException("zone is a u16: " + zone);
        }
        if (snatPort != null && (snatPort < 0 || snatPort > 0xffff)
                || dnatPort != null && (dnatPort < 0 || dnatPort > 0xffff)) {
            throw new IllegalArgumentException("NAT port out of range");
        }
    }

    static void checkU32(Long v, String what) {
        if (v != null && (v < 0 || v > 0xffffffffL)) {
            throw new IllegalArgumentException(what + " is a u32: " + v);
        }
    }

    /** @return a builder for a connection with this original tuple */
    public static Builder builder(SyncTuple orig) {
        return new Builder().orig(orig);
    }

    /** @return a builder that starts from this connection */
    public Builder toBuilder() {
        Builder b = new Builder().orig(orig);
        b.reply = reply;
        b.status = status;
        b.tcp = tcp;
        b.sctp = sctp;
        b.dccp = dccp;
        b.timeout = timeout;
        b.mark = mark;
        b.zone = zone;
        b.master = master;
        b.snatAddress = snatAddress;
        b.dnatAddress = dnatAddress;
        b.snatPort = snatPort;
        b.dnatPort = dnatPort;
        b.seqAdj = seqAdj;
        b.helper = helper;
        b.labels = labels;
        b.synproxy = synproxy;
        return b;
    }

    /** @return whether the master tuple's ports travel (the protocols whose tuples Linux gives ports or keys) */
    public boolean masterHasPorts() {
        return master != null && hasPorts(master.protonum());
    }

    /** @return whether Linux's tuple of this protocol has ports (or GRE keys) in the CTA_PROTO attributes */
    public static boolean hasPorts(int protonum) {
        return protonum == 6 || protonum == 17 || protonum == 132 || protonum == 33 || protonum == 136
                || protonum == 47;
    }

    /** @return whether the connection is RELATED to a master (conntrackd's {@code ct_is_related}) */
    public boolean isRelated() {
        return master != null;
    }

    /**
     * TCP state (TCP_CONNTRACK_*: 0 NONE .. 10 SYN_SENT2) and window scales; the scales travel only with
     * {@code TCPWindowTracking} on.
     */
    public record Tcp(int state, Integer wscaleOrig, Integer wscaleReply) {
        public Tcp {
            if (state < 0 || state > 255) {
                throw new IllegalArgumentException("TCP state is a u8: " + state);
            }
        }
    }

    /** SCTP state (SCTP_CONNTRACK_*) and the verification tags of both directions (u32). */
    public record Sctp(int state, long vtagOrig, long vtagReply) {
    }

    /** DCCP state (CT_DCCP_*) and role. */
    public record Dccp(int state, int role) {
    }

    /**
     * NAT sequence adjustment (nf_ct_seqadj): correction position, offset before and after, per direction.
     */
    public record SeqAdj(long origCorrectionPos, long origOffsetBefore, long origOffsetAfter,
            long replyCorrectionPos, long replyOffsetBefore, long replyOffsetAfter) {
    }

    /** SYN proxy state: initial sequence number, initial timestamp, timestamp offset. */
    public record Synproxy(long isn, long its, long tsoff) {
    }

    /**
     * Connection labels as a bit set in 32-bit words, bit {@code 32*i + b} in word {@code i}; immutable.
     */
    public static final class Labels {
        private final int[] words;

        public Labels(int[] words) {
            this.words = words.clone();
        }

        /** @return a label set with these bits */
        public static Labels of(int... bits) {
            int max = 0;
            for (int b : bits) {
                max = Math.max(max, b);
            }
            int[] w = new int[max / 32 + 1];
            for (int b : bits) {
                w[b / 32] |= 1 << (b % 32);
            }
            return new Labels(w);
        }

        /** @return the words (a copy) */
        public int[] words() {
            return words.clone();
        }

        /** @return the number of words */
        public int wordCount() {
            return words.length;
        }

        /** @return word {@code i} */
        public int word(int i) {
            return words[i];
        }

        /** @return whether bit {@code bit} is set */
        public boolean test(int bit) {
            return bit >= 0 && bit / 32 < words.length && (words[bit / 32] >>> (bit % 32) & 1) != 0;
        }

        /** @return whether any bit is set */
        public boolean any() {
            for (int w : words) {
                if (w != 0) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Labels l && Arrays.equals(words, l.words);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(words);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("Labels[");
            for (int i = 0; i < words.length * 32; i++) {
                if (test(i)) {
                    sb.append(sb.length() > 7 ? "," : "").append(i);
                }
            }
            return sb.append(']').toString();
        }
    }

    /** Builds a {@link SyncConnection}; everything but the original tuple starts unset. */
    public static final class Builder {
        private SyncTuple orig;
        private SyncTuple reply;
        private long status;
        private Tcp tcp;
        private Sctp sctp;
        private Dccp dccp;
        private Long timeout;
        private Long mark;
        private Integer zone;
        private SyncTuple master;
        private InetAddress snatAddress;
        private InetAddress dnatAddress;
        private Integer snatPort;
        private Integer dnatPort;
        private SeqAdj seqAdj;
        private String helper;
        private Labels labels;
        private Synproxy synproxy;

        /** A builder with nothing set; {@link #orig} must be set before {@link #build}. */
        public Builder() {
        }

        public Builder orig(SyncTuple v) { orig = v; return this; }
        public Builder reply(SyncTuple v) { reply = v; return this; }
        public Builder status(long v) { status = v; return this; }
        public Builder tcp(Tcp v) { tcp = v; return this; }
        public Builder sctp(Sctp v) { sctp = v; return this; }
        public Builder dccp(Dccp v) { dccp = v; return this; }
        public Builder timeout(Long v) { timeout = v; return this; }
        public Builder mark(Long v) { mark = v; return this; }
        public Builder zone(Integer v) { zone = v; return this; }
        public Builder master(SyncTuple v) { master = v; return this; }
        public Builder snatAddress(InetAddress v) { snatAddress = v; return this; }
        public Builder dnatAddress(InetAddress v) { dnatAddress = v; return this; }
        public Builder snatPort(Integer v) { snatPort = v; return this; }
        public Builder dnatPort(Integer v) { dnatPort = v; return this; }
        public Builder seqAdj(SeqAdj v) { seqAdj = v; return this; }
        public Builder helper(String v) { helper = v; return this; }
        public Builder labels(Labels v) { labels = v; return this; }
        public Builder synproxy(Synproxy v) { synproxy = v; return this; }

        public SyncConnection build() {
            return new SyncConnection(orig, reply, status, tcp, sctp, dccp, timeout, mark, zone, master,
                    snatAddress, dnatAddress, snatPort, dnatPort, seqAdj, helper, labels, synproxy);
        }
    }
}
