package org.conntrack4j.sync.engine;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NewConnection;
import org.conntrack4j.core.api.ProtoInfo;
import org.conntrack4j.core.api.SeqAdj;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncExpectation;
import org.conntrack4j.sync.api.SyncTuple;

/**
 * Between the engine's connections and conntrackd's: what libnetfilter_conntrack makes of a ctnetlink message
 * (the internal cache's side) and what conntrackd's commit asks ctnetlink for ({@code NewConnection}).
 */
final class EngineMap {
    /** {@code enum tcp_conntrack} and {@code enum sctp_conntrack}: the names conntrack prints, by number. */
    private static final String[] TCP_STATES = {"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
        "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"};
    private static final String[] SCTP_STATES = {"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
        "SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT"};

    private EngineMap() {
    }

    static InetAddress address(int family, long hi, long lo) {
        byte[] b = new byte[family == Family.IPV6 ? 16 : 4];
        if (family == Family.IPV6) {
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> 56 - 8 * i);
                b[8 + i] = (byte) (lo >>> 56 - 8 * i);
            }
        } else {
            for (int i = 0; i < 4; i++) {
                b[i] = (byte) (lo >>> 24 - 8 * i);
            }
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only for a wrong length
        }
    }

    /** {hi, lo} of an address, as {@link Tuple} holds it. */
    static long[] words(InetAddress a) {
        byte[] b = a.getAddress();
        long hi = 0;
        long lo = 0;
        if (b.length == 16) {
            for (int i = 0; i < 8; i++) {
                hi = hi << 8 | b[i] & 0xff;
                lo = lo << 8 | b[8 + i] & 0xff;
            }
        } else {
            for (byte x : b) {
                lo = lo << 8 | x & 0xff;
            }
        }
        return new long[] {hi, lo};
    }

    static SyncTuple tuple(Tuple t) {
        return new SyncTuple(address(t.family, t.srcHi, t.srcLo), address(t.family, t.dstHi, t.dstLo), t.proto,
            t.srcPort & 0xffff, t.dstPort & 0xffff);
    }

    static Tuple tuple(SyncTuple s, int dir) {
        Tuple t = new Tuple();
        t.family = s.isIpv6() ? Family.IPV6 : Family.IPV4;
        t.proto = s.protonum();
        long[] src = words(s.src());
        long[] dst = words(s.dst());
        t.srcHi = src[0];
        t.srcLo = src[1];
        t.dstHi = dst[0];
        t.dstLo = dst[1];
        t.srcPort = s.srcPort();
        t.dstPort = s.dstPort();
        t.dir = dir;
        return t;
    }

    private static int index(String[] names, String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A connection as its ctnetlink event shows it to conntrackd: tuples, status, protocol state, timeout, mark,
     * zone, labels, helper; NAT as libnetfilter_conntrack derives it from the tuples (an address or port that the
     * reply tuple changed, where the status says NAT); from the live connection {@code ct} (null when gone) the
     * master and the sequence adjustment. {@code info}: the tracker's state, or null.
     */
    static SyncConnection connection(ConnectionSnapshot s, Connection ct, ProtoInfo info) {
        Tuple o = s.orig();
        Tuple r = s.reply();
        SyncConnection.Builder b = SyncConnection.builder(tuple(o)).reply(tuple(r))
            .status(Integer.toUnsignedLong(s.status())).timeout(Math.max(0, s.timeoutSeconds()))
            .mark(Integer.toUnsignedLong(s.mark()));
        if (s.zone() != 0) {
            b.zone(s.zone());
        }
        if (o.proto == IpProto.TCP) {
            int st = info != null ? info.state() : index(TCP_STATES, s.state());
            if (st >= 0) {
                b.tcp(new SyncConnection.Tcp(st, info != null && info.hasTcpWindowScale()
                    ? info.tcpWindowScale(Direction.ORIGINAL) : null,
                    info != null && info.hasTcpWindowScale() ? info.tcpWindowScale(Direction.REPLY) : null));
            }
        } else if (o.proto == IpProto.SCTP) {
            int st = info != null ? info.state() : index(SCTP_STATES, s.state());
            if (st >= 0) {
                long vo = info != null && info.hasSctpVtags() ? Integer.toUnsignedLong(info.sctpVtag(0)) : 0;
                long vr = info != null && info.hasSctpVtags() ? Integer.toUnsignedLong(info.sctpVtag(1)) : 0;
                b.sctp(new SyncConnection.Sctp(st, vo, vr));
            }
        }
        int status = s.status();
        // nfct_getobjopt IS_SNAT/IS_SPAT/IS_DNAT/IS_DPAT: what the binding changed
        if ((status & Status.SRC_NAT) != 0) {
            if (o.srcHi != r.dstHi || o.srcLo != r.dstLo) {
                b.snatAddress(address(o.family, r.dstHi, r.dstLo));
            }
            if (o.srcPort != r.dstPort) {
                b.snatPort(r.dstPort & 0xffff);
            }
        }
        if ((status & Status.DST_NAT) != 0) {
            if (o.dstHi != r.srcHi || o.dstLo != r.srcLo) {
                b.dnatAddress(address(o.family, r.srcHi, r.srcLo));
            }
            if (o.dstPort != r.srcPort) {
                b.dnatPort(r.srcPort & 0xffff);
            }
        }
        if (s.helper() != null && !s.helper().isEmpty()) {
            b.helper(s.helper());
        }
        if ((s.labelsLo() | s.labelsHi()) != 0) {
            b.labels(new SyncConnection.Labels(new int[] {(int) s.labelsLo(), (int) (s.labelsLo() >>> 32),
                (int) s.labelsHi(), (int) (s.labelsHi() >>> 32)}));
        }
        if (ct != null) {
            Connection m = ct.master();
            if (m != null) {
                b.master(tuple(m.tuple(Direction.ORIGINAL, new Tuple())));
            }
            SeqAdj a = ct.seqAdj();
            if (a != null && (status & Status.SEQ_ADJUST) != 0) {
                b.seqAdj(new SyncConnection.SeqAdj(u(a.correctionPos(0)), u(a.offsetBefore(0)), u(a.offsetAfter(0)),
                    u(a.correctionPos(1)), u(a.offsetBefore(1)), u(a.offsetAfter(1))));
            }
        }
        return b.build();
    }

    private static long u(int v) {
        return Integer.toUnsignedLong(v);
    }

    /** {@code IP_CT_TCP_FLAG_BE_LIBERAL}: the TCP tracker does not check this side's sequence numbers. */
    static final int TCP_FLAG_BE_LIBERAL = 0x08;

    /**
     * What conntrackd's commit gives ctnetlink for a connection of the external cache ({@code nl_create_conntrack}):
     * the original tuple (the reply is the tracker's inverse, then NAT's), status without EXPECTED (conntrackd clears
     * it: the master makes it), the protocol state, mark, zone, labels, NAT bindings, helper, sequence adjustment and
     * master. Without {@code windowTracking} (TCPWindowTracking Off, the default) a TCP connection is made liberal on
     * both sides, as conntrackd forces it: the windows were not synchronised, and the first segments after a failover
     * would be out of the window the tracker starts from.
     */
    static NewConnection newConnection(SyncConnection c, long timeoutSeconds, boolean windowTracking) {
        Tuple o = tuple(c.orig(), Direction.ORIGINAL);
        NewConnection n = NewConnection.of(o, timeoutSeconds)
            .withStatus((int) (c.status() & ~SyncConnection.IPS_EXPECTED));
        if (c.mark() != null) {
            n = n.withMark(c.mark().intValue());
        }
        if (c.zone() != null) {
            n = n.withZone(c.zone());
        }
        if (c.tcp() != null) {
            ProtoInfo p = ProtoInfo.state(c.tcp().state());
            if (c.tcp().wscaleOrig() != null && c.tcp().wscaleReply() != null) {
                p = p.withTcpWindowScale(c.tcp().wscaleOrig(), c.tcp().wscaleReply());
            }
            if (!windowTracking) {
                p = p.withTcpFlags(TCP_FLAG_BE_LIBERAL, TCP_FLAG_BE_LIBERAL);
            }
            n = n.withProtoInfo(p);
        } else if (c.sctp() != null) {
            n = n.withProtoInfo(ProtoInfo.state(c.sctp().state()).withSctpVtags((int) c.sctp().vtagOrig(),
                (int) c.sctp().vtagReply()));
        }
        if (c.labels() != null) {
            long lo = 0;
            long hi = 0;
            for (int i = 0; i < Math.min(4, c.labels().wordCount()); i++) {
                long w = Integer.toUnsignedLong(c.labels().word(i));
                if (i < 2) {
                    lo |= w << 32 * i;
                } else {
                    hi |= w << 32 * (i - 2);
                }
            }
            n = n.withLabels(lo, hi);
        }
        if (c.snatAddress() != null || c.snatPort() != null) {
            n = nat(n, NatManip.SRC, c.snatAddress() != null ? c.snatAddress() : c.orig().src(), c.snatPort());
        }
        if (c.dnatAddress() != null || c.dnatPort() != null) {
            n = nat(n, NatManip.DST, c.dnatAddress() != null ? c.dnatAddress() : c.orig().dst(), c.dnatPort());
        }
        if (c.helper() != null) {
            n = n.withHelper(c.helper());
        }
        if (c.seqAdj() != null) {
            SyncConnection.SeqAdj a = c.seqAdj();
            n = n.withSeqAdj(Direction.ORIGINAL, (int) a.origCorrectionPos(), (int) a.origOffsetBefore(),
                (int) a.origOffsetAfter())
                .withSeqAdj(Direction.REPLY, (int) a.replyCorrectionPos(), (int) a.replyOffsetBefore(),
                    (int) a.replyOffsetAfter());
        }
        if (c.master() != null) {
            n = n.withMaster(tuple(c.master(), Direction.ORIGINAL));
        }
        return n;
    }

    private static NewConnection nat(NewConnection n, int manip, InetAddress a, Integer port) {
        long[] w = words(a);
        return n.withNat(manip, w[0], w[1], port == null ? -1 : port);
    }

    /** An expectation as conntrackd's internal cache holds it. */
    static SyncExpectation expectation(ExpectationSnapshot e) {
        Tuple mask = e.mask();
        Tuple t = e.tuple();
        // the mask's protocol and family are those of the tuple, as Linux's mask tuple carries them
        mask.family = t.family;
        mask.proto = t.proto;
        return new SyncExpectation(tuple(e.master()), tuple(t), tuple(mask), Math.max(0, e.timeoutSeconds()),
            Integer.toUnsignedLong(e.flags()), (long) e.expectClass(), null, 0,
            e.helper() == null || e.helper().isEmpty() ? null : e.helper(), null);
    }
}
