package org.conntrack4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.Random;
import org.conntrack4j.sync.config.ConfParser;
import org.conntrack4j.sync.config.SyncConfig;
import org.conntrack4j.sync.node.FakeLink;
import org.conntrack4j.sync.node.SyncNode;
import org.conntrack4j.sync.node.TableStub;

/**
 * The sync messages as a peer sends them: a node in the mode the first byte picks (FTFW, NOTRACK, ALARM; caches
 * and expectation sync on) receives the input's datagrams, runs its timers as time moves on, answers over a link
 * that keeps nothing and commits into a table that holds nothing (the sync bundle's test doubles), and at the end
 * commits its external cache, prints its dumps and counters. conntrackd's checks count malformed input; anything
 * thrown is a finding.
 *
 * <p>Records after the mode byte: a 16-bit length and that many bytes of datagram, or (length 0xffff) 16 bits of
 * milliseconds to move the clock by.
 */
public class SyncFuzz {
    private static final String[] MODES = {"FTFW {\n\t\tResendQueueSize 4096\n\t}", "NOTRACK {\n\t}",
        "ALARM {\n\t\tRefreshTime 5\n\t\tCacheTimeout 20\n\t}"};
    private static final int MAX_DATAGRAMS = 256;

    public static void fuzzerTestOneInput(byte[] data) throws Exception {
        if (data.length == 0) {
            return;
        }
        SyncConfig cfg = ConfParser.parse("fuzz.conf", conf(MODES[(data[0] & 0xff) % MODES.length]));
        long[] now = {1_000_000_000_000L};
        SyncNode node = new SyncNode(cfg, List.of(new FakeLink(1472).to(sent -> { })),
            new TableStub((c, timeout) -> { }), () -> now[0], new Random(1), m -> { });
        node.start();
        int pos = 1;
        int datagrams = 0;
        while (pos + 2 <= data.length && datagrams < MAX_DATAGRAMS) {
            int len = (data[pos] & 0xff) << 8 | data[pos + 1] & 0xff;
            pos += 2;
            if (len == 0xffff) {
                int ms = pos + 2 <= data.length ? (data[pos] & 0xff) << 8 | data[pos + 1] & 0xff : 0;
                pos += 2;
                now[0] += ms * 1000L;
            } else {
                int n = Math.min(len, data.length - pos);
                node.received(0, data, pos, n);
                pos += n;
                datagrams++;
            }
            node.runPending();
        }
        node.commitConnections();
        node.commitExpectations();
        node.dumpExternal(false);
        node.dumpExternal(true);
        node.dumpInternal(false);
        node.stats();
        node.statsNetwork();
        node.stop();
    }

    @FuzzTest
    void syncMessages(byte[] data) throws Exception {
        fuzzerTestOneInput(data);
    }

    private static String conf(String mode) {
        return "Sync {\n\tMode " + mode + "\n\tUDP {\n\t\tIPv4_address 192.0.2.1\n"
            + "\t\tIPv4_Destination_Address 192.0.2.2\n\t\tPort 3780\n\t\tInterface sync0\n\t\tChecksum on\n\t}\n"
            + "\tOptions {\n\t\tTCPWindowTracking on\n\t\tExpectationSync on\n\t}\n}\n"
            + "General {\n\tHashSize 64\n\tHashLimit 256\n}\n";
    }
}
