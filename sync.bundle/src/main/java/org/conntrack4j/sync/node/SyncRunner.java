package org.conntrack4j.sync.node;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncEvents;
import org.conntrack4j.sync.api.SyncExpectation;
import org.conntrack4j.sync.api.SyncTable;
import org.conntrack4j.sync.channel.Link;
import org.conntrack4j.sync.channel.UdpLink;
import org.conntrack4j.sync.config.SyncConfig;

/**
 * Runs a {@link SyncNode} on its own thread over real UDP links: the loop takes received datagrams,
 * engine events (handed over through a bounded queue: when it is full the event is dropped and counted,
 * as a netlink overrun) and operations, and wakes up for the node's timers. {@link SyncEvents} may be
 * called from any thread.
 */
public final class SyncRunner implements SyncEvents, AutoCloseable {
    private static final int INBOX = 65536;

    private final SyncNode node;
    private final List<UdpLink> links = new ArrayList<>();
    private final Selector selector;
    private final BlockingQueue<Runnable> inbox = new ArrayBlockingQueue<>(INBOX);
    private final AtomicLong overruns = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    public SyncRunner(SyncConfig cfg, SyncTable table, Consumer<String> log) throws IOException {
        this(cfg, table, log, 0);
    }

    /** A runner whose links are those of two nodes on one loopback when {@code mtu} is above 0 ({@link UdpLink}). */
    public SyncRunner(SyncConfig cfg, SyncTable table, Consumer<String> log, int mtu) throws IOException {
        selector = Selector.open();
        try {
            for (SyncConfig.Link l : cfg.links) {
                UdpLink u = new UdpLink(l, mtu);
                links.add(u);
                u.receiver().register(selector, SelectionKey.OP_READ, links.size() - 1);
            }
        } catch (IOException | RuntimeException e) {
            closeLinks();
            selector.close();
            throw e;
        }
        List<Link> ls = new ArrayList<>(links);
        node = new SyncNode(cfg, ls, table, () -> System.currentTimeMillis() * 1000L, new Random(), log);
        thread = new Thread(this::loop, "conntrack4j-sync");
        thread.setDaemon(true);
    }

    /** Starts the node (internal cache population, startup resync) and the loop. */
    public void start() {
        inbox.add(node::start);
        thread.start();
    }

    private void loop() {
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (running) {
            try {
                long wait = (node.nextDeadline() - System.currentTimeMillis() * 1000L) / 1000L;
                if (inbox.isEmpty()) {
                    selector.select(Math.max(1, Math.min(wait, 1000)));
                } else {
                    selector.selectNow();
                }
                for (SelectionKey k : selector.selectedKeys()) {
                    int i = (Integer) k.attachment();
                    UdpLink l = links.get(i);
                    for (int n = 0; n < 100; n++) {
                        buf.clear();
                        InetSocketAddress from = (InetSocketAddress) l.receiver().receive(buf);
                        if (from == null) {
                            break;
                        }
                        if (!l.fromPeer(from)) {
                            node.foreign();
                            continue;
                        }
                        node.received(i, buf.array(), 0, buf.position());
                    }
                }
                selector.selectedKeys().clear();
                Runnable r;
                int n = 0;
                while (n++ < 10000 && (r = inbox.poll()) != null) {
                    r.run();
                }
                node.runPending();
            } catch (IOException | RuntimeException e) {
                // a failed receive or a bad event must not stop replication
                node.log("sync loop: " + e);
            }
        }
    }

    /** Runs {@code op} on the node's thread and waits for its result (the conntrackd -c/-f/-i/... requests). */
    public <T> T call(Callable<T> op) throws Exception {
        return submit(op).get();
    }

    /**
     * Runs {@code op} on the node's thread and waits at most {@code millis} for its result.
     *
     * @throws TimeoutException when the node's thread did not get to it in time
     */
    public <T> T call(Callable<T> op, long millis) throws Exception {
        return submit(op).get(millis, TimeUnit.MILLISECONDS);
    }

    private <T> CompletableFuture<T> submit(Callable<T> op) throws InterruptedException {
        CompletableFuture<T> f = new CompletableFuture<>();
        inbox.put(() -> {
            try {
                f.complete(op.call());
            } catch (Exception e) {
                f.completeExceptionally(e);
            }
        });
        selector.wakeup();
        return f;
    }

    /** @return the node (use it only through {@link #call}) */
    public SyncNode node() {
        return node;
    }

    /** @return the link counters, in the order of the configuration (read them on the node's thread) */
    public List<Link.LinkStats> linkStats() {
        List<Link.LinkStats> l = new ArrayList<>();
        for (UdpLink u : links) {
            l.add(u.stats());
        }
        return l;
    }

    /** @return engine events dropped because the node could not keep up */
    public long overruns() {
        return overruns.get();
    }

    private void offer(Runnable r) {
        if (!inbox.offer(r)) {
            overruns.incrementAndGet();
        }
    }

    /**
     * Hands work to the node's thread without waiting (the engine integration maps an event there, off the packet's
     * thread); when the inbox is full it is dropped and counted as an overrun, as an event would be.
     */
    public void submit(Runnable r) {
        offer(r);
        selector.wakeup();
    }

    /** @return whether the caller is the node's thread (events it causes come from a commit or flush) */
    public boolean onNodeThread() {
        return Thread.currentThread() == thread;
    }

    @Override
    public void newConnection(SyncConnection c, Origin origin) {
        offer(() -> node.connectionEvent(0, c, origin));
    }

    @Override
    public void updateConnection(SyncConnection c, Origin origin) {
        offer(() -> node.connectionEvent(1, c, origin));
    }

    @Override
    public void destroyConnection(SyncConnection c, Origin origin) {
        offer(() -> node.connectionEvent(2, c, origin));
    }

    @Override
    public void newExpectation(SyncExpectation e, Origin origin) {
        offer(() -> node.expectationEvent(0, e, origin));
    }

    @Override
    public void updateExpectation(SyncExpectation e, Origin origin) {
        offer(() -> node.expectationEvent(1, e, origin));
    }

    @Override
    public void destroyExpectation(SyncExpectation e, Origin origin) {
        offer(() -> node.expectationEvent(2, e, origin));
    }

    private void closeLinks() {
        for (UdpLink l : links) {
            try {
                l.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        node.stop();
        closeLinks();
        selector.close();
    }
}
