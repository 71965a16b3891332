package org.conntrack4j.router.impl;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.router.PeerSegments;
import org.conntrack4j.router.RouterSocket;

/**
 * The router's TCP for its own listening sockets ({@link RouterSocket}), as Linux 6.18's with default sysctls and an
 * application that accepts at once, reads everything as it comes, writes nothing and closes when the peer has
 * closed: the handshake (SYN-ACK with Linux's options and window), ACKs as {@code __tcp_ack_snd_check} decides
 * (at once in quick-ack mode, else when the reader drains the queue or the delayed-ACK timer fires: {@link #timers}),
 * the advertised window as {@code tcp_select_window} computes it from the receive buffer, {@code rcv_ssthresh} and
 * the scaling ratio the segments' sizes teach, FIN|ACK as soon as the peer's FIN arrives, then the connection is gone
 * when that FIN is acknowledged.
 *
 * <p>Values Linux draws at random (initial sequence number, timestamp offset) come from {@link PeerSegments} when
 * the router has one (a replay: the peer's next acknowledgement and echo), else from a random source; the per-socket
 * IP id start is drawn either way (reproducibly in a replay).
 *
 * <p>Not modelled (see the README): the reader's timing beyond a fixed delay, retransmission of the SYN-ACK or FIN,
 * receive-buffer autotuning, SACK blocks, keeping out-of-order data, SYN cookies. Connections are bounded ({@link #MAX_CONNECTIONS}); a SYN beyond that is dropped and counted.
 * Used by one forwarder's thread.
 */
final class LocalTcp {
    /** Connections (handshakes included) one forwarder keeps at most. */
    static final int MAX_CONNECTIONS = 1024;
    /** A connection not heard from for this long is forgotten when room is needed (Linux's SYN-ACK retries last about as long). */
    private static final long STALE_NANOS = 120_000_000_000L;

    // net.ipv4 defaults of the recording kernel (6.18, 24 GiB): tcp_rmem, rmem_max, tcp_app_win
    static final int TCP_RMEM_DEFAULT = 131072;
    static final int TCP_RMEM_MAX = 33554432;
    static final int RMEM_MAX = 4194304;
    private static final int TCP_APP_WIN = 31;
    /**
     * What a received segment costs the receive buffer beyond its payload ({@code skb->truesize - len}): measured
     * with {@code ss -m} on 6.18 for segments from a Linux sender over veth (832 for 40, 100, 1024, 2000 bytes).
     */
    static final int TRUESIZE_OVERHEAD = 832;
    /** {@code TCP_RMEM_TO_WIN_SCALE}: the scaling ratio is in 256ths. */
    private static final int RATIO_SHIFT = 8;
    private static final int DEFAULT_RATIO = 1 << (RATIO_SHIFT - 1);
    private static final int TCP_MSS_DEFAULT = 536;
    private static final int TCP_MIN_MSS = 88;
    private static final int TCP_MAX_QUICKACKS = 16;
    private static final int TCPOLEN_TSTAMP_ALIGNED = 12;
    /**
     * How long the application takes to read what arrived: segments closer together than this (a burst) pile up in
     * the receive buffer and shrink the free space the window is computed from, as in the recordings; this long
     * after the last one everything has been read (the recordings' reader caught up 50 to 500 microseconds after a
     * burst), which sends the ACK Linux owes then ({@code tcp_cleanup_rbuf}).
     */
    static final long READ_DELAY_NANOS = 250_000L;
    /** {@code TCP_DELACK_MIN}: a delayed ACK nothing else sent goes after 40 ms. */
    static final long DELACK_NANOS = 40_000_000L;

    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;
    static final int URG = 0x20;
    static final int ECE = 0x40;
    static final int CWR = 0x80;

    /** Where a connection is, seen from the router's side. */
    static final int SYN_RECV = 1;
    static final int ESTABLISHED = 2;
    /** Our FIN sent after the peer's (CLOSE_WAIT is left at once: the application closes on end of file). */
    static final int LAST_ACK = 3;

