package org.conntrack4j.sync.component;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.logging.Logger;

import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.sync.api.SyncControl;
import org.conntrack4j.sync.config.ConfParser;
import org.conntrack4j.sync.config.SyncConfig;
import org.conntrack4j.sync.engine.EngineEvents;
import org.conntrack4j.sync.engine.EngineTable;
import org.conntrack4j.sync.node.SyncNode;
import org.conntrack4j.sync.node.SyncRunner;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * A sync node on the live engine while the configuration {@value SyncControl#PID} is there: reads the
 * conntrackd.conf it names, opens the sync links, listens to the engine's events (the internal cache) and commits
 * into its table. A conntrackd.conf that cannot be read or is wrong leaves the service registered with its
 * {@link #error()} and nothing running, so that the one who configured it can say why. Deactivation closes the
 * event registration, then the node (its thread ends, its sockets close).
 */
@Component(configurationPid = SyncControl.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
    service = SyncControl.class)
public final class SyncComponent implements SyncControl {
    private static final Logger LOG = Logger.getLogger(SyncComponent.class.getName());

    @Reference(target = "(conntrack.name=default)")
    Conntrack net;

    private String token;
    private volatile String error;
    private String description = "";
    private SyncRunner runner;
    private Registration events;

    @Activate
    void activate(Map<String, Object> props) {
        Object t = props.get(TOKEN);
        token = t == null ? null : t.toString();
        Object conf = props.get(CONF);
        if (conf == null) {
            fail(PID + ": no property " + CONF + " (the conntrackd.conf to run)");
            return;
        }
        SyncConfig cfg;
        try {
            cfg = ConfParser.parse(Path.of(conf.toString()));
        } catch (IOException e) {
            fail(conf + ": " + e.getMessage());
            return;
        } catch (ConfParser.ConfException e) {
            fail(e.getMessage());
            return;
        }
        cfg.warnings().forEach(w -> LOG.warning("sync: " + w));
        EngineTable table = new EngineTable(net, cfg.tcpWindowTracking);
        try {
            runner = new SyncRunner(cfg, table, m -> LOG.info("sync: " + m));
        } catch (IOException | RuntimeException e) {
            fail(conf + ": the sync link cannot be opened: " + e.getMessage());
            return;
        }
        events = net.table().addListener(new EngineEvents(runner, table), true);
        runner.start();
        StringBuilder d = new StringBuilder("sync: ").append(cfg.mode).append(" over");
        for (SyncConfig.Link l : cfg.links) {
            d.append(' ').append(l.type).append(' ').append(l.address == null ? "" : l.address.getHostAddress())
                .append("->").append(l.destination == null ? "" : l.destination.getHostAddress()).append(':')
                .append(l.port).append(" on ").append(l.iface);
        }
        description = d.append(" (").append(conf).append(')').toString();
        LOG.info(description);
    }

    private void fail(String why) {
        error = why;
        LOG.severe("sync: " + why);
    }

    @Deactivate
    void deactivate() {
        if (events != null) {
            events.close();
            events = null;
        }
        if (runner != null) {
            try {
                runner.close();
            } catch (IOException e) {
                LOG.warning("sync: closing the links: " + e);
            }
            runner = null;
        }
    }

    @Override
    public String token() {
        return token;
    }

    @Override
    public String error() {
        return error;
    }

    @Override
    public String describe() {
        return error != null ? "sync: not running: " + error : description;
    }

    @Override
    public Map<String, Long> counters() {
        SyncRunner r = runner;
        if (r == null) {
            return Map.of();
        }
        try {
            // a scrape must not hang on a node that is busy: one second, then nothing this time
            Map<String, Long> m = new LinkedHashMap<>(r.call(r.node()::counters, 1000));
            m.put("events_overrun", r.overruns());
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        } catch (Exception e) {
            return Map.of();
        }
    }

    /** Runs {@code op} on the node's thread; null when no node runs. */
    <T> T call(OnNode<T> op) throws Exception {
        SyncRunner r = runner;
        if (r == null) {
            return null;
        }
        SyncNode node = r.node();
        Callable<T> c = () -> op.apply(node);
        return r.call(c);
    }

    /** An operation on the node, on its thread. */
    interface OnNode<T> {
        T apply(SyncNode node) throws Exception;
    }

    /** @return engine events dropped because the node's inbox was full */
    long overruns() {
        SyncRunner r = runner;
        return r == null ? 0 : r.overruns();
    }
}
