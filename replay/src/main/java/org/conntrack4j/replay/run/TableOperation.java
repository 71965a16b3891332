package org.conntrack4j.replay.run;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.ConnectionUpdate;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.inet.Addr;

/**
 * Something done to the recording router's connection table besides its packets, at a moment of the capture
 * ({@code case.json} → {@code operations}, recorded by the kernel lab): the replay does it to its engine at that
 * moment, before the first frame captured after it. One kind so far:
 *
 * <pre>
 *   {"time_ns": T, "op": "remove_helper", "family": "ipv4", "proto": 6, "src": A, "dst": B, "sport": P, "dport": Q}
 * </pre>
 * takes the helper away from the connection with that original tuple, as ctnetlink does for a helper of empty name
 * (the lab's way of unloading a helper that is built into its kernel): {@code ConnectionUpdate.withoutHelper()}.
 */
public final class TableOperation {
    private final long timeNanos;
    private final Tuple orig;

    private TableOperation(long timeNanos, Tuple orig) {
        this.timeNanos = timeNanos;
        this.orig = orig;
    }

    /** When it was done, nanoseconds since the epoch (the capture's clock). */
    public long timeNanos() {
        return timeNanos;
    }

    /** Does it to {@code net}; false when no connection has the tuple (ctnetlink's ENOENT) or it was refused. */
    public boolean apply(Conntrack net) {
        List<Connection> found = net.table().connections(c -> c.tupleEquals(Direction.ORIGINAL, orig));
        return !found.isEmpty()
            && net.table().update(found.get(0), ConnectionUpdate.NONE.withoutHelper()) == ConnectionUpdate.DONE;
    }

    /** One entry of {@code operations}; {@code what} names it in messages. */
    static TableOperation parse(Object o, Path file, String what) throws ReplayException {
        if (!(o instanceof Map)) {
            throw bad(file, what, "is not an object");
        }
        Map<?, ?> m = (Map<?, ?>) o;
        if (!"remove_helper".equals(m.get("op"))) {
            throw bad(file, what, "has op " + m.get("op") + " (supported: remove_helper)");
        }
        if (!"ipv4".equals(m.get("family"))) {
            throw bad(file, what, "has family " + m.get("family") + " (supported: ipv4)");
        }
        Tuple t = new Tuple();
        try {
            t.ipv4(Addr.parseV4(String.valueOf(m.get("src"))), Addr.parseV4(String.valueOf(m.get("dst"))));
        } catch (IllegalArgumentException e) {
            throw bad(file, what, "has an address that is not IPv4: " + e.getMessage());
        }
        t.family = Family.IPV4;
        t.proto = number(m.get("proto"), 0, 255, file, what + ".proto");
        t.srcPort = number(m.get("sport"), 0, 65535, file, what + ".sport");
        t.dstPort = number(m.get("dport"), 0, 65535, file, what + ".dport");
        if (!(m.get("time_ns") instanceof Number)) {
            throw bad(file, what, "has no time_ns");
        }
        return new TableOperation(((Number) m.get("time_ns")).longValue(), t);
    }

    private static int number(Object o, int min, int max, Path file, String what) throws ReplayException {
        if (!(o instanceof Number) || ((Number) o).longValue() < min || ((Number) o).longValue() > max) {
            throw new ReplayException(file + ": " + what + " is not a number from " + min + " to " + max,
                ReplayException.INPUT);
        }
        return ((Number) o).intValue();
    }

    private static ReplayException bad(Path file, String what, String problem) {
        return new ReplayException(file + ": " + what + " " + problem, ReplayException.INPUT);
    }

    @Override
    public String toString() {
        return "remove_helper " + orig + " at " + timeNanos;
    }
}
