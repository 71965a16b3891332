package org.conntrack4j.dataplane;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.io.DeviceConfig;
import org.conntrack4j.io.DeviceStats;
import org.conntrack4j.io.FrameBatch;
import org.conntrack4j.io.LinkListener;
import org.conntrack4j.io.LinkState;
import org.conntrack4j.io.PacketDevice;
import org.conntrack4j.io.PacketIo;
import org.conntrack4j.io.PacketIoException;
import org.conntrack4j.io.PacketQueue;
import org.conntrack4j.router.Forwarder;
import org.conntrack4j.router.Result;
import org.conntrack4j.router.Route;
import org.conntrack4j.router.Router;
import org.conntrack4j.router.RouterConfig;
import org.conntrack4j.router.RouterInterface;
import org.conntrack4j.router.Routers;

/**
 * The router on Linux devices: every interface's device opened with the same number of queues, one forwarding
 * thread per queue index. Thread {@code i} receives from queue {@code i} of every device and sends through queue
 * {@code i} of every device (so each queue has one receiving and one sending thread), flushing after every batch;
 * the two directions of a connection may land on different threads, which share the engine's table. Time is the
 * monotonic clock. Thread 0 also runs the router's timers (neighbour resolution, announcements).
 *
 * <p>Links: a device may be down at start (a standby); its queues then carry nothing until it comes up, and the
 * router announces its addresses on it then. A device that disappears, or whose MTU grows beyond what its rings were
 * made for, is opened again by name (every second until it is back); meanwhile its port drops what it would send.
 *
 * <p>Super-frames (merged by GRO, or sent with TSO by a virtual peer) are received whole, go through the router as one
 * packet with their segment size, and leave whole for the kernel to segment, as Linux forwards them; the batches'
 * slots are 64 KiB and more for them.
 *
 * <p>Forwarding an established connection's packet allocates nothing: the batch, the router's packets and the
 * transmit rings are reused ({@link #allocatedBytes()} reads the forwarding threads' allocation counter).
 */
