package org.conntrack4j.bench;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.IpHeaders;

/**
 * One TCP connection through a router: the client's packets arrive on {@code lan} and leave by {@code wan},
 * the server's the other way; each packet is received (loaded from its frame, parsed), then run through
 * PRE_ROUTING (conntrack, destination NAT) and POST_ROUTING (source NAT, confirm). The connection opens with a
 * three-way handshake as Linux sends it (MSS, SACK, timestamps, window scale 7), then the client sends data
 * segments of {@code payload} bytes, each acknowledged by the server: sequence numbers advance, window
 * tracking checks every segment, checksums are valid (incrementally updated).
 *
 * <p>The server's packets are addressed to the connection's reply tuple, so the same code runs with and
 * without NAT. Belongs to one thread; the {@link Packet} may be shared with other flows of that thread.
 */
public final class TcpFlow {
    /** Initial sequence numbers of client and server (arbitrary, far from 0 to exercise the serial compare). */
    static final int CLIENT_ISN = 0x9a3b_1c05;
    static final int SERVER_ISN = 0x41f0_77e2;
    static final int CLIENT_WINDOW = 502;
    static final int SERVER_WINDOW = 509;

    private final Conntrack net;
    private final Packet p;
    private final NetDevice lan;
    private final NetDevice wan;
    private final int client;
    private final int server;
    private final int clientPort;
    private final int serverPort;
    private final int payload;
    private byte[] data;
    private byte[] ack;
    /** Sequence number of the client's next data byte; the server's sequence number (it sends no data). */
    private int clientSeq;
    private int serverSeq;
    private long unexpected;
    private Connection conn;

    public TcpFlow(Conntrack net, Packet p, NetDevice lan, NetDevice wan, int client, int clientPort, int server,
        int serverPort, int payload) {
        if (payload < 1 || payload > 1448) {
            throw new IllegalArgumentException("payload " + payload + " outside 1..1448");
        }
        this.net = net;
        this.p = p;
        this.lan = lan;
        this.wan = wan;
        this.client = client;
        this.server = server;
        this.clientPort = clientPort;
        this.serverPort = serverPort;
        this.payload = payload;
    }

    /**
     * SYN, SYN/ACK, ACK. Returns true if conntrack saw them as NEW, ESTABLISHED_REPLY and ESTABLISHED; then
     * the connection is ESTABLISHED and ASSURED and {@link #exchange} can run.
     */
    public boolean handshake() {
        byte[] syn = Frames.tcp(client, server, clientPort, serverPort, CLIENT_ISN, 0, Frames.SYN, 64240,
            Frames.SYN_OPTIONS, 0);
        if (!deliver(syn, true, CtInfo.NEW)) {
            return false;
        }
        conn = p.ct;
        Tuple reply = conn.tuple(Direction.REPLY, new Tuple());
        int rSrc = (int) reply.srcLo;
        int rDst = (int) reply.dstLo;
        clientSeq = CLIENT_ISN + 1;
        serverSeq = SERVER_ISN + 1;
        byte[] synAck = Frames.tcp(rSrc, rDst, reply.srcPort, reply.dstPort, SERVER_ISN, clientSeq,
            Frames.SYN | Frames.ACK, 65160, Frames.SYN_OPTIONS, 0);
        if (!deliver(synAck, false, CtInfo.ESTABLISHED_REPLY)) {
            return false;
        }
        byte[] lastAck = Frames.tcp(client, server, clientPort, serverPort, clientSeq, serverSeq, Frames.ACK,
            CLIENT_WINDOW, Frames.TS_OPTIONS, 0);
        if (!deliver(lastAck, true, CtInfo.ESTABLISHED)) {
            return false;
        }
        data = Frames.tcp(client, server, clientPort, serverPort, clientSeq, serverSeq, Frames.ACK | Frames.PSH,
            CLIENT_WINDOW, Frames.TS_OPTIONS, payload);
        ack = Frames.tcp(rSrc, rDst, reply.srcPort, reply.dstPort, serverSeq, clientSeq + payload, Frames.ACK,
            SERVER_WINDOW, Frames.TS_OPTIONS, 0);
        return true;
    }

    /**
     * {@code pairs} times: a data segment from the client, then the server's ACK of it. Packets that conntrack
     * did not see as ESTABLISHED (original, then reply direction) are counted in {@link #unexpected}.
     */
    public void exchange(long pairs) {
        byte[] d = data;
        byte[] a = ack;
        int len = payload;
        for (long i = 0; i < pairs; i++) {
            deliver(d, true, CtInfo.ESTABLISHED);
            clientSeq += len;
            Frames.setSeqAck(a, serverSeq, clientSeq);
            deliver(a, false, CtInfo.ESTABLISHED_REPLY);
            Frames.setSeqAck(d, clientSeq, serverSeq);
        }
    }

    private boolean deliver(byte[] frame, boolean fromClient, int expected) {
        Packet pk = p;
        pk.reset();
        pk.load(frame, Frames.ETH, frame.length - Frames.ETH, Frames.ETH);
        boolean ok = IpHeaders.validate(pk) == null;
        pk.in = fromClient ? lan : wan;
        pk.out = fromClient ? wan : lan;
        ok &= net.packets().runHook(Hook.PRE_ROUTING, pk) == Verdict.ACCEPT;
        ok &= net.packets().runHook(Hook.POST_ROUTING, pk) == Verdict.ACCEPT;
        ok &= pk.ct != null && pk.ctinfo == expected;
        if (!ok) {
            unexpected++;
        }
        return ok;
    }

    /** Packets so far that were dropped, invalid or not of the expected ctinfo: 0 when all is well. */
    public long unexpected() {
        return unexpected;
    }

    /** The connection (once the handshake ran). */
    public Connection connection() {
        return conn;
    }

    /** The packet last processed (its connection, ctinfo and reason). */
    public Packet lastPacket() {
        return p;
    }
}
