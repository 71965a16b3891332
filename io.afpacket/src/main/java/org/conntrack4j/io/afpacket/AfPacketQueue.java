package org.conntrack4j.io.afpacket;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import org.conntrack4j.io.DeviceConfig;
import org.conntrack4j.io.FrameBatch;
import org.conntrack4j.io.PacketIoException;
import org.conntrack4j.io.PacketQueue;

/**
 * One queue: a receive socket (TPACKET_V3 ring, PACKET_VNET_HDR, member of the device's fanout group when
 * there are several queues) and a transmit socket (TPACKET_V2 ring, bound with protocol 0 so that it
 * receives nothing). Two sockets rather than one with both rings: the transmit side needs no vnet header
 * and no fanout membership, and each ring keeps the ring version that suits it.
 *
 * <p>Guarding the mappings: a thread inside receive or send holds its side's user count; close waits until
 * both counts are zero before it unmaps, since touching an unmapped ring would crash the JVM.
 */
final class AfPacketQueue implements PacketQueue {

    static final int POLL_SLICE_MILLIS = 100;
    private static final int PACKET_OUTGOING = 4;

    // rx counters (written by the receiving thread), tx counters (by the sending thread)
    static final int RX_FRAMES = 0;
    static final int RX_BYTES = 1;
    static final int RX_SEGMENTED = 2;
    static final int RX_CHECKSUMMED = 3;
    static final int RX_INVALID = 4;
    static final int RX_ERRORS = 5;
    static final int RX_GSO = 6;
    static final int TX_FRAMES = 0;
    static final int TX_BYTES = 1;
    static final int TX_RING_FULL = 2;
    static final int TX_DROPPED = 3;
    static final int TX_ERRORS = 4;
    static final int TX_GSO = 5;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final AfPacketDevice device;
    private final int index;
    private final long[] rxc = new long[8];
    private final long[] txc = new long[8];
    private final AtomicInteger rxUsers = new AtomicInteger();
    private final AtomicInteger txUsers = new AtomicInteger();
    private volatile boolean closed;

    private int rxFd = -1;
    private int txFd = -1;
    private Pointer rxMap;
    private long rxMapLen;
    private Pointer txMap;
    private long txMapLen;
    private RxRing rx;
    private TxRing tx;
    private final Offload offload = new Offload();
    /** The sending side's: headers of a super-frame to send whole, or its segments when it cannot be. */
    private final Offload txOffload = new Offload();
    /** Receive super-frames whole and send them so (DeviceConfig.gso). */
    private boolean gso;
    /** The socket super-frames leave by: no ring, PACKET_VNET_HDR; -1 without gso. */
    private int gsoFd = -1;
    /** The vnet header of the frame being sent whole; it and the frame in native memory. */
    private final byte[] vnetOut = new byte[Offload.VNET_HDR_LEN];
    private Memory gsoMem;
    /** One segment of a super-frame the kernel would not take whole. */
    private byte[] segOut;
    private byte[] scratch;
    private int gsoNext = -1;
    private long gsoTimestamp;
    private int gsoType;
    private boolean fanoutPending;
    private long kernelDrops;

    private final Memory pollfd = new Memory(8);
    private final ByteBuffer pollView = pollfd.getByteBuffer(0, 8).order(ByteOrder.nativeOrder());
    private final Memory optval = new Memory(16);
    private final Memory optlen = new Memory(4);

    AfPacketQueue(AfPacketDevice device, int index) {
        this.device = device;
        this.index = index;
    }

    @Override
    public int index() {
        return index;
    }

    // ---- opening ----