    private final RouterSocket[] sockets;
    private final PeerSegments peers;
    private final PeerSegments.Segment seen = new PeerSegments.Segment();
    /** The segment being answered. */
    private final PeerSegments.Segment seg = new PeerSegments.Segment();
    private final Map<Key, Conn> conns = new HashMap<>();
    private final Key probe = new Key();
    /** Draws: reproducible when the values that matter come from the capture, random live. */
    private final long seed;
    /** The forwarder's counters ({@link Stat#LISTEN_DROPS}). */
    private final long[] stats;
    /** Connections owing an ACK: {@link #timers} has nothing to look at (and allocates nothing) while there are none. */
    private int owed;

    LocalTcp(RouterSocket[] sockets, PeerSegments peers, long[] stats) {
        this.sockets = sockets;
        this.peers = peers;
        this.stats = stats;
        this.seed = peers != null ? 0x9e3779b97f4a7c15L : new SecureRandom().nextLong();
    }

    /** Is a TCP listener of the router's own where the segment goes? */
    boolean listening(Packet in, int l4) {
        if (in.length() - l4 < 4) {
            return false;
        }
        long hi = in.family == Family.IPV4 ? 0 : in.u64(24);
        long lo = in.family == Family.IPV4 ? in.u32(16) & 0xffffffffL : in.u64(32);
        for (RouterSocket s : sockets) {
            if (s.takes(IpProto.TCP, in.family, hi, lo, in.u16(l4 + 2))) {
                return true;
            }
        }
        return false;
    }

    /** A connection's identity: the peer's and the router's address and port. */
    static final class Key {
        int family;
        long peerHi;
        long peerLo;
        int peerPort;
        long ownHi;
        long ownLo;
        int ownPort;

        Key set(Packet in, int l4) {
            family = in.family;
            if (family == Family.IPV4) {
                peerHi = 0;
                peerLo = in.u32(12) & 0xffffffffL;
                ownHi = 0;
                ownLo = in.u32(16) & 0xffffffffL;
            } else {
                peerHi = in.u64(8);
                peerLo = in.u64(16);
                ownHi = in.u64(24);
                ownLo = in.u64(32);
            }
            peerPort = in.u16(l4);
            ownPort = in.u16(l4 + 2);
            return this;
        }

