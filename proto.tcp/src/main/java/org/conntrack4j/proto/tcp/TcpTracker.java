package org.conntrack4j.proto.tcp;

import static org.conntrack4j.proto.tcp.TcpProtoState.before;
import static org.conntrack4j.proto.tcp.TcpStateTable.ACK_SET;
import static org.conntrack4j.proto.tcp.TcpStateTable.CLOSE;
import static org.conntrack4j.proto.tcp.TcpStateTable.ESTABLISHED;
import static org.conntrack4j.proto.tcp.TcpStateTable.FIN_SET;
import static org.conntrack4j.proto.tcp.TcpStateTable.FIN_WAIT;
import static org.conntrack4j.proto.tcp.TcpStateTable.IGNORE;
import static org.conntrack4j.proto.tcp.TcpStateTable.INVALID;
import static org.conntrack4j.proto.tcp.TcpStateTable.LAST_ACK;
import static org.conntrack4j.proto.tcp.TcpStateTable.RST_SET;
import static org.conntrack4j.proto.tcp.TcpStateTable.SYNACK_SET;
import static org.conntrack4j.proto.tcp.TcpStateTable.SYN_RECV;
import static org.conntrack4j.proto.tcp.TcpStateTable.SYN_SENT;
import static org.conntrack4j.proto.tcp.TcpStateTable.SYN_SENT2;
import static org.conntrack4j.proto.tcp.TcpStateTable.SYN_SET;
import static org.conntrack4j.proto.tcp.TcpStateTable.TIME_WAIT;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.PluginServices;
import org.conntrack4j.core.api.ProtoInfo;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.api.Settings;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.spi.L4Tracker;
import org.conntrack4j.core.spi.TrackerService;
import org.conntrack4j.core.text.CtFormat;
import org.osgi.service.component.annotations.Component;

/**
 * The TCP tracker ({@code nf_conntrack_proto_tcp.c}) for IPv4 and IPv6: header validation, the state table
 * ({@link TcpStateTable}), window tracking ({@link TcpWindow}), the special cases around reopening, RSTs and
 * getting back in sync, and the choice of timeout.
 *
 * <p>Per-connection state is a {@link TcpProtoState} in the connection's proto state, guarded by the
 * connection's monitor. Log messages, events, kills and timeout refreshes happen after the monitor is
 * released (the kernel logs only with {@code ct->lock} dropped). Locks: the core's lock order
 * ({@code org.conntrack4j.core.impl}). Nothing is
 * allocated for a valid packet of a known connection; reason strings are built only for packets that get
 * one.
 */
@Component
@TrackerService(l4proto = 6)
public final class TcpTracker implements L4Tracker {
    // What the locked part decided; acted upon once the monitor is released.
    private static final int PROCEED = 0;
    private static final int REOPEN = 1;
    private static final int IGNORED = 2;
    private static final int INVALID_STATE = 3;
    private static final int CHALLENGE_ACK = 4;
    private static final int INVALID_RST = 5;
    private static final int WINDOW_IGNORE = 6;
    private static final int WINDOW_INVALID = 7;

    /**
     * The settings, defined when this class is initialised (the component is created), so that they can be
     * set by name as soon as the tracker is registered, before its first packet.
     */
    private static final List<SettingKey> SETTINGS = TcpSettings.ALL;

    /** Below this many seconds left, an out-of-window FIN or RST does not shorten the timeout. */
    private static final int HANDLE_INVALID_FLOOR_SECONDS = 120;

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public boolean pktToTuple(Packet pkt, int dataoff, Tuple t) {
        if (pkt.length() - dataoff < 4) {
            return false;
        }
        t.srcPort = pkt.u16(dataoff);
        t.dstPort = pkt.u16(dataoff + 2);
        return true;
    }

    @Override
    public void formatTuple(StringBuilder sb, Tuple t) {
        sb.append(CtFormat.ports(t));
    }

    @Override
    public String stateName(Connection ct) {
        Object st = ct.protoState();
        return TcpStateTable.name(st instanceof TcpProtoState ? ((TcpProtoState) st).state() : TcpStateTable.NONE);
    }

    @Override
    public boolean canEarlyDrop(Connection ct) {
        Object st = ct.protoState();
        return st instanceof TcpProtoState && TcpStateTable.closing(((TcpProtoState) st).state());
    }