    /** Creates both sockets and rings; on failure the caller closes the queue. */
    void open(DeviceConfig config, int ifindex, int mtu, boolean filtered) throws PacketIoException {
        String dev = device.name();
        rxFd = LibC.socket(LibC.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, 0);
        if (rxFd < 0) {
            throw AfPacketIo.failure(dev, "socket(AF_PACKET)", LibC.errno());
        }
        if (filtered) {
            // until the socket joins the fanout group it would receive every frame of the device on its own
            dropAll(true);
        }
        setInt(rxFd, LibC.SOL_PACKET, LibC.PACKET_VERSION, LibC.TPACKET_V3, "PACKET_VERSION");
        setInt(rxFd, LibC.SOL_PACKET, LibC.PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
        // frames we (or the kernel) send on the device are not input; the ring skips them as a fallback
        LibC.setsockopt(rxFd, LibC.SOL_PACKET, LibC.PACKET_IGNORE_OUTGOING, intArg(1), 4);
        int frameSize = 2048;
        Memory req = new Memory(28);
        req.clear();
        req.setInt(0, config.rxBlockSize());
        req.setInt(4, config.rxBlocks());
        req.setInt(8, frameSize);
        req.setInt(12, config.rxBlockSize() / frameSize * config.rxBlocks());
        req.setInt(16, config.rxRetireMillis());
        if (LibC.setsockopt(rxFd, LibC.SOL_PACKET, LibC.PACKET_RX_RING, req, 28) < 0) {
            throw AfPacketIo.failure(dev, "PACKET_RX_RING", LibC.errno());
        }
        rxMapLen = (long) config.rxBlockSize() * config.rxBlocks();
        rxMap = map(rxFd, rxMapLen, "mmap(rx ring)");
        rx = new RxRing(rxMap.getByteBuffer(0, rxMapLen), config.rxBlockSize(), config.rxBlocks());
        scratch = new byte[config.rxBlockSize()];
        bind(rxFd, ifindex, LibC.ETH_P_ALL);

        txFd = LibC.socket(LibC.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, 0);
        if (txFd < 0) {
            throw AfPacketIo.failure(dev, "socket(AF_PACKET)", LibC.errno());
        }
        setInt(txFd, LibC.SOL_PACKET, LibC.PACKET_VERSION, LibC.TPACKET_V2, "PACKET_VERSION");
        // a frame the kernel refuses is skipped (slot freed) instead of stopping the ring
        setInt(txFd, LibC.SOL_PACKET, LibC.PACKET_LOSS, 1, "PACKET_LOSS");
        if (config.qdiscBypass()) {
            setInt(txFd, LibC.SOL_PACKET, LibC.PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
        }
        int txFrameSize = Math.max(2048, Integer.highestOneBit(TxRing.DATA + mtu + 18 - 1) << 1);
        int txBlockSize = Math.max(4096, txFrameSize);
        int perBlock = txBlockSize / txFrameSize;
        int txBlocks = (config.txFrames() + perBlock - 1) / perBlock;
        int txFrames = txBlocks * perBlock;
        // the socket's send buffer bounds the frames in flight: let it hold the whole ring
        int sndbuf = (int) Math.min(Integer.MAX_VALUE / 2, (long) txFrames * (txFrameSize + 1024));
        if (LibC.setsockopt(txFd, LibC.SOL_SOCKET, LibC.SO_SNDBUFFORCE, intArg(sndbuf), 4) < 0) {
            LibC.setsockopt(txFd, LibC.SOL_SOCKET, LibC.SO_SNDBUF, intArg(sndbuf), 4);
        }
        req.clear();
        req.setInt(0, txBlockSize);
        req.setInt(4, txBlocks);
        req.setInt(8, txFrameSize);
        req.setInt(12, txFrames);
        if (LibC.setsockopt(txFd, LibC.SOL_PACKET, LibC.PACKET_TX_RING, req, 16) < 0) {
            throw AfPacketIo.failure(dev, "PACKET_TX_RING", LibC.errno());
        }
        txMapLen = (long) txBlockSize * txBlocks;
        txMap = map(txFd, txMapLen, "mmap(tx ring)");
        tx = new TxRing(txMap.getByteBuffer(0, txMapLen), txFrameSize, txFrames);
        bind(txFd, ifindex, 0);
        gso = config.gso();
        if (gso) {
            // A transmit ring's slots are as large as the MTU needs: a super-frame of up to 64 KiB goes by a
            // socket of its own, with the virtio_net_hdr in front (packet_snd); no ring, one send() per frame.
            gsoFd = LibC.socket(LibC.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, 0);
            if (gsoFd < 0) {
                throw AfPacketIo.failure(dev, "socket(AF_PACKET)", LibC.errno());
            }
            setInt(gsoFd, LibC.SOL_PACKET, LibC.PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
            if (config.qdiscBypass()) {
                setInt(gsoFd, LibC.SOL_PACKET, LibC.PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
            }
            if (LibC.setsockopt(gsoFd, LibC.SOL_SOCKET, LibC.SO_SNDBUFFORCE, intArg(4 << 20), 4) < 0) {
                LibC.setsockopt(gsoFd, LibC.SOL_SOCKET, LibC.SO_SNDBUF, intArg(4 << 20), 4);
            }
            bind(gsoFd, ifindex, 0);
            gsoMem = new Memory(Offload.VNET_HDR_LEN + MAX_SUPER_FRAME);
            segOut = new byte[TxRing.DATA + mtu + 18 + 64];
        }
    }

    /** The largest super-frame: a 64 KiB IP packet, its Ethernet header and two VLAN tags. */
    static final int MAX_SUPER_FRAME = 65535 + 14 + 8;

    /** Joins receive socket to the fanout group {@code arg} (id | type << 16 | flags), the filter then lifted. */
    int joinFanout(int arg) {
        if (LibC.setsockopt(rxFd, LibC.SOL_PACKET, LibC.PACKET_FANOUT, intArg(arg), 4) < 0) {
            return LibC.errno();
        }
        fanoutPending = false;
        dropAll(false);
        return 0;
    }

    /** The fanout group this socket joined, as getsockopt(PACKET_FANOUT) reports it. */
    int fanoutGroup() {
        optlen.setInt(0, 4);
        return LibC.getsockopt(rxFd, LibC.SOL_PACKET, LibC.PACKET_FANOUT, optval, optlen) < 0 ? -1
                : optval.getInt(0);
    }

    void setFanoutPending(boolean pending) {
        fanoutPending = pending;
    }

    boolean fanoutPending() {
        return fanoutPending;
    }

    /** Adds a PACKET_MR_PROMISC or PACKET_MR_ALLMULTI membership (kept until the socket closes). */
    void addMembership(int ifindex, int type, String what) throws PacketIoException {
        Memory mreq = new Memory(16);
        mreq.clear();
        mreq.setInt(0, ifindex);
        mreq.setShort(4, (short) type);
        if (LibC.setsockopt(rxFd, LibC.SOL_PACKET, LibC.PACKET_ADD_MEMBERSHIP, mreq, 16) < 0) {
            throw AfPacketIo.failure(device.name(), what, LibC.errno());
        }
    }

    private void dropAll(boolean on) {
        if (on) {
            // classic BPF, one instruction: BPF_RET | BPF_K, 0 (accept nothing)
            Memory insn = new Memory(8);
            insn.clear();
            insn.setShort(0, (short) 0x06);
            Memory prog = new Memory(16);
            prog.clear();
            prog.setShort(0, (short) 1);
            prog.setPointer(8, insn);
            LibC.setsockopt(rxFd, LibC.SOL_SOCKET, LibC.SO_ATTACH_FILTER, prog, 16);
        } else {
            LibC.setsockopt(rxFd, LibC.SOL_SOCKET, LibC.SO_DETACH_FILTER, intArg(0), 4);
        }
    }

    private void bind(int fd, int ifindex, int protocol) throws PacketIoException {
        Memory sll = new Memory(20);
        sll.clear();
        sll.setShort(0, (short) LibC.AF_PACKET);
        sll.setShort(2, Short.reverseBytes((short) protocol));
        sll.setInt(4, ifindex);
        if (LibC.bind(fd, sll, 20) < 0) {
            throw AfPacketIo.failure(device.name(), "bind(AF_PACKET)", LibC.errno());
        }
    }

    private Pointer map(int fd, long len, String what) throws PacketIoException {
        Pointer p = LibC.mmap(null, len, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED | LibC.MAP_POPULATE, fd, 0);
        if (p == null || Pointer.nativeValue(p) == -1L) {
            throw AfPacketIo.failure(device.name(), what, LibC.errno());
        }
        return p;
    }

    private void setInt(int fd, int level, int name, int value, String what) throws PacketIoException {
        if (LibC.setsockopt(fd, level, name, intArg(value), 4) < 0) {
            throw AfPacketIo.failure(device.name(), what, LibC.errno());
        }
    }

    private Memory intArg(int value) {
        optval.setInt(0, value);
        return optval;
    }

    // ---- receiving ----

    @Override
    public int receive(FrameBatch batch, int timeoutMillis) {
        batch.clear();
        rxUsers.incrementAndGet();
        try {
            return closed ? -1 : fill(batch, timeoutMillis);
        } finally {
            rxUsers.decrementAndGet();
        }
    }

    private int fill(FrameBatch batch, int timeoutMillis) {
        long deadline = 0;
        int mtu = device.link().mtu();
        while (true) {
            if (gsoNext >= 0 && !segments(batch, mtu)) {
                return batch.count();
            }
            int hdr = rx.peek();
            if (hdr < 0) {
                if (batch.count() > 0 || timeoutMillis == 0) {
                    return batch.count();
                }
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = timeoutMillis < 0 ? Long.MAX_VALUE : now + timeoutMillis * 1_000_000L;
                }
                long left = deadline - now;
                if (left <= 0) {
                    return 0;
                }
                waitForBlock((int) Math.min(POLL_SLICE_MILLIS, (left + 999_999) / 1_000_000));
                if (closed) {
                    return -1;
                }
                continue;
            }
            if (batch.isFull()) {
                return batch.count();
            }
            take(hdr, batch, mtu);
        }
    }

    /** Copies (or starts segmenting) the frame at {@code hdr} and consumes it. */
    private void take(int hdr, FrameBatch batch, int mtu) {
        ByteBuffer ring = rx.buffer();
        int snap = rx.snaplen(hdr);
        int type = rx.packetType(hdr);
        if (type == PACKET_OUTGOING) {
            rx.consume();
            return;
        }
        int status = rx.status(hdr);
        if (snap < rx.wireLength(hdr) || snap < 14) {
            add(rxc, RX_INVALID, 1); // truncated by the ring
            rx.consume();
            return;
        }
        int data = rx.data(hdr);
        int vnet = data - Offload.VNET_HDR_LEN;
        int flags = ring.get(vnet + Offload.VNET_FLAGS) & 0xff;
        int gso = ring.get(vnet + Offload.VNET_GSO_TYPE) & 0xff;
        boolean vlan = (status & RxRing.TP_STATUS_VLAN_VALID) != 0;
        int length = snap + (vlan ? 4 : 0);
        long ts = rx.timestampNanos(hdr);
        if (gso != Offload.GSO_NONE) {
            int gsoSize = le16(ring, vnet + Offload.VNET_GSO_SIZE);
            if (length > scratch.length) {
                add(rxc, RX_INVALID, 1);
                rx.consume();
                return;
            }
            if (this.gso && length <= batch.slotSize()) {
                byte[] buf = batch.buffer();
                int at = batch.offset(batch.count());
                copyOut(ring, hdr, data, snap, vlan, status, buf, at);
                rx.consume();
                if (whole(buf, at, length, gso, gsoSize)) {
                    batch.commit(length, ts, type, gsoSize);
                    add(rxc, RX_GSO, 1);
                    add(rxc, RX_FRAMES, 1);
                    add(rxc, RX_BYTES, length);
                    return;
                }
                System.arraycopy(buf, at, scratch, 0, length);
            } else {
                copyOut(ring, hdr, data, snap, vlan, status, scratch, 0);
                rx.consume();
            }
            if (!offload.prepare(scratch, 0, length, gso, gsoSize)) {
                add(rxc, RX_INVALID, 1);
                return;
            }
            add(rxc, RX_SEGMENTED, 1);
            gsoNext = 0;
            gsoTimestamp = ts;
            gsoType = type;
            segments(batch, mtu);
            return;
        }
        int at = batch.offset(batch.count());
        if (length > batch.slotSize()) {
            add(rxc, RX_INVALID, 1);
            rx.consume();
            return;
        }
        byte[] buf = batch.buffer();
        copyOut(ring, hdr, data, snap, vlan, status, buf, at);
        rx.consume();
        if (length > mtu + 14 + 4 * vlanTags(buf, at)) {
            add(rxc, RX_INVALID, 1);
            return;
        }
        if ((flags & Offload.F_NEEDS_CSUM) != 0) {
            int start = le16(ring, vnet + Offload.VNET_CSUM_START) + (vlan ? 4 : 0);
            int offset = le16(ring, vnet + Offload.VNET_CSUM_OFFSET);
            if (!Offload.completeChecksum(buf, at, length, start, offset)) {
                add(rxc, RX_INVALID, 1);
                return;
            }
            add(rxc, RX_CHECKSUMMED, 1);
        }
        batch.commit(length, ts, type);
        add(rxc, RX_FRAMES, 1);
        add(rxc, RX_BYTES, length);
    }

    /**
     * Whether the super-frame at {@code b[at]} can be delivered whole: TCP or UDP of the type the kernel
     * said, with gso_size, and allowed to leave in segments (IPv6, or IPv4 with DF; without DF Linux would
     * fragment the segments, which is left to today's path: segmented here). It then gets a full checksum.
     */
    private boolean whole(byte[] b, int at, int length, int gsoType, int gsoSize) {
        if (gsoSize <= 0 || offload.parse(b, at, length) != (gsoType & ~Offload.GSO_ECN) || !offload.dontFragment()) {
            return false;
        }
        offload.fullChecksum();
        return true;
    }

    /**
     * Writes the prepared GSO frame's next segments into the batch.
     *
     * @return false when the batch filled up first (the rest follows on the next receive)
     */
    private boolean segments(FrameBatch batch, int mtu) {
        byte[] buf = batch.buffer();
        while (gsoNext < offload.segments()) {
            if (batch.isFull()) {
                return false;
            }
            int at = batch.offset(batch.count());
            if (offload.longestSegment() > batch.slotSize()) {
                add(rxc, RX_INVALID, 1);
                break;
            }
            int n = offload.writeSegment(gsoNext++, buf, at);
            if (n > mtu + 14 + 4 * vlanTags(buf, at)) {
                add(rxc, RX_INVALID, 1);
                break;
            }
            batch.commit(n, gsoTimestamp, gsoType);
            add(rxc, RX_FRAMES, 1);
            add(rxc, RX_BYTES, n);
        }
        gsoNext = -1;
        return true;
    }

    /** Copies a frame out of the ring, putting back the VLAN tag the device took off. */
    private void copyOut(ByteBuffer ring, int hdr, int data, int snap, boolean vlan, int status, byte[] dst, int at) {
        if (!vlan) {
            ring.get(data, dst, at, snap);
            return;
        }
        ring.get(data, dst, at, 12);
        int tpid = (status & RxRing.TP_STATUS_VLAN_TPID_VALID) != 0 ? rx.vlanTpid(hdr) : 0x8100;
        Offload.put16(dst, at + 12, tpid);
        Offload.put16(dst, at + 14, rx.vlanTci(hdr));
        ring.get(data + 12, dst, at + 16, snap - 12);
    }

    private static int vlanTags(byte[] b, int at) {
        int tags = 0;
        for (int p = at + 12; tags < 2; p += 4) {
            int type = Offload.u16(b, p);
            if (type != 0x8100 && type != 0x88a8) {
                break;
            }
            tags++;
        }
        return tags;
    }

    private static int le16(ByteBuffer b, int i) {
        return (b.get(i) & 0xff) | (b.get(i + 1) & 0xff) << 8;
    }

    /** Polls the receive socket; clears a pending socket error (ENETDOWN when the link went down). */
    private void waitForBlock(int millis) {
        pollView.putInt(0, rxFd);
        pollView.putShort(4, LibC.POLLIN);
        pollView.putShort(6, (short) 0);
        int r = LibC.poll(pollfd, 1, millis);
        if (r < 0) {
            if (LibC.errno() != LibC.EINTR) {
                add(rxc, RX_ERRORS, 1);
            }
            return;
        }
        if (r > 0 && (pollView.getShort(6) & LibC.POLLERR) != 0) {
            optlen.setInt(0, 4);
            LibC.getsockopt(rxFd, LibC.SOL_SOCKET, LibC.SO_ERROR, optval, optlen);
            add(rxc, RX_ERRORS, 1);
        }
    }

    // ---- sending ----

    @Override
    public boolean send(byte[] frame, int offset, int length) {
        txUsers.incrementAndGet();
        try {
            if (closed) {
                add(txc, TX_DROPPED, 1);
                return false;
            }
            return put(frame, offset, length, device.link().mtu());
        } finally {
            txUsers.decrementAndGet();
        }
    }

    @Override
    public int send(FrameBatch batch) {
        txUsers.incrementAndGet();
        try {
            if (closed) {
                add(txc, TX_DROPPED, batch.count());
                return 0;
            }
            int mtu = device.link().mtu();
            int queued = 0;
            byte[] buf = batch.buffer();
            for (int i = 0; i < batch.count(); i++) {
                boolean ok = batch.gsoSize(i) > 0 ? putWhole(buf, batch.offset(i), batch.length(i), batch.gsoSize(i), mtu)
                    : put(buf, batch.offset(i), batch.length(i), mtu);
                if (ok) {
                    queued++;
                }
            }
            kick();
            return queued;
        } finally {
            txUsers.decrementAndGet();
        }
    }

    @Override
    public boolean send(byte[] frame, int offset, int length, int gsoSize) {
        txUsers.incrementAndGet();
        try {
            if (closed) {
                add(txc, TX_DROPPED, 1);
                return false;
            }
            int mtu = device.link().mtu();
            return gsoSize > 0 ? putWhole(frame, offset, length, gsoSize, mtu) : put(frame, offset, length, mtu);
        } finally {
            txUsers.decrementAndGet();
        }
    }

    @Override
    public int flush() {
        txUsers.incrementAndGet();
        try {
            return closed ? 0 : kick();
        } finally {
            txUsers.decrementAndGet();
        }
    }

    private boolean put(byte[] frame, int offset, int length, int mtu) {
        // the kernel's own limits (tpacket_snd): a whole Ethernet header, the MTU (plus one VLAN tag)
        if (length < 14 || length > tx.maxFrame()
                || length > mtu + 14 + (Offload.u16(frame, offset + 12) == 0x8100 ? 4 : 0)) {
            add(txc, TX_DROPPED, 1);
            return false;
        }
        if (tx.put(frame, offset, length)) {
            return true;
        }
        if (tx.queued() > 0) {
            // the slot is ours but not yet sent: hand the queue over and try once more
            kick();
            if (tx.put(frame, offset, length)) {
                return true;
            }
        }
        add(txc, TX_RING_FULL, 1);
        return false;
    }

    /**
     * Sends a super-frame whole, after the frames queued before it (so that a flow keeps its order), or
     * in segments through the ring when the queue was opened without gso or the kernel refuses it.
     */
    private boolean putWhole(byte[] frame, int offset, int length, int gsoSize, int mtu) {
        int vlan = length >= 14 && Offload.u16(frame, offset + 12) == 0x8100 ? 4 : 0;
        if (length >= 14 && length <= mtu + 14 + vlan) {
            return put(frame, offset, length, mtu); // one segment's worth: an ordinary frame
        }
        if (length > MAX_SUPER_FRAME) {
            add(txc, TX_DROPPED, 1);
            return false;
        }
        int type = txOffload.parse(frame, offset, length);
        if (type < 0) {
            add(txc, TX_DROPPED, 1);
            return false;
        }
        int h = Offload.VNET_HDR_LEN;
        if (gsoFd >= 0) {
            // the partial checksum is written into the caller's frame, which is not used again
            if (txOffload.vnetHeader(vnetOut, 0, gsoSize) > mtu) {
                add(txc, TX_DROPPED, 1); // its segments would not fit the link
                return false;
            }
            kick();
            gsoMem.write(0, vnetOut, 0, h);
            gsoMem.write(h, frame, offset, length);
            long r = LibC.sendto(gsoFd, gsoMem, h + length, LibC.MSG_DONTWAIT, null, 0);
            if (r >= 0) {
                add(txc, TX_GSO, 1);
                add(txc, TX_FRAMES, 1);
                add(txc, TX_BYTES, length);
                return true;
            }
            int err = LibC.errno();
            if (err == LibC.EAGAIN || err == LibC.ENOBUFS || err == LibC.ENETDOWN || err == LibC.ENXIO) {
                add(txc, TX_DROPPED, 1); // the socket's buffer is full or the link is away
                return false;
            }
            add(txc, TX_ERRORS, 1); // refused whole: it still leaves, in segments
        }
        if (segOut == null) {
            segOut = new byte[65536]; // a queue opened without gso: at its first super-frame
        }
        if (!txOffload.prepare(frame, offset, length, type, gsoSize) || txOffload.longestSegment() > mtu + 14 + vlan) {
            add(txc, TX_DROPPED, 1);
            return false;
        }
        boolean all = true;
        for (int i = 0; i < txOffload.segments(); i++) {
            int n = txOffload.writeSegment(i, segOut, 0);
            all &= put(segOut, 0, n, mtu);
        }
        return all;
    }

    /** One send() for every queued slot. */
    private int kick() {
        int before = tx.queued();
        if (before == 0) {
            return 0;
        }
        long r = LibC.sendto(txFd, null, 0, LibC.MSG_DONTWAIT, null, 0);
        int err = r < 0 ? LibC.errno() : 0;
        long bytes = tx.taken();
        add(txc, TX_FRAMES, before - tx.queued());
        add(txc, TX_BYTES, bytes);
        // The kernel keeps a frame queued when the device refused it (ENOBUFS: its send buffer, a stopped
        // queue, or no carrier) and retries it at the next kick. Without carrier that frame would block the
        // ring until the link returns and then leave stale; so would ENETDOWN (down) and ENXIO (gone).
        if (r < 0 && err != LibC.EAGAIN && err != LibC.EINTR
                && (err != LibC.ENOBUFS || !device.link().running())) {
            add(txc, TX_DROPPED, tx.discard());
            if (err != LibC.ENETDOWN && err != LibC.ENXIO && err != LibC.ENOBUFS) {
                add(txc, TX_ERRORS, 1);
            }
        }
        return tx.queued();
    }

    // ---- counters and closing ----

    private static void add(long[] c, int i, long n) {
        LONGS.setOpaque(c, i, (long) LONGS.getOpaque(c, i) + n);
    }

    long rx(int i) {
        return (long) LONGS.getOpaque(rxc, i);
    }

    long tx(int i) {
        return (long) LONGS.getOpaque(txc, i);
    }

    long badBlocks() {
        return rx == null ? 0 : rx.badBlocks();
    }

    /** Kernel drops (PACKET_STATISTICS tp_drops, cleared on each read, so summed here). */
    synchronized long kernelDrops() {
        rxUsers.incrementAndGet();
        try {
            if (!closed && rxFd >= 0) {
                optlen.setInt(0, 12);
                Memory st = new Memory(12);
                if (LibC.getsockopt(rxFd, LibC.SOL_PACKET, LibC.PACKET_STATISTICS, st, optlen) == 0) {
                    kernelDrops += st.getInt(4) & 0xffffffffL;
                }
            }
            return kernelDrops;
        } finally {
            rxUsers.decrementAndGet();
        }
    }

    /** Waits (up to 2 s) until no thread is inside receive or send, then closes and unmaps. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        long until = System.nanoTime() + 2_000_000_000L;
        while ((rxUsers.get() != 0 || txUsers.get() != 0) && System.nanoTime() < until) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        boolean idle = rxUsers.get() == 0 && txUsers.get() == 0;
        synchronized (this) {
            if (rxFd >= 0) {
                LibC.close(rxFd);
            }
            if (txFd >= 0) {
                LibC.close(txFd);
            }
            if (gsoFd >= 0) {
                LibC.close(gsoFd);
            }
            // a thread still inside would fault on an unmapped ring: leave the mapping to it then
            if (idle && rxMap != null) {
                LibC.munmap(rxMap, rxMapLen);
            }
            if (idle && txMap != null) {
                LibC.munmap(txMap, txMapLen);
            }
            rxFd = -1;
            txFd = -1;
            gsoFd = -1;
        }
    }
}