final class Dataplane implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Dataplane.class.getName());
    static final int BATCH = 64;
    /** An idle thread waits this long on one device before looking at the others. */
    private static final int IDLE_WAIT_MILLIS = 1;
    private static final long REOPEN_NANOS = 1_000_000_000L;

    /** One port: its configuration and the device now open for it (null while it is being reopened). */
    private final class Link implements LinkListener {
        final int port;
        final LiveInterface config;
        volatile PacketDevice device;
        /** The MTU the device's rings were made for. */
        volatile int openedMtu;
        volatile boolean reopen;
        long nextAttempt;

        Link(int port, LiveInterface config) {
            this.port = port;
            this.config = config;
        }

        @Override
        public void linkChanged(PacketDevice d, LinkState previous, LinkState current) {
            if (d != device) {
                return;
            }
            if (!current.present() || current.mtu() > openedMtu) {
                reopen = true;
                router.linkChanged(port, false, 0, null);
                LockSupport.unpark(supervisor);
                return;
            }
            router.linkChanged(port, current.running(), effectiveMtu(current.mtu()), macBytes(current.mac()));
        }

        int effectiveMtu(int deviceMtu) {
            return config.mtu > 0 ? Math.min(config.mtu, deviceMtu) : deviceMtu;
        }
    }

    private final PacketIo io;
    private final Conntrack net;
    private final int threads;
    private final Link[] links;
    private final Router router;
    private final Worker[] workers;
    private final Thread supervisor;
    private volatile boolean running = true;

    private Dataplane(PacketIo io, Conntrack net, List<LiveInterface> ifaces, List<Route> routes, int threads)
        throws PacketIoException {
        this.io = io;
        this.net = net;
        this.threads = threads;
        links = new Link[ifaces.size()];
        List<RouterInterface> ris = new ArrayList<>();
        try {
            for (int i = 0; i < links.length; i++) {
                links[i] = new Link(i, ifaces.get(i));
                PacketDevice d = open(links[i]);
                LinkState s = d.link();
                ris.add(ifaces.get(i).toRouterInterface(macBytes(s.mac()), links[i].effectiveMtu(s.mtu())));
            }
            router = Routers.create(net, RouterConfig.of(ris).withRoutes(routes));
        } catch (PacketIoException | RuntimeException e) {
            closeDevices();
            throw e;
        }
        for (Link l : links) {
            LinkState s = l.device.link();
            router.linkChanged(l.port, s.running(), l.effectiveMtu(s.mtu()), null);
            l.device.addLinkListener(l);
        }
        workers = new Worker[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new Worker(i);
        }
        supervisor = new Thread(this::supervise, "router-links");
        supervisor.setDaemon(true);
    }

    /**
     * Opens the devices and starts the forwarding threads.
     *
     * @throws PacketIoException naming the device that could not be opened (nothing stays open then)
     * @throws IllegalArgumentException for a configuration that cannot work (a route's gateway on no interface)
     */
    static Dataplane start(PacketIo io, Conntrack net, List<LiveInterface> ifaces, List<Route> routes, int threads)
        throws PacketIoException {
        if (threads < 1 || threads > 64) {
            throw new IllegalArgumentException("threads " + threads + " is outside 1..64");
        }
        Dataplane d = new Dataplane(io, net, ifaces, routes, threads);
        for (Worker w : d.workers) {
            w.thread.start();
        }
        d.supervisor.start();
        return d;
    }

    private PacketDevice open(Link l) throws PacketIoException {
        // IPv6 solicited-node groups: with the kernel's IPv6 off on the device nobody joins them for us
        // super-frames (GRO, a virtual peer's TSO) go through the router whole and leave whole, as Linux forwards them
        DeviceConfig cfg = DeviceConfig.DEFAULT.withQueues(threads).withAllMulticast(true).withGso(true);
        PacketDevice d = io.open(l.config.device, cfg);
        l.openedMtu = d.link().mtu();
        l.device = d;
        return d;
    }

    Router router() {
        return router;
    }

    /** The router's counters, then each device's as {@code DEV.rx_frames} and so on ({@code router:stats}). */
    Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>(router.counters());
        Map<String, DeviceStats> devices = deviceStats();
        for (Link l : links) {
            String p = l.config.name + ".";
            DeviceStats s = devices.get(l.config.name);
            if (s == null) {
                m.put(p + "present", 0L);
                continue;
            }
            m.put(p + "rx_frames", s.rxFrames());
            m.put(p + "rx_kernel_drops", s.rxKernelDrops());
            m.put(p + "rx_segmented", s.rxSegmented());
            m.put(p + "rx_gso", s.rxGso());
            m.put(p + "rx_invalid", s.rxInvalid());
            m.put(p + "tx_frames", s.txFrames());
            m.put(p + "tx_gso", s.txGso());
            m.put(p + "tx_ring_full", s.txRingFull());
            m.put(p + "tx_dropped", s.txDropped());
            m.put(p + "errors", s.errors());
        }
        m.put("reopened", reopened);
        return m;
    }

    /** Each interface's device counters by interface name, in the configuration's order; absent devices left out. */
    Map<String, DeviceStats> deviceStats() {
        Map<String, DeviceStats> m = new LinkedHashMap<>();
        for (Link l : links) {
            PacketDevice d = l.device;
            if (d != null) {
                m.put(l.config.name, d.stats());
            }
        }
        return m;
    }

    /** How often a device was opened again after it went away or outgrew its rings. */
    long reopened() {
        return reopened;
    }

    /** The interfaces as they run: name, device, link state. */
    List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Link l : links) {
            PacketDevice d = l.device;
            out.add(l.config + " " + (d == null ? "(absent, reopening)" : d.link().toString()));
        }
        return out;
    }

    /** Each port's link in a few words, in the configuration's order: "up, mtu 1500", "down", "absent". */
    List<String> linkSummary() {
        List<String> out = new ArrayList<>();
        for (Link l : links) {
            PacketDevice d = l.device;
            if (d == null) {
                out.add("absent");
                continue;
            }
            LinkState s = d.link();
            out.add(s.running() ? "up, mtu " + l.effectiveMtu(s.mtu()) : "down");
        }
        return out;
    }

    /** Bytes the forwarding threads have allocated since they started (the JVM's per-thread counter), or -1. */
    long allocatedBytes() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        if (!(mx instanceof com.sun.management.ThreadMXBean)) {
            return -1;
        }
        com.sun.management.ThreadMXBean sun = (com.sun.management.ThreadMXBean) mx;
        long sum = 0;
        for (Worker w : workers) {
            long b = sun.getThreadAllocatedBytes(w.thread.getId());
            if (b < 0) {
                return -1;
            }
            sum += b;
        }
        return sum;
    }

    private volatile long reopened;

    /** Reopens devices that went away or outgrew their rings, retrying every second. */
    private void supervise() {
        while (running) {
            long now = System.nanoTime();
            for (Link l : links) {
                if (!l.reopen || now - l.nextAttempt < 0) {
                    continue;
                }
                l.nextAttempt = now + REOPEN_NANOS;
                PacketDevice old = l.device;
                l.device = null;
                if (old != null) {
                    old.removeLinkListener(l);
                    old.close();
                }
                try {
                    PacketDevice d = open(l);
                    LinkState s = d.link();
                    l.reopen = false;
                    reopened++;
                    router.linkChanged(l.port, s.running(), l.effectiveMtu(s.mtu()), macBytes(s.mac()));
                    d.addLinkListener(l);
                    LOG.info("router: " + l.config.device + " opened again (" + s + ")");
                } catch (PacketIoException e) {
                    LOG.fine("router: " + e.getMessage() + "; trying again in a second");
                }
            }
            LockSupport.parkNanos(200_000_000L);
        }
    }

    /** One forwarding thread: queue {@code index} of every device. */
    private final class Worker implements Runnable, org.conntrack4j.router.Egress {
        final int index;
        final Thread thread;
        final Forwarder forwarder;
        final PacketQueue[] tx = new PacketQueue[links.length];
        final boolean[] dirty = new boolean[links.length];
        final Result result = new Result();
        FrameBatch batch = new FrameBatch(BATCH, slotSize());

        Worker(int index) {
            this.index = index;
            this.forwarder = router.forwarder(this);
            thread = new Thread(this, "router-" + index);
            thread.setDaemon(true);
        }

        /** The egress: queue {@code index} of the port's device; dropped (and counted by the router) while it is away. */
        @Override
        public void send(int port, long nanos, byte[] frame, int off, int len) {
            PacketQueue q = tx[port];
            if (q != null) {
                q.send(frame, off, len);
                dirty[port] = true;
            }
        }

        /** A super-frame: the queue sends it at once, after what it holds (no flush needed for it). */
        @Override
        public void sendGso(int port, long nanos, byte[] frame, int off, int len, int gsoSize) {
            PacketQueue q = tx[port];
            if (q != null) {
                q.send(frame, off, len, gsoSize);
            }
        }

        @Override
        public void run() {
            int idleTurn = 0;
            try {
                while (running) {
                    int got = 0;
                    for (int p = 0; p < links.length; p++) {
                        got += poll(p, 0);
                    }
                    if (got == 0) {
                        // nothing anywhere: wait a little on one device, the next one next time
                        idleTurn = (idleTurn + 1) % links.length;
                        got = poll(idleTurn, IDLE_WAIT_MILLIS);
                        if (got < 0 && running) {
                            LockSupport.parkNanos(IDLE_WAIT_MILLIS * 1_000_000L);
                        }
                    }
                    if (index == 0) {
                        forwarder.tick(System.nanoTime());
                    }
                    flush();
                }
            } catch (Throwable t) {
                LOG.log(Level.SEVERE, "router: forwarding thread " + index + " stopped", t);
            }
        }

        /** Receives one batch from port {@code p} and forwards it; -1 when the device is away or closed. */
        private int poll(int p, int waitMillis) throws java.io.IOException {
            PacketDevice d = links[p].device;
            if (d == null) {
                tx[p] = null;
                return -1;
            }
            PacketQueue q = d.queue(index);
            tx[p] = q;
            int need = slotSize();
            if (need > batch.slotSize()) {
                batch = new FrameBatch(BATCH, need);
            }
            int n = q.receive(batch, waitMillis);
            if (n <= 0) {
                return n;
            }
            long now = System.nanoTime();
            byte[] buf = batch.buffer();
            for (int i = 0; i < n; i++) {
                forwarder.receive(p, buf, batch.offset(i), batch.length(i), batch.gsoSize(i), now, i, result);
            }
            return n;
        }

        private void flush() {
            for (int p = 0; p < dirty.length; p++) {
                if (dirty[p]) {
                    dirty[p] = false;
                    PacketQueue q = tx[p];
                    if (q != null) {
                        q.flush();
                    }
                }
            }
        }
    }

    /** Room for the largest frame of any device: MTU, Ethernet header, two VLAN tags; a 64 KiB super-frame. */
    private int slotSize() {
        int max = 65535;
        for (Link l : links) {
            max = Math.max(max, l.openedMtu);
        }
        int need = max + 14 + 8;
        return Math.min(FrameBatch.MAX_SLOT, need + 64);
    }

    static byte[] macBytes(long mac) {
        byte[] b = new byte[6];
        for (int i = 5; i >= 0; i--) {
            b[i] = (byte) mac;
            mac >>>= 8;
        }
        return b;
    }

    /** Stops the threads (waiting up to two seconds for each), then closes the devices. Idempotent. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        LockSupport.unpark(supervisor);
        for (Worker w : workers) {
            try {
                w.thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            supervisor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeDevices();
        router.close();
    }

    private void closeDevices() {
        for (Link l : links) {
            if (l != null && l.device != null) {
                l.device.close();
                l.device = null;
            }
        }
    }

    Conntrack net() {
        return net;
    }
}