    @Override
    public List<SettingKey> settings() {
        return SETTINGS;
    }

    @Override
    public boolean seqAdjust(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo) {
        return TcpSeqAdjust.adjust(ct, pkt, dataoff, ctinfo);
    }

    /**
     * {@code nlattr_to_tcp}: the state administration gives a connection it inserts (a state of the table, else
     * refused as {@code EINVAL}), each sender's flags and window scale where given. The windows stay unknown
     * ({@code td_maxwin} 0): each side's first packet starts its window tracking, as for a connection picked up
     * in the middle.
     */
    @Override
    public boolean setProtoInfo(Conntrack net, Connection ct, ProtoInfo info) {
        if (info.state() >= TcpStateTable.STATES) {
            return false;
        }
        TcpProtoState st = new TcpProtoState();
        st.state = (byte) info.state();
        st.lastIndex = TcpStateTable.NONE_SET;
        for (int dir = 0; dir < 2; dir++) {
            if (info.hasTcpFlags()) {
                st.flags(dir, info.tcpFlags(dir));
            }
            if (info.hasTcpWindowScale()) {
                st.scale(dir, info.tcpWindowScale(dir));
            }
        }
        ct.setProtoState(st);
        return true;
    }

    /** {@code tcp_to_nlattr}: state, and each direction's window scale and flags. */
    @Override
    public ProtoInfo protoInfo(Connection ct) {
        if (!(ct.protoState() instanceof TcpProtoState st)) {
            return null;
        }
        synchronized (ct) {
            return ProtoInfo.state(st.state()).withTcpWindowScale(st.scale(0), st.scale(1))
                .withTcpFlags(st.flags(0), st.flags(1));
        }
    }

    /**
     * {@code nf_conntrack_tcp_set_closing}: the stack reset the connection (a rule's reject): CLOSE, with CLOSE's
     * timeout unless it was CLOSE already or has a fixed timeout, and the state's event.
     */
    @Override
    public void setClosing(Conntrack net, Connection ct) {
        if (!(ct.protoState() instanceof TcpProtoState st)) {
            return;
        }
        synchronized (ct) {
            int old = st.state();
            st.state = (byte) CLOSE;
            if (old == CLOSE || ct.hasStatus(Status.FIXED_TIMEOUT)) {
                return;
            }
        }
        net.packets().refresh(ct, net.services().timeout(ct, TcpSettings.TIMEOUT_CLOSE));
        net.packets().cacheEvent(ct, CtEvent.PROTOINFO);
    }

