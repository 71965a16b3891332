package org.conntrack4j.proto.sctp;

import static org.conntrack4j.proto.sctp.SctpStateTable.ABORT;
import static org.conntrack4j.proto.sctp.SctpStateTable.CLOSED;
import static org.conntrack4j.proto.sctp.SctpStateTable.COOKIE_ACK;
import static org.conntrack4j.proto.sctp.SctpStateTable.COOKIE_ECHO;
import static org.conntrack4j.proto.sctp.SctpStateTable.DATA;
import static org.conntrack4j.proto.sctp.SctpStateTable.ESTABLISHED;
import static org.conntrack4j.proto.sctp.SctpStateTable.FLAG_T;
import static org.conntrack4j.proto.sctp.SctpStateTable.HEARTBEAT;
import static org.conntrack4j.proto.sctp.SctpStateTable.HEARTBEAT_ACK;
import static org.conntrack4j.proto.sctp.SctpStateTable.INIT;
import static org.conntrack4j.proto.sctp.SctpStateTable.INIT_ACK;
import static org.conntrack4j.proto.sctp.SctpStateTable.INVALID;
import static org.conntrack4j.proto.sctp.SctpStateTable.NONE;
import static org.conntrack4j.proto.sctp.SctpStateTable.SHUTDOWN_ACK;
import static org.conntrack4j.proto.sctp.SctpStateTable.SHUTDOWN_COMPLETE;

import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.CtEvent;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.ProtoInfo;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.Checksum;
import org.conntrack4j.core.spi.L4Tracker;
import org.conntrack4j.core.spi.TrackerService;
import org.conntrack4j.core.text.CtFormat;
import org.osgi.service.component.annotations.Component;

/**
 * The SCTP tracker ({@code nf_conntrack_proto_sctp.c}) for IPv4 and IPv6: the common header and its CRC32c, the
 * chunk list's basic checks, the state table ({@link SctpStateTable}) applied chunk by chunk, the verification
 * tags of both directions (learnt from INIT and INIT ACK, or from the first HEARTBEAT on a new path), and the
 * timeout of the resulting state.
 *
 * <p>Per-connection state is a {@link SctpProtoState} in the connection's proto state, guarded by the
 * connection's monitor; the monitor is held only while the chunks are applied, and the timeout is refreshed
 * after it is released. Nothing is allocated for a valid packet of a known connection; reason strings are built
 * only for invalid packets the kernel logs.
 *
 * <p>Where the kernel logs a reason ({@code nf_conntrack_log_invalid}), the text is the kernel's, with its quirks:
 * the verification tags and a chunk's length are printed as a little-endian machine prints big-endian fields
 * ({@code %x} of the raw word, byte-swapped). Where it rejects silently, the packet carries this tracker's own
 * reason for {@code ct:stats}, not logged.
 */
@Component
@TrackerService(l4proto = 132)
public final class SctpTracker implements L4Tracker {
    /** The common header: ports, verification tag, checksum. */
    private static final int HEADER = 12;
    /** A chunk header: type, flags, length. */
    private static final int CHUNK_HEADER = 4;
    /** The fixed part of INIT and INIT ACK after the chunk header ({@code struct sctp_inithdr}). */
    private static final int INIT_HEADER = 16;

    /** Chunk types the map keeps: every type the kernel tests is below. */
    private static final int MAPPED_TYPES = 16;
    /** The chunk map ({@code map} in Linux, a bit per type) of a packet whose chunks failed the basic checks. */
    private static final long BAD_CHUNKS = -1L;
    /** Chunks an out-of-the-blue packet may not carry to open a connection (RFC 9260 8.4). */
    private static final long OOTB_DISCARD = bit(ABORT) | bit(SHUTDOWN_COMPLETE) | bit(COOKIE_ACK);
    /** Chunks with their own verification tag rules (RFC 9260 8.5.1): the packet-wide check skips them. */
    private static final long OWN_TAG_RULES = bit(INIT) | bit(SHUTDOWN_COMPLETE) | bit(COOKIE_ECHO) | bit(ABORT)
        | bit(SHUTDOWN_ACK) | bit(HEARTBEAT) | bit(HEARTBEAT_ACK);

