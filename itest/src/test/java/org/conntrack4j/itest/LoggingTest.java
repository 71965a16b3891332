package org.conntrack4j.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.rules.InstalledRuleset;
import org.conntrack4j.rules.Rulesets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.admin.LoggerAdmin;
import org.osgi.test.common.annotation.InjectService;

/**
 * Logging goes through the shipped Log Service, and its levels change at runtime through Configuration Admin: an nft
 * {@code log} statement writes nothing at the default level (WARN), one entry per packet from the rules bundle's
 * logger {@code org.conntrack4j.rules.log} once the configuration {@code org.osgi.service.log.admin} sets that
 * logger to DEBUG, and nothing again once it is set back.
 */
class LoggingTest {
    private static final String PID = "org.osgi.service.log.admin";
    private static final String LOGGER = "org.conntrack4j.rules.log";

    @InjectService
    ConfigurationAdmin configAdmin;

    @InjectService
    LoggerAdmin loggerAdmin;

    @InjectService
    LogReaderService reader;

    @InjectService
    ConntrackFactory factory;

    @InjectService
    Rulesets rulesets;

    private final List<LogEntry> seen = Collections.synchronizedList(new ArrayList<>());
    private final LogListener listener = seen::add;

    @AfterEach
    void restore() throws Exception {
        reader.removeLogListener(listener);
        Configuration c = configAdmin.getConfiguration(PID, "?");
        c.delete();
        awaitLevel(LogLevel.WARN);
    }

    private void setLevel(LogLevel level) throws Exception {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(LOGGER, level.name());
        configAdmin.getConfiguration(PID, "?").update(props);
        awaitLevel(level);
    }

    /** Configuration Admin tells the Log Service in its own thread: wait (5 s at most) until the level applies. */
    private void awaitLevel(LogLevel level) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        LogLevel now;
        while ((now = loggerAdmin.getLoggerContext("org.conntrack4j.rules").getEffectiveLogLevel(LOGGER)) != level) {
            assertTrue(System.nanoTime() < deadline, "level of " + LOGGER + " stayed " + now + ", wanted " + level);
            Thread.sleep(20);
        }
    }

    private List<String> packetLines() {
        List<String> out = new ArrayList<>();
        synchronized (seen) {
            for (LogEntry e : seen) {
                if (LOGGER.equals(e.getLoggerName()) && e.getMessage().startsWith("itest-log: ")) {
                    out.add(e.getLogLevel() + " " + e.getBundle().getSymbolicName() + " " + e.getMessage());
                }
            }
        }
        return out;
    }

    @Test
    void theLogStatementsLevelIsSetAtRuntime() throws Exception {
        reader.addLogListener(listener);
        Conntrack net = factory.create("itest-logging", new ManualClock(250), Map.of(), false);
        try (InstalledRuleset rs = rulesets.install(net, "logging.nft", "table ip t {\n\tchain c {\n\t\t"
            + "type filter hook prerouting priority 0; policy accept;\n\t\tlog prefix \"itest-log: \"\n\t}\n}\n")) {
            awaitLevel(LogLevel.WARN);
            ItPackets.forward(net, ItPackets.ipv4(IpProto.UDP, "198.51.100.7", 40000, "203.0.113.10", 53, 0));
            assertEquals(List.of(), packetLines(), "the default level: nothing");

            setLevel(LogLevel.DEBUG);
            ItPackets.forward(net, ItPackets.ipv4(IpProto.UDP, "198.51.100.7", 40001, "203.0.113.10", 53, 0));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (packetLines().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of("DEBUG org.conntrack4j.rules itest-log: IN= OUT= SRC=198.51.100.7 DST=203.0.113.10 "
                + "LEN=28 TTL=64 ID=0 PROTO=UDP SPT=40001 DPT=53"), packetLines());

            setLevel(LogLevel.WARN);
            ItPackets.forward(net, ItPackets.ipv4(IpProto.UDP, "198.51.100.7", 40002, "203.0.113.10", 53, 0));
            assertEquals(1, packetLines().size(), "back to WARN: nothing more");
        } finally {
            net.close();
        }
    }
}