    /**
     * {@code nf_conntrack_tcp_packet}: returns {@code ACCEPT}, {@code -ACCEPT} for an invalid packet,
     * {@code -REPEAT} when a SYN reopens a closed connection (the engine then creates a new one), or
     * {@code DROP} when that connection is already being destroyed by someone else.
     */
    @Override
    public int packet(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo) {
        if (pkt.length() - dataoff < 20) {
            // The kernel cannot read the header and says nothing.
            pkt.reason = "truncated header";
            pkt.logProto = IpProto.TCP;
            return -Verdict.ACCEPT;
        }
        String bad = headerProblem(net, pkt, dataoff);
        if (bad != null) {
            net.packets().logInvalid(pkt, IpProto.TCP, bad);
            return -Verdict.ACCEPT;
        }
        Settings cfg = net.settings();
        int flags = pkt.u8(dataoff + 13);
        int index = TcpStateTable.index(flags);
        TcpProtoState st;
        if (!ct.isConfirmed()) {
            st = newConnection(net, pkt, dataoff, flags, index, cfg);
            if (st == null) {
                return -Verdict.ACCEPT;
            }
            ct.setProtoState(st);
        } else {
            Object o = ct.protoState();
            if (!(o instanceof TcpProtoState)) {
                pkt.reason = "connection without TCP state";
                return -Verdict.ACCEPT;
            }
            st = (TcpProtoState) o;
        }

        int dir = CtInfo.direction(ctinfo);
        int rdir = dir ^ 1;
        int seq = pkt.u32(dataoff + 4);
        int ackSeq = pkt.u32(dataoff + 8);
        int hz = net.clock().hz();
        int oldState;
        int newState;
        int outcome = PROCEED;
        long window = 0;
        long timeout = 0;

        synchronized (ct) {
            oldState = st.state();
            newState = TcpStateTable.next(dir, index, oldState);
            decided:
            {
                boolean checkWindow = true;
                switch (newState) {
                    case SYN_SENT:
                        if (oldState < TIME_WAIT) {
                            break;
                        }
                        // A SYN on a closed (TIME_WAIT, CLOSE) connection that one side closed with a FIN,
                        // or that this side aborted with a RST, starts a new connection (RFC 1122 4.2.2.13):
                        // forget this one and let the engine look the packet up again.
                        if (((st.flags(dir) | st.flags(rdir)) & TcpProtoState.CLOSE_INIT) != 0
                            || (st.lastDir == dir && st.lastIndex == RST_SET)) {
                            outcome = REOPEN;
                            break decided;
                        }
                        // Otherwise we may be out of sync with the ends: treat it as an ignored packet.
                        // fall through
                    case IGNORE:
                        if (index == SYNACK_SET && st.lastIndex == SYN_SET && st.lastDir != dir
                            && ackSeq == st.lastEnd) {
                            // This SYN/ACK answers a SYN we ignored: the ends are in sync and we were not.
                            // Restart from the ignored SYN's numbers and options.
                            oldState = SYN_SENT;
                            newState = SYN_RECV;
                            int ld = st.lastDir;
                            st.end(ld, st.lastEnd);
                            st.maxend(ld, st.lastEnd);
                            st.maxwin(ld, st.lastWin == 0 ? 1 : st.lastWin);
                            st.scale(ld, st.lastWscale);
                            st.lastFlags = (byte) (st.lastFlags() & ~TcpProtoState.EXP_CHALLENGE_ACK);
                            st.flags(ld, st.lastFlags());
                            st.resetDirection(dir);
                            break;
                        }
                        rememberIgnored(st, pkt, dataoff, dir, index, oldState, flags, seq, ackSeq);
                        outcome = IGNORED;
                        break decided;
                    case INVALID:
                        outcome = INVALID_STATE;
                        break decided;
                    case TIME_WAIT:
                        // An ACK answering a SYN we let through in LAST_ACK is an RFC 5961 challenge ACK,
                        // not the last ACK of the close.
                        if (oldState == LAST_ACK && index == ACK_SET && st.lastDir != dir
                            && st.lastIndex == SYN_SET && (st.lastFlags() & TcpProtoState.EXP_CHALLENGE_ACK) != 0) {
                            st.lastFlags = (byte) (st.lastFlags() & ~TcpProtoState.EXP_CHALLENGE_ACK);
                            outcome = CHALLENGE_ACK;
                            break decided;
                        }
                        break;
                    case SYN_SENT2:
                        // Remember the simultaneous open: the table alone cannot finish it.
                        st.lastFlags = (byte) (st.lastFlags() | TcpProtoState.SIMULTANEOUS_OPEN);
                        break;
                    case SYN_RECV:
                        if (dir == Direction.REPLY && index == ACK_SET
                            && (st.lastFlags() & TcpProtoState.SIMULTANEOUS_OPEN) != 0) {
                            newState = ESTABLISHED;
                        }
                        break;
                    case CLOSE:
                        if (index != RST_SET) {
                            break;
                        }
                        if (TcpStateTable.closing(st.state())) {
                            // Closing: the tuple may already be in use again and our numbers stale.
                            checkWindow = false;
                            break;
                        }
                        if (st.hasFlag(rdir, TcpProtoState.MAXACK_SET) && st.lastIndex != SYN_SET) {
                            if (seq == 0 && !established(ct, st)) {
                                // Most likely the answer to a SYN we let through.
                                break;
                            }
                            if (before(seq, st.maxack(rdir)) && cfg.get(TcpSettings.IGNORE_INVALID_RST) == 0) {
                                outcome = INVALID_RST;
                                break decided;
                            }
                            if (!established(ct, st) || seq == st.maxack(rdir)) {
                                break;
                            }
                            // A RST right behind this side's last data segment (a "train") is fine.
                            if (st.lastIndex == ACK_SET && st.lastDir == dir && seq == st.lastEnd) {
                                break;
                            }
                            // In window but not exactly where expected: keep the state, so that the
                            // peer's challenge ACK can still pass (RFC 5961).
                            newState = oldState;
                        }
                        if (((ct.hasStatus(Status.SEEN_REPLY) && st.lastIndex == SYN_SET && st.lastDir != dir)
                            || (!ct.hasStatus(Status.ASSURED) && st.lastIndex == ACK_SET))
                            && ackSeq == st.lastEnd) {
                            // The RST answers a SYN or ACK we let through while out of sync (ignored
                            // above): it may acknowledge what we ignored, so skip the window check.
                            checkWindow = false;
                            break;
                        }
                        if (oldState == SYN_SENT && st.lastIndex == ACK_SET && st.lastDir == Direction.REPLY
                            && seq == st.lastAck) {
                            // The RST answers a challenge ACK we let through.
                            checkWindow = false;
                        }
                        break;
                    default:
                        break;
                }
                if (checkWindow) {
                    // The window check sees the stored state, which a resynchronisation above leaves as it was.
                    window = TcpWindow.check(st, dir, index, st.state(), pkt, dataoff, flags, ct.seqAdj(),
                        cfg.get(TcpSettings.BE_LIBERAL) != 0);
                    int action = TcpWindow.action(window);
                    if (action == TcpWindow.IGNORE) {
                        outcome = WINDOW_IGNORE;
                        break decided;
                    }
                    if (action == TcpWindow.INVALID) {
                        lowerTimeoutOnInvalid(net, ct, st, dir, index, cfg, hz);
                        outcome = WINDOW_INVALID;
                        break decided;
                    }
                }
                // In window from here on.
                st.lastIndex = (byte) index;
                st.lastDir = (byte) dir;
                st.state = (byte) newState;
                if (oldState != newState && newState == FIN_WAIT) {
                    st.addFlag(dir, TcpProtoState.CLOSE_INIT);
                }
                timeout = chooseTimeout(net, ct, st, index, newState, cfg);
            }
        }

        switch (outcome) {
            case REOPEN:
                return net.packets().kill(ct) ? -Verdict.REPEAT : refusedReopen(pkt);
            case IGNORED:
                net.packets().logInvalid(pkt, IpProto.TCP, stateMessage(index, dir, "ignored", oldState));
                return Verdict.ACCEPT;
            case INVALID_STATE:
                net.packets().logInvalid(pkt, IpProto.TCP, stateMessage(index, dir, "invalid", oldState));
                return -Verdict.ACCEPT;
            case CHALLENGE_ACK:
                net.packets().logInvalid(pkt, IpProto.TCP, "challenge-ack ignored");
                return Verdict.ACCEPT;
            case INVALID_RST:
                net.packets().logInvalid(pkt, IpProto.TCP, "invalid rst");
                return -Verdict.ACCEPT;
            case WINDOW_IGNORE:
                logWindow(net, pkt, window);
                return Verdict.ACCEPT;
            case WINDOW_INVALID:
                logWindow(net, pkt, window);
                // When the timeout was lowered the kernel logs a second line, "lowered timeout to UNACK";
                // a packet carries one reason, the first.
                return -Verdict.ACCEPT;
            default:
                break;
        }

        if (newState != oldState) {
            net.packets().cacheEvent(ct, CtEvent.PROTOINFO);
        }
        int status = ct.status();
        if ((status & Status.SEEN_REPLY) == 0) {
            if ((flags & TcpStateTable.TH_RST) != 0) {
                // Only a RST came back: the connection was refused or aborted before it began.
                net.packets().kill(ct, pkt);
                return Verdict.ACCEPT;
            }
            if (index == SYN_SET && oldState == SYN_SENT) {
                // A retransmitted SYN does not extend the timeout, or a reused port could keep the entry
                // (and its NAT binding) alive for ever.
                return Verdict.ACCEPT;
            }
            // A picked-up connection not answered yet does not get the long ESTABLISHED timeout.
            long unack = net.services().timeout(ct, TcpSettings.TIMEOUT_UNACKNOWLEDGED);
            if (newState == ESTABLISHED && timeout > unack) {
                timeout = unack;
            }
        } else if ((status & Status.ASSURED) == 0 && (oldState == SYN_RECV || oldState == ESTABLISHED)
            && newState == ESTABLISHED) {
            // The handshake completed, or a picked-up connection got a valid answer.
            ct.setStatus(Status.ASSURED);
            net.packets().cacheEvent(ct, CtEvent.ASSURED);
        }
        net.packets().refresh(ct, pkt, timeout);
        return Verdict.ACCEPT;
    }