    // What applying the chunks decided (bits of the value chunks() returns; the low byte is the new state).
    private static final int STATE_MASK = 0xff;
    /** Some chunk changed the state ({@code IPCT_PROTOINFO}). */
    private static final int CHANGED = 1 << 8;
    /** Some chunk moved the state to ESTABLISHED. */
    private static final int TO_ESTABLISHED = 1 << 9;
    /** Accept without refreshing the timeout: an INIT retransmission, a HEARTBEAT with an unexpected tag. */
    private static final int IGNORE = 1 << 10;
    /** A chunk made the packet invalid (the changes of the chunks before it stay, as in Linux). */
    private static final int REJECT = 1 << 11;
    /** With {@link #REJECT}: the kernel logs the reason the chunk loop left in {@code pkt.reason}. */
    private static final int LOGGED = 1 << 12;

    private static final List<SettingKey> SETTINGS = SctpSettings.ALL;

    @Override
    public String name() {
        return "sctp";
    }

    /** {@code nf_ct_get_tuple_ports}: the two ports; fewer than 4 bytes give no tuple. */
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
        return SctpStateTable.name(st instanceof SctpProtoState ? ((SctpProtoState) st).state() : NONE);
    }

    /** {@code sctp_to_nlattr}: the state and the tag each direction's packets carry. */
    @Override
    public ProtoInfo protoInfo(Connection ct) {
        if (!(ct.protoState() instanceof SctpProtoState st)) {
            return null;
        }
        synchronized (ct) {
            return ProtoInfo.state(st.state()).withSctpVtags(st.vtag(Direction.ORIGINAL), st.vtag(Direction.REPLY));
        }
    }

    /**
     * {@code nlattr_to_sctp}: a created connection takes the state and both tags; a state SCTP does not have
     * ({@code SCTP_CONNTRACK_MAX} and above) or missing tags refuse it ({@code EINVAL}).
     */
    @Override
    public boolean setProtoInfo(Conntrack net, Connection ct, ProtoInfo info) {
        if (info.state() >= SctpStateTable.STATES || !info.hasSctpVtags()) {
            return false;
        }
        SctpProtoState st = new SctpProtoState();
        st.state = (byte) info.state();
        st.vtag(Direction.ORIGINAL, info.sctpVtag(Direction.ORIGINAL));
        st.vtag(Direction.REPLY, info.sctpVtag(Direction.REPLY));
        ct.setProtoState(st);
        return true;
    }

    @Override
    public boolean canEarlyDrop(Connection ct) {
        Object st = ct.protoState();
        return st instanceof SctpProtoState && SctpStateTable.closing(((SctpProtoState) st).state());
    }

    @Override
    public List<SettingKey> settings() {
        return SETTINGS;
    }

    /**
     * {@code nf_conntrack_sctp_packet}: returns {@code ACCEPT}, or {@code -ACCEPT} for an invalid packet (which
     * passes without a connection, as in Linux).
     */
    @Override
    public int packet(Conntrack net, Connection ct, Packet pkt, int dataoff, int ctinfo) {
        int end = pkt.length();
        if (end - dataoff < HEADER) {
            return logged(net, pkt, "nf_ct_sctp: short packet");
        }
        // Only packets from the wire are checked; locally generated ones are trusted.
        if (pkt.hook == Hook.PRE_ROUTING && net.settings().get(CoreSettings.CHECKSUM) != 0
            && !Checksum.sctpValid(pkt, dataoff)) {
            return logged(net, pkt, "nf_ct_sctp: bad CRC");
        }
        long map = chunkMap(net, pkt, dataoff, end);
        if (map == BAD_CHUNKS) {
            return -Verdict.ACCEPT;
        }
        SctpProtoState st;
        if (!ct.isConfirmed()) {
            if ((map & OOTB_DISCARD) != 0) {
                return unlogged(pkt, "out of the blue ABORT, SHUTDOWN COMPLETE or COOKIE ACK");
            }
            st = new SctpProtoState();
            String refused = firstPacket(st, pkt, dataoff, end);
            if (refused != null) {
                return unlogged(pkt, refused);
            }
            ct.setProtoState(st);
        } else {
            Object o = ct.protoState();
            if (!(o instanceof SctpProtoState)) {
                return unlogged(pkt, "connection without SCTP state");
            }
            st = (SctpProtoState) o;
        }
        int dir = CtInfo.direction(ctinfo);
        int vtag = pkt.u32(dataoff + 4);
        if ((map & OWN_TAG_RULES) == 0 && vtag != st.vtag(dir)) {
            return logged(net, pkt, "verification tag check failed " + printed(vtag) + " vs " + printed(st.vtag(dir))
                + " for dir " + dir);
        }
        int outcome;
        synchronized (ct) {
            outcome = chunks(st, pkt, dataoff, end, dir, vtag, map, ct.isConfirmed());
        }
        return finish(net, ct, pkt, outcome);
    }

    /**
     * {@code do_basic_checks}: walks the chunks and returns the set of chunk types present (bit {@code t} for type
     * {@code t} below 16; the kernel tests no type above), or {@link #BAD_CHUNKS} when there is none, when one
     * has a zero length (it would never end), or when COOKIE ECHO or COOKIE ACK is not first, or INIT, INIT ACK or
     * SHUTDOWN COMPLETE not alone. A chunk whose length runs past the packet simply ends the walk.
     */
    private static long chunkMap(Conntrack net, Packet pkt, int dataoff, int end) {
        long map = 0;
        boolean alone = false;
        int count = 0;
        for (int off = dataoff + HEADER; off + CHUNK_HEADER <= end; off = next(pkt, off), count++) {
            int type = pkt.u8(off);
            int length = pkt.u16(off + 2);
            if (type == INIT || type == INIT_ACK || type == SHUTDOWN_COMPLETE) {
                alone = true;
            }
            if (((type == COOKIE_ACK || type == COOKIE_ECHO || alone) && count != 0) || length == 0) {
                net.packets().logInvalid(pkt, IpProto.SCTP, "do_basic_checks failed. chunk num " + count + ", type " + type
                    + ", len " + Short.toUnsignedInt(Short.reverseBytes((short) length)) + " flag " + (alone ? 1 : 0));
                return BAD_CHUNKS;
            }
            if (type < MAPPED_TYPES) {
                map |= bit(type);
            }
        }
        if (count == 0) {
            unlogged(pkt, "no chunks");
            return BAD_CHUNKS;
        }
        return map;
    }

    /**
     * {@code sctp_new}: may this packet start a connection? Every chunk must be one that opens a connection from
     * NONE; the tags the first packet tells are noted: an INIT (whose own tag must be 0) gives the reply
     * direction's tag, a HEARTBEAT its own direction's, a stray SHUTDOWN ACK its tag as the reply direction's (the
     * SHUTDOWN COMPLETE answering it carries it back). Other chunks tell nothing (Linux 6.18; older kernels took
     * any chunk's tag for the reply direction). Returns null, or why the packet cannot start one.
     */
    private static String firstPacket(SctpProtoState st, Packet pkt, int dataoff, int end) {
        int vtag = pkt.u32(dataoff + 4);
        for (int off = dataoff + HEADER; off + CHUNK_HEADER <= end; off = next(pkt, off)) {
            int type = pkt.u8(off);
            int s = SctpStateTable.next(Direction.ORIGINAL, NONE, type);
            if (s == NONE || s == INVALID) {
                return "chunk type " + type + " cannot start a connection";
            }
            if (type == INIT) {
                if (vtag != 0) {
                    return "INIT with a verification tag other than 0";
                }
                if (off + CHUNK_HEADER + INIT_HEADER > end) {
                    return "INIT chunk cut short";
                }
                st.vtag(Direction.REPLY, pkt.u32(off + CHUNK_HEADER));
            } else if (type == HEARTBEAT) {
                st.vtag(Direction.ORIGINAL, vtag);
            } else if (type == SHUTDOWN_ACK) {
                st.vtag(Direction.REPLY, vtag);
            }
        }
        st.state = NONE;
        return null;
    }

    /**
     * The chunk loop of {@code nf_conntrack_sctp_packet}, with the connection's monitor held: the tag rules of
     * each chunk type, then its transition; INIT and INIT ACK teach the tag of the other direction. Returns the
     * outcome bits and the last state. A rejected chunk ends the loop; what the chunks before it changed stays.
     */
    private static int chunks(SctpProtoState st, Packet pkt, int dataoff, int end, int dir, int vtag, long map,
        boolean confirmed) {
        int rdir = dir ^ 1;
        int newState = NONE;
        int result = 0;
        for (int off = dataoff + HEADER; off + CHUNK_HEADER <= end; off = next(pkt, off)) {
            int type = pkt.u8(off);
            int flags = pkt.u8(off + 1);
            switch (type) {
                case INIT:
                    if (vtag != 0) {
                        return reject(pkt, result, newState, "INIT with a verification tag other than 0");
                    }
                    break;
                case ABORT:
                case SHUTDOWN_COMPLETE:
                    // Without the T bit the sender uses the tag it was given; with it, its peer's own.
                    if (vtag != st.vtag((flags & FLAG_T) == 0 ? dir : rdir)) {
                        return reject(pkt, result, newState, type == ABORT ? "ABORT with a wrong verification tag"
                            : "SHUTDOWN COMPLETE with a wrong verification tag");
                    }
                    break;
                case COOKIE_ECHO:
                    if (vtag != st.vtag(dir)) {
                        return reject(pkt, result, newState, "COOKIE ECHO with a wrong verification tag");
                    }
                    break;
                case COOKIE_ACK:
                    // The handshake is over: an INIT from now on is a new one, not a collision.
                    st.init(dir, false);
                    st.init(rdir, false);
                    break;
                case HEARTBEAT:
                    if (st.vtag(dir) == 0) {
                        st.vtag(dir, vtag);
                    } else if (vtag != st.vtag(dir)) {
                        // Perhaps the peer restarted on this path: let it through unrefreshed, and let the
                        // answer from the other side tell.
                        if ((map & bit(DATA)) != 0 || (result & IGNORE) != 0) {
                            return reject(pkt, result, newState, "HEARTBEAT with an unexpected verification tag");
                        }
                        st.flags |= SctpProtoState.HEARTBEAT_VTAG_FAILED;
                        st.lastDir = (byte) dir;
                        result |= IGNORE;
                        continue;
                    } else {
                        st.flags &= ~SctpProtoState.HEARTBEAT_VTAG_FAILED;
                    }
                    break;
                case HEARTBEAT_ACK:
                    if (st.vtag(dir) == 0) {
                        st.vtag(dir, vtag);
                    } else if (vtag != st.vtag(dir)) {
                        // Only the answer to such a heartbeat from the other side may bring a new tag; the
                        // other direction's tag is then learnt again from its next heartbeat.
                        if ((map & bit(DATA)) != 0 || (result & IGNORE) != 0
                            || (st.flags & SctpProtoState.HEARTBEAT_VTAG_FAILED) == 0 || st.lastDir == dir) {
                            return reject(pkt, result, newState, "HEARTBEAT ACK with an unexpected verification tag");
                        }
                        st.flags &= ~SctpProtoState.HEARTBEAT_VTAG_FAILED;
                        st.vtag(dir, vtag);
                        st.vtag(rdir, 0);
                    } else {
                        st.flags &= ~SctpProtoState.HEARTBEAT_VTAG_FAILED;
                    }
                    break;
                default:
                    break;
            }
            int oldState = st.state();
            newState = SctpStateTable.next(dir, oldState, type);
            if (newState == INVALID) {
                // The kernel's log line; built only for this invalid packet.
                pkt.reason = "Invalid, old_state " + oldState + ", dir " + dir + ", type " + type;
                return result | REJECT | LOGGED | oldState;
            }
            if (type == INIT) {
                if (off + CHUNK_HEADER + INIT_HEADER > end) {
                    return reject(pkt, result, newState, "INIT chunk cut short");
                }
                int initTag = pkt.u32(off + CHUNK_HEADER);
                // An INIT announcing the tag already known (stale or retransmitted) does not count as one.
                if (oldState == NONE || st.vtag(rdir) != initTag) {
                    if (st.init(dir) && st.init(rdir)) {
                        st.init(rdir, false);
                    }
                    st.init(dir, true);
                }
                st.vtag(rdir, initTag);
                // A retransmitted INIT does not extend the timeout, or a reused port (or a NAT binding) could
                // be kept alive for ever.
                if (newState == CLOSED && oldState == CLOSED && confirmed) {
                    result |= IGNORE;
                }
            } else if (type == INIT_ACK) {
                if (off + CHUNK_HEADER + INIT_HEADER > end) {
                    return reject(pkt, result, newState, "INIT ACK chunk cut short");
                }
                int initTag = pkt.u32(off + CHUNK_HEADER);
                int known = st.vtag(rdir);
                // The INIT ACK must answer the INIT we saw (its tag is the one the INIT told), except in an
                // INIT collision, where both sides sent an INIT and either tag may be answered.
                if ((!st.init(rdir) && known != 0 && known != initTag)
                    || (st.init(dir) && st.init(rdir) && known != initTag)) {
                    return reject(pkt, result, newState, "INIT ACK with an unexpected initiate tag");
                }
                st.vtag(rdir, initTag);
            }
            st.state = (byte) newState;
            if (oldState != newState) {
                result |= CHANGED;
                if (newState == ESTABLISHED) {
                    result |= TO_ESTABLISHED;
                }
            }
        }
        return result | newState;
    }

    private static int reject(Packet pkt, int result, int state, String reason) {
        pkt.reason = reason;
        return result | REJECT | state;
    }

    /**
     * Acts on what the chunks decided, with the monitor released: the events (a state change is
     * {@code IPCT_PROTOINFO}; reaching ESTABLISHED makes the connection ASSURED), then the verdict and the timeout
     * of the last state, unless a chunk asked to leave the timeout alone.
     */
    private static int finish(Conntrack net, Connection ct, Packet pkt, int outcome) {
        if ((outcome & CHANGED) != 0) {
            net.packets().cacheEvent(ct, CtEvent.PROTOINFO);
        }
        if ((outcome & TO_ESTABLISHED) != 0 && ct.setStatus(Status.ASSURED)) {
            net.packets().cacheEvent(ct, CtEvent.ASSURED);
        }
        if ((outcome & REJECT) != 0) {
            return (outcome & LOGGED) != 0 ? logged(net, pkt, pkt.reason) : unlogged(pkt, pkt.reason);
        }
        if ((outcome & IGNORE) != 0) {
            return Verdict.ACCEPT;
        }
        net.packets().refresh(ct, pkt, net.services().timeout(ct, SctpSettings.timeoutKey(outcome & STATE_MASK)));
        return Verdict.ACCEPT;
    }

    /**
     * The offset of the chunk after the one at {@code off}: its length rounded up to 4 (padding). A zero length
     * never gets past {@link #chunkMap}; should one reach here, the walk still moves on.
     */
    private static int next(Packet pkt, int off) {
        return off + Math.max(CHUNK_HEADER, (pkt.u16(off + 2) + 3) & ~3);
    }

    private static long bit(int type) {
        return 1L << type;
    }

    /** A tag as the kernel's {@code %x} prints a big-endian word on a little-endian machine. */
    private static String printed(int tag) {
        return Integer.toHexString(Integer.reverseBytes(tag));
    }

    /** Invalid with a reason the kernel logs ({@code nf_l4proto_log_invalid}). */
    private static int logged(Conntrack net, Packet pkt, String reason) {
        net.packets().logInvalid(pkt, IpProto.SCTP, reason);
        return -Verdict.ACCEPT;
    }

    /** Invalid where the kernel says nothing: the reason is ours, counted but never logged. */
    private static int unlogged(Packet pkt, String reason) {
        pkt.reason = reason;
        pkt.logProto = IpProto.SCTP;
        return -Verdict.ACCEPT;
    }
}
