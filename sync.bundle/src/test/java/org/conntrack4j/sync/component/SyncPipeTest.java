package org.conntrack4j.sync.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.conntrack4j.sync.api.SyncControl;
import org.conntrack4j.testkit.GogoPipe;
import org.conntrack4j.testkit.Plugins;
import org.conntrack4j.testkit.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sync:*} in a real Gogo runtime on a running sync node (a UDP link on the loopback): what they print is
 * their standard output, so a pipe hands it to the next command ({@code sync:stats | grep}) instead of it going to
 * the console around the pipe.
 */
class SyncPipeTest {
    private final GogoPipe gogo = new GogoPipe();
    private final Rig rig = new Rig(new Plugins(), "default", org.conntrack4j.testkit.EventLog.AS_PRINTED);
    private final SyncComponent node = new SyncComponent();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        gogo.close();
        node.deactivate();
        rig.close();
    }

    private void start() throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // a port free now, so that parallel builds do not share one
        }
        Path conf = dir.resolve("conntrackd.conf");
        Files.writeString(conf, "Sync {\n Mode NOTRACK {\n }\n UDP {\n  IPv4_address 127.0.0.1\n"
            + "  IPv4_Destination_Address 127.0.0.1\n  Port " + port + "\n  Interface lo\n }\n}\n");
        node.net = rig.net();
        node.activate(Map.of(SyncControl.CONF, conf.toString()));
        assertNull(node.error(), node.describe());
        SyncCommands sync = new SyncCommands();
        sync.control = node;
        gogo.add("sync", sync, "stats", "internal", "commit");
    }

    @Test
    void aPipeFiltersWhatSyncCommandsPrint() throws Exception {
        start();
        List<String> all = gogo.run("sync:stats");
        assertTrue(all.size() > 2, all.toString());
        String line = all.stream().filter(l -> !l.isBlank()).skip(1).findFirst().orElseThrow();
        String word = line.trim().split("\\s+")[0];
        List<String> kept = gogo.run("sync:stats | t:keep " + word);
        assertEquals(all.stream().filter(l -> l.contains(word)).map(l -> "kept: " + l).toList(), kept);
        assertEquals(List.of(), gogo.run("sync:stats | t:keep no-such-word"),
            "nothing reaches the console around the pipe");
        assertEquals(List.of("kept: committed 0 connections, 0 failed; committed 0 expectations, 0 failed"),
            gogo.run("sync:commit | t:keep committed"));
        assertEquals(List.of(), gogo.run("sync:internal | t:keep no-such-word"));
    }
}