    /** {@code tcp_error}: the kernel's reason for a malformed header, or null. */
    private static String headerProblem(Conntrack net, Packet pkt, int dataoff) {
        int tcplen = pkt.length() - dataoff;
        int doff = TcpOptions.headerLength(pkt, dataoff);
        if (doff < 20 || tcplen < doff) {
            return "truncated packet";
        }
        // Only packets from the wire are checked; locally generated ones are trusted.
        if (pkt.hook == Hook.PRE_ROUTING && net.settings().get(CoreSettings.CHECKSUM) != 0
            && !Checksum.l4Valid(pkt, dataoff, IpProto.TCP)) {
            return "bad checksum";
        }
        if (!TcpStateTable.validFlags(pkt.u8(dataoff + 13))) {
            return "invalid tcp flag combination";
        }
        return null;
    }

    /**
     * {@code tcp_new}: the state of a connection's first packet. A SYN starts SYN_SENT; with
     * {@code nf_conntrack_tcp_loose} an ACK is taken as a connection already in progress, with SACK
     * assumed and window checks relaxed in both directions (its window scaling is unknown). Returns null
     * when the packet cannot start a connection.
     */
    private static TcpProtoState newConnection(Conntrack net, Packet pkt, int dataoff, int flags, int index,
        Settings cfg) {
        int first = TcpStateTable.next(Direction.ORIGINAL, index, TcpStateTable.NONE);
        if (first >= INVALID) {
            net.packets().logInvalid(pkt, IpProto.TCP, "invalid new");
            return null;
        }
        boolean syn = first == SYN_SENT;
        if (!syn && cfg.get(TcpSettings.LOOSE) == 0) {
            pkt.reason = "not picked up: nf_conntrack_tcp_loose is 0";
            pkt.logProto = IpProto.TCP;
            return null;
        }
        TcpProtoState st = new TcpProtoState();
        int end = TcpWindow.segmentEnd(pkt, dataoff, pkt.u32(dataoff + 4), flags);
        int win = pkt.u16(dataoff + 14);
        int maxwin = win == 0 ? 1 : win;
        st.end(Direction.ORIGINAL, end);
        st.maxwin(Direction.ORIGINAL, maxwin);
        if (syn) {
            st.maxend(Direction.ORIGINAL, end);
            TcpWindow.applyOptions(st, Direction.ORIGINAL, TcpOptions.parse(pkt, dataoff));
        } else {
            st.maxend(Direction.ORIGINAL, end + maxwin);
            st.flags(Direction.ORIGINAL, TcpProtoState.SACK_PERM | TcpProtoState.BE_LIBERAL);
            st.flags(Direction.REPLY, TcpProtoState.SACK_PERM | TcpProtoState.BE_LIBERAL);
        }
        st.lastIndex = TcpStateTable.NONE_SET;
        return st;
    }

