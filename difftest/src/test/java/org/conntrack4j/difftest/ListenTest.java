package org.conntrack4j.difftest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.conntrack4j.replay.compare.CaseComparison;
import org.conntrack4j.replay.compare.ComparisonResult;
import org.conntrack4j.replay.compare.PartResult;
import org.conntrack4j.replay.run.CaseSpec;
import org.conntrack4j.replay.run.Replay;
import org.conntrack4j.replay.run.ReplayReport;
import org.conntrack4j.router.RouterSocket;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plain capture of traffic to a listener of the router's own, replayed with {@code --listen tcp:PORT} (no case
 * folder, no ruleset): the local TCP stack answers as the recording kernel did, and without the socket the router
 * resets the connection.
 */
class ListenTest {
    @TempDir
    Path tmp;

    private ComparisonResult replay(Path dir, List<RouterSocket> sockets, String out) throws Exception {
        CaseSpec c = CaseSpec.load(dir);
        CaseSpec plain = new CaseSpec(c.name(), c.interfaces(), c.sysctls(), null, null, c.capture(),
            c.defaultInterface()).withSockets(sockets);
        Plugins reg = Shipped.full();
        ReplayReport r = Replay.run(plain, tmp.resolve(out), Shipped.engines(reg), Shipped.rules(), null);
        assertEquals(7, r.frames());
        return CaseComparison.compare(dir, tmp.resolve(out));
    }

    private static PartResult part(ComparisonResult r, String name) {
        return r.parts().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aPlainCaptureWithListenGetsTheKernelsAnswers() throws Exception {
        Path dir = TestData.folder("probes/local/tcp_router_listener");
        ComparisonResult with = replay(dir, List.of(RouterSocket.parse("tcp:2222")), "with");
        assertTrue(part(with, "egress").complete(), with.render());
        assertTrue(part(with, "table").complete(), with.render());
        ComparisonResult without = replay(dir, List.of(RouterSocket.parse("udp:2222")), "without");
        assertEquals(0, part(without, "egress").agree(), "nothing listens on TCP: the SYN is reset");
    }
}
