package org.conntrack4j.sync.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conntrack4j.sync.Vectors;
import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncEvents;
import org.conntrack4j.sync.api.SyncTuple;
import org.conntrack4j.sync.config.ConfParser;
import org.conntrack4j.sync.config.SyncConfig;
import org.conntrack4j.sync.wire.NtaCt;
import org.conntrack4j.sync.wire.RecvStats;
import org.conntrack4j.sync.wire.Wire;
import org.conntrack4j.sync.wire.WireVectorsTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The internal cache prints as the real router's {@code conntrackd -i}: its connections, as the engine
 * would give them (what the router sent about each, with the reply tuple from the kernel's table), fed to
 * a node configured from the router's own conntrackd.conf, dump in the same order and the same text. Ages
 * are left out: they depend on when the router's loop woke up, which its sync traffic does not show.
 */
class InternalDumpVectorsTest {

    @ParameterizedTest
    @ValueSource(strings = {"ftfw", "notrack", "alarm", "ftfw-2", "notrack-2", "alarm-2"})
    void internalCacheDumpsAsTheRealRouters(String scenario) throws Exception {
        Vectors.Dump want = Vectors.dump(scenario, "1-traffic-rtr-i-ct");
        Map<SyncTuple, SyncConnection> last = new HashMap<>();
        for (WireVectorsTest.Msg x : WireVectorsTest.messages(scenario, new RecvStats())) {
            if (x.d().fromRouter() && x.d().micros() < want.micros() && x.type() <= Wire.T_CT_UPD) {
                SyncConnection c = NtaCt.decode(x.bytes(), 0, x.bytes().length);
                last.put(c.orig(), c);
            }
        }
        Map<SyncTuple, SyncTuple> replies = new HashMap<>();
        for (WireVectorsTest.KernelEntry k : WireVectorsTest.kernelTable(scenario)) {
            replies.put(k.orig().protonum() == 47 ? new SyncTuple(k.orig().src(), k.orig().dst(), 47, 0, 0) : k.orig(),
                    k.reply());
        }
        SyncConfig cfg = ConfParser.parse("rtr.conf", Vectors.text(scenario, "rtr.conf"));
        long[] now = {want.micros()};
        SyncNode node = new SyncNode(cfg, List.of(new FakeLink(1472)), null, () -> now[0], new Random(1), m -> { });
        int fed = 0;
        for (Map.Entry<SyncTuple, SyncConnection> e : last.entrySet()) {
            SyncTuple reply = replies.get(e.getKey());
            if (reply == null) {
                continue; // gone from the table before it was listed
            }
            // the kernel's GRE tuple has its keys (the wire carries none)
            SyncConnection c = e.getValue().toBuilder().reply(reply).build();
            node.connectionEvent(0, c, SyncEvents.Origin.ENGINE);
            fed++;
        }
        String got = node.dumpInternal(false);
        assertEquals(strip(want.text()), strip(got));
        assertTrue(fed >= 12, "connections: " + fed);
    }

    static String strip(String dump) {
        return dump.replaceAll(" \\[active since \\d+s\\]", "");
    }
}