    /**
     * Notes an ignored packet, so that the other end's answer can be recognised: a SYN/ACK acknowledging an
     * ignored SYN (resynchronisation), an RST answering it, a challenge ACK.
     */
    private static void rememberIgnored(TcpProtoState st, Packet pkt, int dataoff, int dir, int index, int oldState,
        int flags, int seq, int ackSeq) {
        st.lastIndex = (byte) index;
        st.lastDir = (byte) dir;
        st.lastSeq = seq;
        st.lastEnd = TcpWindow.segmentEnd(pkt, dataoff, seq, flags);
        st.lastWin = (char) pkt.u16(dataoff + 14);
        if (index == SYN_SET && dir == Direction.ORIGINAL) {
            // A new SYN while we think the connection is open: keep its options for the SYN/ACK it may get.
            int opts = TcpOptions.parse(pkt, dataoff);
            int lastFlags = 0;
            int wscale = 0;
            if (opts != TcpOptions.NO_OPTIONS) {
                if ((opts & TcpProtoState.WINDOW_SCALE) != 0) {
                    lastFlags |= TcpProtoState.WINDOW_SCALE;
                    wscale = opts >>> 8;
                }
                lastFlags |= opts & TcpProtoState.SACK_PERM;
            }
            // In LAST_ACK the answer may be a challenge ACK that must not count as the last ACK.
            if (oldState == LAST_ACK) {
                lastFlags |= TcpProtoState.EXP_CHALLENGE_ACK;
            }
            st.lastFlags = (byte) lastFlags;
            st.lastWscale = (byte) wscale;
        }
        if (oldState == SYN_SENT && index == ACK_SET && dir == Direction.REPLY) {
            // Perhaps a challenge ACK answering our SYN; a RST from the client may follow with this number.
            st.lastAck = ackSeq;
        }
    }

