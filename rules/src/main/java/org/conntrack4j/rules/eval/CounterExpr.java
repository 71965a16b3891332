package org.conntrack4j.rules.eval;

import java.util.concurrent.atomic.LongAdder;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.rules.nft.CounterStatement;

/**
 * {@code counter}: packets and bytes (the network-layer length, as {@code skb->len} at the IP hooks) seen by
 * this statement, on top of the values the ruleset was written with. LongAdders: many threads count at once.
 */
final class CounterExpr extends Expr {
    private final long basePackets;
    private final long baseBytes;
    private final LongAdder packets = new LongAdder();
    private final LongAdder bytes = new LongAdder();

    CounterExpr(CounterStatement written) {
        this.basePackets = written.packets();
        this.baseBytes = written.bytes();
    }

    @Override
    int eval(Packet p, long info) {
        packets.increment();
        bytes.add(p.length());
        return CONTINUE;
    }

    long packets() {
        return basePackets + packets.sum();
    }

    long bytes() {
        return baseBytes + bytes.sum();
    }

    CounterStatement snapshot() {
        return new CounterStatement(packets(), bytes());
    }
}
