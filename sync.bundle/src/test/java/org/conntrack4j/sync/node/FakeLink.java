package org.conntrack4j.sync.node;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.conntrack4j.sync.channel.Link;

/** A link that keeps (or hands on) what is sent over it. */
public final class FakeLink implements Link {
    private final LinkStats stats = new LinkStats();
    private final int payload;
    public final List<byte[]> sent = new ArrayList<>();
    private Consumer<byte[]> sink;

    public FakeLink(int payload) {
        this.payload = payload;
    }

    /** Hands each datagram to {@code sink} instead of keeping it. */
    public FakeLink to(Consumer<byte[]> s) {
        sink = s;
        return this;
    }

    @Override
    public boolean send(byte[] b, int off, int len) {
        byte[] d = Arrays.copyOfRange(b, off, off + len);
        stats.bytesSent += len;
        stats.messagesSent++;
        if (sink != null) {
            sink.accept(d);
        } else {
            sent.add(d);
        }
        return true;
    }

    @Override
    public int payloadSize() {
        return payload;
    }

    @Override
    public String ifname() {
        return "sync0";
    }

    @Override
    public String kind() {
        return "UDP";
    }

    @Override
    public LinkStats stats() {
        return stats;
    }
}