    /** {@code nf_conntrack_tcp_established}. */
    private static boolean established(Connection ct, TcpProtoState st) {
        return st.state() == ESTABLISHED && ct.hasStatus(Status.ASSURED);
    }

    /**
     * {@code nf_tcp_handle_invalid}: an out-of-window FIN or RST of an ASSURED connection answering the
     * other side's out-of-window FIN or RST means the ends and we disagree; shorten a long timeout to the
     * unacknowledged one so the dead entry goes away. Returns true if it did.
     */
    private static boolean lowerTimeoutOnInvalid(Conntrack net, Connection ct, TcpProtoState st, int dir, int index,
        Settings cfg, int hz) {
        if (!ct.hasStatus(Status.ASSURED) || ct.hasStatus(Status.FIXED_TIMEOUT)) {
            return false;
        }
        if (index != RST_SET && index != FIN_SET) {
            return false;
        }
        if (st.lastDir != dir && (st.lastIndex == FIN_SET || st.lastIndex == RST_SET)) {
            long expires = ct.expires(net.now());
            if (expires < (long) HANDLE_INVALID_FLOOR_SECONDS * hz) {
                return false;
            }
            long unack = net.services().timeout(ct, TcpSettings.TIMEOUT_UNACKNOWLEDGED);
            if (expires > unack) {
                net.packets().refresh(ct, unack);
                return true;
            }
        } else {
            st.lastIndex = (byte) index;
            st.lastDir = (byte) dir;
        }
        return false;
    }

    /**
     * The timeout for the new state, in jiffies, from the connection's timeout policy or the settings
     * ({@code nf_ct_timeout_lookup}), in the kernel's order: too many retransmissions, a RST
     * (CLOSE's timeout, also when an inexact RST left the state as it was), unacknowledged data, a zero
     * window, else the state's own.
     *
     * <p>Linux 6.12 gives a RST that keeps ESTABLISHED the unacknowledged timeout, and only when shorter; the
     * 6.18 kernel the recordings come from gives every in-window RST the CLOSE timeout, shorter or not
     * (asked of the kernel: testdata/probes/tcp/rst_inexact*, scenarios rst_inexact*).
     */
    private static long chooseTimeout(Conntrack net, Connection ct, TcpProtoState st, int index, int newState,
        Settings cfg) {
        PluginServices s = net.services();
        long own = s.timeout(ct, TcpSettings.timeoutKey(newState));
        long retrans = s.timeout(ct, TcpSettings.TIMEOUT_MAX_RETRANS);
        long unack = s.timeout(ct, TcpSettings.TIMEOUT_UNACKNOWLEDGED);
        if (st.retrans() >= cfg.get(TcpSettings.MAX_RETRANS) && own > retrans) {
            return retrans;
        }
        if (index == RST_SET) {
            return s.timeout(ct, TcpSettings.TIMEOUT_CLOSE);
        }
        if (((st.flags(Direction.ORIGINAL) | st.flags(Direction.REPLY)) & TcpProtoState.DATA_UNACKNOWLEDGED) != 0
            && own > unack) {
            return unack;
        }
        if (st.lastWin == 0 && own > retrans) {
            return retrans;
        }
        return own;
    }

    private static String stateMessage(int index, int dir, String what, int state) {
        return "packet (index " + index + ") in dir " + dir + " " + what + ", state " + TcpStateTable.name(state);
    }

    private static void logWindow(Conntrack net, Packet pkt, long window) {
        String reason = TcpWindow.reason(window);
        if (reason != null) {
            net.packets().logInvalid(pkt, IpProto.TCP, reason);
        }
    }

    private static int refusedReopen(Packet pkt) {
        pkt.reason = "reopening SYN for a connection already being destroyed";
        pkt.logProto = IpProto.TCP;
        return Verdict.DROP;
    }
}
