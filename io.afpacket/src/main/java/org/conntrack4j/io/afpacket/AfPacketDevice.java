package org.conntrack4j.io.afpacket;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.conntrack4j.io.DeviceConfig;
import org.conntrack4j.io.DeviceStats;
import org.conntrack4j.io.LinkListener;
import org.conntrack4j.io.LinkState;
import org.conntrack4j.io.PacketDevice;
import org.conntrack4j.io.PacketIoException;
import org.conntrack4j.io.PacketQueue;

/**
 * An opened device: its queues, its link monitor and listeners.
 *
 * <p>Fanout: a socket may join a PACKET_FANOUT group only while it is bound to a device that is up. A
 * device that is down at open (a standby) leaves its queues' sockets out of the group, each with a
 * drop-everything filter so that none receives the device's whole traffic on its own; the monitor thread
 * joins them, and lifts the filters, once the link is up. The first socket asks the kernel for an unused
 * group id (PACKET_FANOUT_FLAG_UNIQUEID), the others join that id.
 */
final class AfPacketDevice implements PacketDevice, LinkMonitor.Target {

    private final String name;
    private final AfPacketQueue[] queues;
    private final LinkMonitor monitor;
    private final CopyOnWriteArrayList<LinkListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicInteger fanoutGroup = new AtomicInteger(-1);
    private volatile LinkState link;
    private volatile boolean closed;

    private AfPacketDevice(String name, int queueCount, LinkMonitor monitor) {
        this.name = name;
        this.monitor = monitor;
        this.queues = new AfPacketQueue[queueCount];
    }

    static AfPacketDevice open(String name, DeviceConfig config) throws PacketIoException {
        LinkMonitor monitor = new LinkMonitor(name);
        AfPacketDevice device = new AfPacketDevice(name, config.queues(), monitor);
        try {
            device.link = monitor.query();
            int ifindex = device.link.ifindex();
            boolean fanout = config.queues() > 1;
            for (int i = 0; i < config.queues(); i++) {
                AfPacketQueue q = new AfPacketQueue(device, i);
                device.queues[i] = q;
                q.open(config, ifindex, device.link.mtu(), fanout);
                q.setFanoutPending(fanout);
            }
            if (config.promiscuous()) {
                device.queues[0].addMembership(ifindex, LibC.PACKET_MR_PROMISC, "PACKET_MR_PROMISC");
            }
            if (config.allMulticast()) {
                device.queues[0].addMembership(ifindex, LibC.PACKET_MR_ALLMULTI, "PACKET_MR_ALLMULTI");
            }
            if (fanout && device.link.up()) {
                int err = device.joinFanout();
                if (err != 0 && err != LibC.EINVAL) {
                    throw AfPacketIo.failure(name, "PACKET_FANOUT", err);
                }
            }
        } catch (PacketIoException | RuntimeException e) {
            device.closeQueues();
            monitor.close();
            throw e;
        }
        monitor.start(device);
        return device;
    }

    /**
     * Joins every pending queue to the group. EINVAL means a socket is not bound to a running device
     * (the link went up but the kernel has not re-hooked the socket yet, or it went down again).
     *
     * @return 0, or the errno of the first failure
     */
    private synchronized int joinFanout() {
        for (AfPacketQueue q : queues) {
            if (!q.fanoutPending()) {
                continue;
            }
            int group = fanoutGroup.get();
            // id in the low half, type and flags in the high half: the kernel picks a free id for the first
            // socket (UNIQUEID, a flag it drops from the group), the others join that id
            int arg = group < 0 ? (LibC.PACKET_FANOUT_HASH | LibC.PACKET_FANOUT_FLAG_UNIQUEID) << 16
                    : (group & 0xffff) | LibC.PACKET_FANOUT_HASH << 16;
            int err = q.joinFanout(arg);
            if (err != 0) {
                return err;
            }
            if (group < 0) {
                fanoutGroup.set(q.fanoutGroup() & 0xffff);
            }
        }
        return 0;
    }

    @Override
    public boolean retryPending() {
        if (closed || queues.length < 2 || !link.up()) {
            return false;
        }
        int err = joinFanout();
        if (err != 0 && err != LibC.EINVAL) {
            errors.incrementAndGet();
        }
        for (AfPacketQueue q : queues) {
            if (q.fanoutPending()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void linkUpdate(LinkState state) {
        LinkState previous = link;
        if (state.equals(previous)) {
            return;
        }
        link = state;
        for (LinkListener l : listeners) {
            try {
                l.linkChanged(this, previous, state);
            } catch (RuntimeException e) {
                errors.incrementAndGet();
            }
        }
    }

    @Override
    public void monitorError() {
        errors.incrementAndGet();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int ifindex() {
        return link.ifindex();
    }

    @Override
    public LinkState link() {
        return link;
    }

    @Override
    public int queueCount() {
        return queues.length;
    }

    @Override
    public PacketQueue queue(int index) {
        return queues[index];
    }

    /** The fanout group id the queues share, -1 if none (one queue, or not joined yet). */
    int fanoutGroup() {
        return fanoutGroup.get();
    }

    @Override
    public void addLinkListener(LinkListener listener) {
        listeners.addIfAbsent(listener);
    }

    @Override
    public void removeLinkListener(LinkListener listener) {
        listeners.remove(listener);
    }

    @Override
    public DeviceStats stats() {
        long[] r = new long[7];
        long[] t = new long[6];
        long drops = 0;
        long bad = 0;
        for (AfPacketQueue q : queues) {
            for (int i = 0; i < r.length; i++) {
                r[i] += q.rx(i);
            }
            for (int i = 0; i < t.length; i++) {
                t[i] += q.tx(i);
            }
            drops += q.kernelDrops();
            bad += q.badBlocks();
        }
        return new DeviceStats(r[AfPacketQueue.RX_FRAMES], r[AfPacketQueue.RX_BYTES], drops,
                r[AfPacketQueue.RX_SEGMENTED], r[AfPacketQueue.RX_CHECKSUMMED], r[AfPacketQueue.RX_INVALID] + bad,
                t[AfPacketQueue.TX_FRAMES], t[AfPacketQueue.TX_BYTES], t[AfPacketQueue.TX_RING_FULL],
                t[AfPacketQueue.TX_DROPPED], r[AfPacketQueue.RX_ERRORS] + t[AfPacketQueue.TX_ERRORS] + errors.get(),
                r[AfPacketQueue.RX_GSO], t[AfPacketQueue.TX_GSO]);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        monitor.close();
        closeQueues();
        listeners.clear();
    }

    boolean isClosed() {
        return closed;
    }

    private void closeQueues() {
        for (AfPacketQueue q : queues) {
            if (q != null) {
                q.close();
            }
        }
    }

    @Override
    public String toString() {
        return name + " (" + link + ", " + queues.length + " queues)";
    }
}
