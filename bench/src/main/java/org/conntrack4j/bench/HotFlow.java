package org.conntrack4j.bench;

import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.IpHeaders;

/**
 * One thread's flow of workload A: a batch of {@code batch} packets, each parsed ({@link IpHeaders#validate}) and
 * then the batch runs through conntrack with commit ({@code in} + {@code confirm} of each packet, one call for the
 * batch as OVS's {@code conntrack_execute}). As OVS's benchmark keeps its batch of
 * packets and only clears their connection metadata between rounds ({@code pkt_metadata_init_conn}), each packet's
 * bytes are loaded once, and every round resets its per-packet state and parses it again: nothing is cached
 * between packets, every packet is a full table lookup. (A change to the bytes, which nothing here makes, would show
 * as parse errors.) Belongs to one thread.
 */
public final class HotFlow {
    private final Conntrack net;
    private final byte[] frame;
    private final Packet[] packets;
    private final int[] verdicts;
    private long notNew;
    private long parseErrors;

    /** The flow of thread {@code index}: UDP source port 1 + index, destination port 2. */
    public HotFlow(Conntrack net, int index, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch " + batch);
        }
        this.net = net;
        this.frame = Frames.udp(1 + index, 2);
        this.packets = new Packet[batch];
        this.verdicts = new int[batch];
        for (int i = 0; i < batch; i++) {
            packets[i] = new Packet(256).load(frame, Frames.ETH, frame.length - Frames.ETH, Frames.ETH);
        }
    }

    /**
     * Processes {@code n} packets, {@link #batch()} at a time: the batch is parsed (its state reset, its bytes as
     * loaded), then its packets are tracked and committed.
     */
    public void process(long n) {
        Packet[] b = packets;
        int len = frame.length - Frames.ETH;
        for (long done = 0; done < n; ) {
            int k = (int) Math.min(b.length, n - done);
            for (int j = 0; j < k; j++) {
                Packet p = b[j];
                p.reset();
                p.wrap(p.array(), Frames.ETH, len);
                if (IpHeaders.validate(p) != null) {
                    parseErrors++;
                }
            }
            net.packets().inConfirm(b, 0, k, verdicts);
            for (int j = 0; j < k; j++) {
                Packet p = b[j];
                if (p.ct == null || p.ctinfo != CtInfo.NEW) {
                    notNew++;
                }
            }
            done += k;
        }
    }

    public int batch() {
        return packets.length;
    }

    /** Packets so far whose verdict was not NEW (no connection, or another ctinfo): 0 when all is well. */
    public long notNew() {
        return notNew;
    }

    /** Packets so far the IP layer would have refused: 0 when all is well. */
    public long parseErrors() {
        return parseErrors;
    }
}