        Key copy() {
            Key k = new Key();
            k.family = family;
            k.peerHi = peerHi;
            k.peerLo = peerLo;
            k.peerPort = peerPort;
            k.ownHi = ownHi;
            k.ownLo = ownLo;
            k.ownPort = ownPort;
            return k;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key)) {
                return false;
            }
            Key k = (Key) o;
            return family == k.family && peerHi == k.peerHi && peerLo == k.peerLo && peerPort == k.peerPort
                && ownHi == k.ownHi && ownLo == k.ownLo && ownPort == k.ownPort;
        }

        @Override
        public int hashCode() {
            long h = peerHi * 31 + peerLo;
            h = h * 31 + ownHi;
            h = h * 31 + ownLo;
            h = h * 31 + (peerPort << 16 | ownPort);
            return Long.hashCode(h * 0x9e3779b97f4a7c15L) ^ family;
        }
    }

    /** One connection's state: the request's until the handshake completes, then the socket's. */
    static final class Conn {
        final Key key;
        int state;
        long lastNanos;
        // from the peer's SYN
        int peerMss;
        boolean ts;
        boolean sack;
        boolean wscaleOk;
        boolean ecn;
        int synSeq;
        int tos;
        // sending
        int iss;
        int sndNxt;
        int ipId;
        /** The SYN-ACK's TSval and the feeder's time then: later TSvals count milliseconds from there. */
        int tsBase;
        long tsBaseNanos;
        /**
         * Where in its millisecond the kernel's clock was at {@code tsBaseNanos}, in nanoseconds: narrowed to
         * [{@code phaseLo}, {@code phaseHi}) by each TSval the peer echoes.
         */
        long phaseLo;
        long phaseHi = 1_000_000L;
        /** The TSval sent last, and the newest the peer has echoed. */
        int tsLast;
        int peerEcho;
        int tsRecent;
        // receiving
        int rcvNxt;
        int rcvWup;
        int rcvWnd;
        int rcvWscale;
        int windowClamp;
        int rcvSsthresh;
        int ratio = DEFAULT_RATIO;
        int advmss;
        int rcvMss;
        int lastSegSize;
        int quick;
        boolean atoSet;
        /** What queued data costs the receive buffer until the application reads it (truesize). */
        int rmem;
        /** When data was last queued. */
        long lastDataNanos;
        /** An ACK is owed (Linux's delayed ACK scheduled), since {@code ackPendingNanos}. */
        boolean ackPending;
        long ackPendingNanos;
        /** {@code ICSK_ACK_PUSHED}: a segment smaller than the receive MSS came since the last ACK. */
        boolean pushed;

        Conn(Key key) {
            this.key = key;
        }
    }

    /**
     * Linux's answer to a segment for one of the listeners ({@link #listening} said yes), written into {@code out};
     * false when there is none. {@code mtu}: the link's towards the peer (the advertised MSS); {@code nanos}: the
     * feeder's clock (the timestamps' milliseconds).
     */
    boolean segment(Packet in, int l4, Packet out, int mtu, long nanos) {
        if (!seg.readTcp(in.array(), in.head() + l4, in.length() - l4)) {
            return false;
        }
        int flags = seg.flags;
        int len = in.length() - l4 - seg.dataOffset;
        Conn c = conns.get(probe.set(in, l4));
        if (c == null) {
            return listen(in, l4, flags, seg.seq, out, mtu, nanos);
        }
        c.lastNanos = nanos;
        long tsval = seg.hasTimestamp ? seg.tsval & 0xffffffffL : -1;
        if (seg.hasTimestamp && seg.hasAck && seg.tsecr - c.peerEcho > 0) {
            c.peerEcho = seg.tsecr;
        }
        if (c.state == SYN_RECV) {
            return synRecv(c, in, l4, seg.dataOffset, flags, seg.seq, seg.ack, len, tsval, out, nanos);
        }
        return established(c, in, l4, seg.dataOffset, flags, seg.seq, seg.ack, len, tsval, out, nanos);
    }

    /** {@code tcp_v4_rcv} on the listener: a SYN makes a request and gets the SYN-ACK; an ACK gets a reset. */
    private boolean listen(Packet in, int l4, int flags, int seq, Packet out, int mtu, long nanos) {
        if ((flags & RST) != 0) {
            return false;
        }
        if ((flags & ACK) != 0) {
            return LocalStack.tcpReset(in, out, l4);
        }
        if ((flags & SYN) == 0 || (flags & FIN) != 0) {
            // a listener drops what is neither SYN nor ACK, and SYN|FIN
            return false;
        }
        if (conns.size() >= MAX_CONNECTIONS && !evictStale(nanos)) {
            stats[Stat.LISTEN_DROPS]++;
            return false;
        }
        Conn c = new Conn(probe.copy());
        c.lastNanos = nanos;
        c.synSeq = seq;
        c.rcvNxt = seq + 1;
        c.peerMss = seg.mss >= 0 ? seg.mss : TCP_MSS_DEFAULT;
        c.tos = 0;
        c.wscaleOk = seg.wscale >= 0;
        c.sack = seg.sackOk;
        c.ts = seg.hasTimestamp;
        c.tsRecent = seg.tsval;
        c.ecn = (flags & (ECE | CWR)) == (ECE | CWR);
        int mssOpt = mtu - (in.family == Family.IPV4 ? 40 : 60);
        c.advmss = mssOpt - (c.ts ? TCPOLEN_TSTAMP_ALIGNED : 0);
        // tcp_openreq_init_rwin / tcp_select_initial_window, with the listener's default scaling ratio
        long clamp = 65535L << 14;
        long space = Math.min(clamp, winFromSpace(DEFAULT_RATIO, TCP_RMEM_DEFAULT));
        if (space > c.advmss) {
            space = space / c.advmss * c.advmss;
        }
        c.rcvWnd = (int) Math.min(space, 65535);
        c.rcvWscale = 0;
        if (c.wscaleOk) {
            long s = Math.min(Math.max(TCP_RMEM_MAX, RMEM_MAX), clamp);
            while (s > 65535 && c.rcvWscale < 14) {
                s >>= 1;
                c.rcvWscale++;
            }
        }
        c.windowClamp = (int) Math.min(65535L << c.rcvWscale, clamp);
        c.rcvWup = c.rcvNxt;
        long h = mix(c.key.hashCode() ^ seq);
        c.iss = (int) h;
        c.tsBase = (int) (h >>> 32);
        c.tsBaseNanos = nanos;
        c.ipId = (int) mix(h) & 0xffff;
        if (peers != null && peers.next(c.key.family, c.key.peerHi, c.key.peerLo, c.key.peerPort, seq + 1, seen)) {
            if (seen.hasAck) {
                c.iss = seen.ack - 1;
            }
            if (seen.hasTimestamp && c.ts) {
                c.tsBase = seen.tsecr;
            }
        }
        c.sndNxt = c.iss + 1;
        c.tsLast = c.tsBase;
        // nothing sent yet: the SYN-ACK's own TSval counts as echoed until it is sent
        c.peerEcho = c.tsBase;
        c.state = SYN_RECV;
        conns.put(c.key, c);
        synAck(c, out, nanos, mssOpt);
        return true;
    }

    private boolean evictStale(long nanos) {
        for (Iterator<Conn> it = conns.values().iterator(); it.hasNext(); ) {
            Conn c = it.next();
            if (nanos - c.lastNanos > STALE_NANOS) {
                it.remove();
                if (c.ackPending) {
                    owed--;
                }
                return true;
            }
        }
        return false;
    }

    /** The connection is closed: gone from the table, owing nothing. */
    private void forget(Conn c) {
        conns.remove(c.key);
        if (c.ackPending) {
            c.ackPending = false;
            owed--;
        }
    }

    /** {@code tcp_check_req}: the handshake's last ACK makes the socket; a retransmitted SYN gets the SYN-ACK again. */
    private boolean synRecv(Conn c, Packet in, int l4, int doff, int flags, int seq, int ackSeq, int len, long tsval,
        Packet out, long nanos) {
        if ((flags & RST) != 0) {
            if (seq == c.rcvNxt || inWindow(c, seq)) {
                forget(c);
            }
            return false;
        }
        if ((flags & (SYN | ACK)) == SYN && seq == c.synSeq) {
            synAck(c, out, nanos, c.advmss + (c.ts ? TCPOLEN_TSTAMP_ALIGNED : 0));
            return true;
        }
        if ((flags & ACK) == 0) {
            return false;
        }
        if (ackSeq != c.sndNxt) {
            // an ACK the request does not expect: the listener resets it (seq = the ACK's ack)
            return LocalStack.tcpReset(in, out, l4);
        }
        if ((flags & SYN) != 0) {
            return LocalStack.tcpReset(in, out, l4);
        }
        becomeEstablished(c);
        return established(c, in, l4, doff, flags, seq, ackSeq, len, tsval, out, nanos);
    }

    /** {@code tcp_create_openreq_child} and {@code tcp_init_buffer_space}: the socket's receive side starts. */
    private static void becomeEstablished(Conn c) {
        c.state = ESTABLISHED;
        c.rcvSsthresh = c.rcvWnd;
        int maxwin = winFromSpace(c.ratio, TCP_RMEM_DEFAULT);
        if (c.windowClamp >= maxwin) {
            c.windowClamp = maxwin;
            if (maxwin > 4 * c.advmss) {
                c.windowClamp = Math.max(maxwin - (maxwin >> TCP_APP_WIN), 4 * c.advmss);
            }
        }
        // one segment's room is kept back for the application (tcp_app_win)
        if (c.windowClamp > 2 * c.advmss && c.windowClamp + c.advmss > maxwin) {
            c.windowClamp = Math.max(2 * c.advmss, maxwin - c.advmss);
        }
        c.rcvSsthresh = Math.min(c.rcvSsthresh, c.windowClamp);
        // tcp_initialize_rcv_mss
        int mssCache = c.peerMss - (c.ts ? TCPOLEN_TSTAMP_ALIGNED : 0);
        int hint = Math.min(c.advmss, mssCache);
        hint = Math.min(hint, c.rcvWnd / 2);
        hint = Math.min(hint, TCP_MSS_DEFAULT);
        c.rcvMss = Math.max(hint, TCP_MIN_MSS);
    }

    private static boolean inWindow(Conn c, int seq) {
        return seq - c.rcvNxt >= 0 && seq - (c.rcvWup + c.rcvWnd) < 0;
    }

    /** {@code tcp_rcv_established} / {@code tcp_rcv_state_process} after the handshake. */
    private boolean established(Conn c, Packet in, int l4, int doff, int flags, int seq, int ackSeq, int len,
        long tsval, Packet out, long nanos) {
        if ((flags & RST) != 0) {
            if (seq == c.rcvNxt) {
                forget(c);
                return false;
            }
            if (inWindow(c, seq)) {
                // RFC 5961: a reset inside the window but not at its edge gets a challenge ACK
                ack(c, out, nanos, 0);
                return true;
            }
            return false;
        }
        if ((flags & SYN) != 0) {
            ack(c, out, nanos, 0);
            return true;
        }
        if ((flags & ACK) == 0) {
            return false;
        }
        int end = seq + len + ((flags & FIN) != 0 ? 1 : 0);
        if (c.state == LAST_ACK && ackSeq == c.sndNxt && end - c.rcvNxt <= 0) {
            // our FIN is acknowledged: the socket is closed and gone
            forget(c);
            return false;
        }
        if (end == seq) {
            // a pure ACK: nothing to answer
            return false;
        }
        if (seq != c.rcvNxt || c.state == LAST_ACK) {
            // old, out-of-order or beyond the window, or data after the peer's FIN: a duplicate ACK at once
            c.quick = Math.max(c.quick, quickacks(c));
            ack(c, out, nanos, 0);
            return true;
        }
        if (tsval >= 0 && c.ts && seq - c.rcvWup <= 0) {
            c.tsRecent = (int) tsval;
        }
        if (len > 0) {
            if (nanos - c.lastDataNanos >= READ_DELAY_NANOS) {
                // the application has read what came before the pause
                c.rmem = 0;
            }
            c.lastDataNanos = nanos;
            c.rcvNxt += len;
            c.rmem += len + TRUESIZE_OVERHEAD;
            dataReceived(c, in, l4, doff, flags, len);
        }
        if ((flags & FIN) != 0) {
            // tcp_fin, then the application reads the end of file and closes: our FIN carries the ACK
            c.rcvNxt++;
            c.rmem = 0;
            c.state = LAST_ACK;
            ack(c, out, nanos, FIN);
            c.sndNxt++;
            return true;
        }
        if (len > 0 && !ackNow(c)) {
            // __tcp_ack_snd_check: the ACK waits for the reader or the delayed-ACK timer
            if (!c.ackPending) {
                c.ackPending = true;
                c.ackPendingNanos = nanos;
                owed++;
            }
            return false;
        }
        ack(c, out, nanos, 0);
        return true;
    }

    /**
     * {@code __tcp_ack_snd_check}: at once in quick-ack mode, or when more than a full segment is unacknowledged
     * and the window would not shrink.
     */
    private static boolean ackNow(Conn c) {
        return c.quick > 0 || c.rcvNxt - c.rcvWup > c.rcvMss && chooseWindow(c) >= c.rcvWnd;
    }

    /**
     * What the application's reads and the delayed-ACK timer send by {@code nanos} (the feeder's timers): at most one
     * ACK per call, written into {@code out}; false when nothing is due.
     */
    boolean timers(long nanos, Packet out) {
        if (owed == 0) {
            return false;
        }
        for (Conn c : conns.values()) {
            if (c.state != ESTABLISHED || !c.ackPending) {
                continue;
            }
            long read = c.lastDataNanos + READ_DELAY_NANOS;
            if (c.rmem > 0 && nanos >= read) {
                // the reader drains the queue (tcp_cleanup_rbuf): the owed ACK goes when more than a segment
                // is unacknowledged or a short segment came
                c.rmem = 0;
                if (c.rcvNxt - c.rcvWup > c.rcvMss || c.pushed) {
                    ack(c, out, read, 0);
                    return true;
                }
            }
            long delack = c.ackPendingNanos + DELACK_NANOS;
            if (nanos >= delack) {
                c.rmem = 0;
                ack(c, out, delack, 0);
                return true;
            }
        }
        return false;
    }

    /** {@code tcp_event_data_recv}: the receive MSS and scaling ratio, the quick-ack engine, window growth. */
    private static void dataReceived(Conn c, Packet in, int l4, int doff, int flags, int len) {
        int truesize = len + TRUESIZE_OVERHEAD;
        // tcp_measure_rcv_mss
        int lss = c.lastSegSize;
        c.lastSegSize = 0;
        if (len >= c.rcvMss) {
            if (len != c.rcvMss) {
                int old = c.ratio;
                int r = (int) (((long) len << RATIO_SHIFT) / truesize);
                c.ratio = r != 0 ? Math.min(r, 255) : 1;
                if (old != c.ratio) {
                    setWindowClamp(c, winFromSpace(c.ratio, TCP_RMEM_DEFAULT));
                    if (c.windowClamp < c.rcvSsthresh) {
                        c.rcvSsthresh = c.windowClamp;
                    }
                }
            }
            c.rcvMss = Math.min(len, c.advmss);
        } else {
            int withHeader = len + doff;
            int expectedHeader = 20 + (c.ts ? TCPOLEN_TSTAMP_ALIGNED : 0);
            boolean same = false;
            if (withHeader >= TCP_MSS_DEFAULT + 20
                || withHeader >= TCP_MIN_MSS + 20 && (flags & (FIN | URG | SYN | PSH)) == 0) {
                int size = withHeader - expectedHeader;
                c.lastSegSize = size;
                if (size == lss) {
                    c.rcvMss = size;
                    same = true;
                }
            }
            if (!same) {
                c.pushed = true;
            }
        }
        if (!c.atoSet) {
            // the first data segment starts the delayed-ACK engine in quick-ack mode
            c.quick = Math.max(c.quick, quickacks(c));
            c.atoSet = true;
        }
        if (len >= 128) {
            growWindow(c, len);
        }
    }

    private static int quickacks(Conn c) {
        int q = c.rcvWnd / (2 * c.rcvMss);
        return Math.min(q == 0 ? 2 : q, TCP_MAX_QUICKACKS);
    }

    /** {@code tcp_set_window_clamp}. */
    private static void setWindowClamp(Conn c, int val) {
        int old = c.windowClamp;
        int clamp = Math.max(2304 / 2, val);
        if (clamp == old) {
            return;
        }
        c.windowClamp = clamp;
        if (clamp < old) {
            c.rcvSsthresh = Math.min(c.rcvSsthresh, clamp);
        } else {
            c.rcvSsthresh = Math.max(Math.min(c.rcvWnd, clamp), c.rcvSsthresh);
        }
    }

    /**
     * {@code tcp_grow_window}: rcv_ssthresh grows by twice the MSS (at least twice the segment) while there is room
     * under the clamp and the free buffer. The segment's payload is in page fragments, so its adjusted truesize is
     * its length and the cheap branch applies.
     */
    private static void growWindow(Conn c, int len) {
        int room = Math.min(c.windowClamp, space(c)) - c.rcvSsthresh;
        if (room <= 0) {
            return;
        }
        int incr = Math.max(2 * c.advmss, 2 * len);
        c.rcvSsthresh += Math.min(room, incr);
        c.quick |= 1;
    }

    private static int winFromSpace(int ratio, long space) {
        return (int) ((space * ratio) >> RATIO_SHIFT);
    }

    /** {@code tcp_space}: the free receive buffer as window. */
    private static int space(Conn c) {
        return winFromSpace(c.ratio, TCP_RMEM_DEFAULT - c.rmem);
    }

    /** {@code __tcp_select_window}. */
    static int chooseWindow(Conn c) {
        int mss = c.rcvMss;
        int free = space(c);
        int allowed = winFromSpace(c.ratio, TCP_RMEM_DEFAULT);
        int full = Math.min(c.windowClamp, allowed);
        if (mss > full) {
            mss = full;
            if (mss <= 0) {
                return 0;
            }
        }
        if (free < (full >> 1)) {
            c.quick = 0;
            free = free & -(1 << c.rcvWscale);
            if (free < (allowed >> 4) || free < mss) {
                return 0;
            }
        }
        if (free > c.rcvSsthresh) {
            free = c.rcvSsthresh;
        }
        if (c.rcvWscale != 0) {
            return align(free, c.rcvWscale);
        }
        int window = c.rcvWnd;
        if (window <= free - mss || window > free) {
            window = free / mss * mss;
        } else if (mss == full && free > window + (full >> 1)) {
            window = free;
        }
        return window;
    }

    private static int align(int v, int shift) {
        int unit = 1 << shift;
        return (v + unit - 1) & -unit;
    }

    /** {@code tcp_select_window}: never shrinks what was offered; scaled for the header. */
    static int selectWindow(Conn c) {
        int cur = Math.max(0, c.rcvWup + c.rcvWnd - c.rcvNxt);
        int w = chooseWindow(c);
        if (w < cur) {
            w = align(cur, c.rcvWscale);
        }
        c.rcvWnd = w;
        c.rcvWup = c.rcvNxt;
        return (int) Math.min(w & 0xffffffffL, 65535L << c.rcvWscale) >>> c.rcvWscale;
    }

    /**
     * The TSval of a segment sent now: the SYN-ACK's plus the milliseconds since, counted from where in its
     * millisecond the kernel's clock was (the middle of what the peer's echoes allow); the peer's next echo of it
     * when that is within a millisecond of the prediction (the recording kernel's clock and the capture's do not tick
     * together), which narrows the phase for the next ones.
     */
    private int tsNow(Conn c, long nanos, int nextPeerSeq) {
        long since = nanos - c.tsBaseNanos;
        if (peers != null && c.peerEcho - c.tsLast >= 0
            && peers.nextEcho(c.key.family, c.key.peerHi, c.key.peerLo, c.key.peerPort, c.peerEcho, seen)) {
            // everything sent so far has been echoed, so the next newer echo comes from this segment or a later
            // one: this TSval is at most that echo, which bounds the phase from above
            long hi = (long) (seen.tsecr - c.tsBase + 1) * 1_000_000L - since;
            if (hi > c.phaseLo && hi < c.phaseHi) {
                c.phaseHi = hi;
            }
        }
        int predicted = c.tsBase + (int) Math.floorDiv((c.phaseLo + c.phaseHi) / 2 + since, 1_000_000L);
        // the clock never goes back: an echo older than what was sent last is the echo of an earlier segment
        if (predicted - c.tsLast < 0) {
            predicted = c.tsLast;
        }
        if (peers != null && peers.next(c.key.family, c.key.peerHi, c.key.peerLo, c.key.peerPort, nextPeerSeq, seen)
            && seen.hasTimestamp && Math.abs(seen.tsecr - predicted) <= 1 && seen.tsecr - c.tsLast >= 0) {
            // echo = base + floor(phase + since): the phase lies in [echo - base) ms - since, plus a millisecond
            long lo = (long) (seen.tsecr - c.tsBase) * 1_000_000L - since;
            long hi = lo + 1_000_000L;
            if (Math.max(lo, c.phaseLo) < Math.min(hi, c.phaseHi)) {
                c.phaseLo = Math.max(lo, c.phaseLo);
                c.phaseHi = Math.min(hi, c.phaseHi);
            }
            c.tsLast = seen.tsecr;
            return seen.tsecr;
        }
        c.tsLast = predicted;
        return predicted;
    }

    /** The SYN-ACK (IP id 0, DF), options in Linux's order: MSS, SACK-permitted with timestamps, window scale. */
    private void synAck(Conn c, Packet out, long nanos, int mssOpt) {
        int optLen = 4 + (c.ts ? 12 : c.sack ? 4 : 0) + (c.wscaleOk ? 4 : 0);
        int ip = header(c, out, 20 + optLen, 0);
        writeTcp(c, out, ip, c.iss, c.rcvNxt, SYN | ACK | (c.ecn ? ECE : 0), Math.min(c.rcvWnd, 65535), optLen);
        int o = ip + 20;
        out.put8(o, 2);
        out.put8(o + 1, 4);
        out.put16(o + 2, mssOpt);
        o += 4;
        if (c.ts) {
            if (c.sack) {
                out.put8(o, 4);
                out.put8(o + 1, 2);
            } else {
                out.put8(o, 1);
                out.put8(o + 1, 1);
            }
            out.put8(o + 2, 8);
            out.put8(o + 3, 10);
            out.put32(o + 4, tsNow(c, nanos, c.rcvNxt));
            out.put32(o + 8, c.tsRecent);
            o += 12;
        } else if (c.sack) {
            out.put32(o, 0x01010402);
            o += 4;
        }
        if (c.wscaleOk) {
            out.put8(o, 1);
            out.put8(o + 1, 3);
            out.put8(o + 2, 3);
            out.put8(o + 3, c.rcvWscale);
        }
        finish(c, out, ip);
    }

    /** An ACK (with {@code extra} flags: FIN) from the socket, IP id from its counter. */
    private void ack(Conn c, Packet out, long nanos, int extra) {
        int optLen = c.ts ? 12 : 0;
        int ip = header(c, out, 20 + optLen, c.ipId);
        c.ipId = (c.ipId + 1) & 0xffff;
        int window = selectWindow(c);
        writeTcp(c, out, ip, c.sndNxt, c.rcvNxt, ACK | extra, window, optLen);
        if (c.ts) {
            out.put32(ip + 20, 0x0101080a);
            out.put32(ip + 24, tsNow(c, nanos, c.rcvNxt));
            out.put32(ip + 28, c.tsRecent);
        }
        if (c.quick > 0) {
            c.quick--;
        }
        // tcp_event_ack_sent: nothing is owed any more
        if (c.ackPending) {
            c.ackPending = false;
            owed--;
        }
        c.pushed = false;
        finish(c, out, ip);
    }

    /** Starts {@code out} with the IP header towards the peer; returns the TCP header's offset. */
    private static int header(Conn c, Packet out, int tcpLen, int id) {
        int ipLen = c.key.family == Family.IPV4 ? 20 : 40;
        int total = ipLen + tcpLen;
        out.reset().load(new byte[total], 0, total, 64);
        if (c.key.family == Family.IPV4) {
            IpOut.ipv4Header(out, c.tos, id, true, IpOut.DEFAULT_TTL, IpProto.TCP, c.key.ownLo, c.key.peerLo, tcpLen);
        } else {
            IpOut.ipv6Header(out, c.tos, 0, IpOut.DEFAULT_TTL, IpProto.TCP, c.key.ownHi, c.key.ownLo, c.key.peerHi,
                c.key.peerLo, tcpLen);
        }
        return ipLen;
    }

    private static void writeTcp(Conn c, Packet out, int at, int seq, int ack, int flags, int window, int optLen) {
        out.put16(at, c.key.ownPort);
        out.put16(at + 2, c.key.peerPort);
        out.put32(at + 4, seq);
        out.put32(at + 8, ack);
        out.put8(at + 12, (20 + optLen) >>> 2 << 4);
        out.put8(at + 13, flags);
        out.put16(at + 14, window);
        out.put16(at + 16, 0);
        out.put16(at + 18, 0);
    }

    private static void finish(Conn c, Packet out, int ip) {
        IpOut.l4Checksum(out, ip, IpProto.TCP, ip + 16);
    }

    private long mix(long z) {
        z += seed;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Connections open now (handshakes included). */
    int size() {
        return conns.size();
    }
}
