package org.conntrack4j.dataplane;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.apache.felix.service.command.CommandProcessor;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.SettingKey;
import org.conntrack4j.core.text.Names;
import org.conntrack4j.dataplane.api.LiveRouterStats;
import org.conntrack4j.io.DeviceStats;
import org.conntrack4j.io.PacketIo;
import org.conntrack4j.io.PacketIoException;
import org.conntrack4j.rules.RulesetInForce;
import org.conntrack4j.rules.RulesetInstallException;
import org.conntrack4j.rules.Rulesets;
import org.conntrack4j.rules.nft.NftParser;
import org.conntrack4j.rules.nft.RulesetParseException;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/**
 * The live router of this framework, configured through Configuration Admin (PID {@value RouterSettings#PID}; see
 * {@link RouterSettings}): the live engine's sysctls and ruleset as configured, the control socket, then the
 * dataplane on the configured devices. Made by the {@code router} command, or by {@code etc/org.conntrack4j.router.cfg}
 * in a framework that runs as a service. A configuration that cannot work leaves the component {@link State#FAILED}
 * with a one-line message and the exit status the command returns: 2 a bad configuration, 3 a device or the control
 * socket that cannot be opened, 4 a ruleset outside the supported subset or needing a missing bundle.
 *
 * <p>Threads: activation, modification and deactivation come from Declarative Services, one at a time (this
 * object's monitor); the state fields are volatile for the command waiting on them.
 */
@Component(service = LiveRouter.class, configurationPid = RouterSettings.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true)
public final class LiveRouter {
    private static final Logger LOG = Logger.getLogger(LiveRouter.class.getName());

    enum State { STARTING, READY, FAILED, STOPPED }

    @Reference
    PacketIo io;

    @Reference(target = "(conntrack.name=default)")
    Conntrack net;

    @Reference
    Rulesets rulesets;

    @Reference
    RulesetInForce inForce;

    @Reference
    CommandProcessor processor;

    private volatile State state = State.STARTING;
    private volatile String message = "starting";
    private volatile int exitCode;
    private volatile Object token;
    private RouterSettings settings;
    private Dataplane dataplane;
    private ControlServer control;
    /** Stops the router when the JVM ends while it runs; null when it does not run. */
    private Thread exitHook;
    private BundleContext context;
    /** The {@link LiveRouterStats} service while the router is READY, else null. */
    private ServiceRegistration<LiveRouterStats> statsService;

    @Activate
    synchronized void activate(BundleContext ctx, Map<String, Object> props) {
        context = ctx;
        start(props);
    }

    @Modified
    synchronized void modified(Map<String, Object> props) {
        stop();
        start(props);
    }

    @Deactivate
    synchronized void deactivate() {
        stop();
        state = State.STOPPED;
    }

    private void start(Map<String, Object> props) {
        state = State.STARTING;
        token = props.get(RouterSettings.TOKEN);
        try {
            settings = RouterSettings.fromConfig(props);
            applySysctls(settings);
            if (settings.rules != null) {
                Path file = Path.of(settings.rules);
                String text;
                try {
                    text = NftParser.read(file); // bytes, as nft reads them: any byte in comments and strings
                } catch (IOException e) {
                    throw new Failure(3, "--rules " + file + ": cannot read: " + e.getMessage());
                }
                try {
                    inForce.replace(rulesets.parse(file.toString(), text));
                } catch (RulesetParseException | RulesetInstallException e) {
                    throw new Failure(4, e.getMessage());
                }
            }
            Path dir = settings.controlDir != null ? settings.controlDir : defaultControlDir();
            try {
                control = ControlServer.open(dir, settings.instance, scratch(), processor);
            } catch (IOException e) {
                throw new Failure(3, e.getMessage());
            }
            try {
                dataplane = Dataplane.start(io, net, settings.ifaces, settings.routes, settings.threads);
            } catch (PacketIoException e) {
                throw new Failure(3, e.getMessage());
            }
            // SIGTERM/SIGINT end the JVM without stopping the framework first: close the devices and remove the
            // socket file then too
            exitHook = new Thread(this::stopAtExit, "router-exit");
            Runtime.getRuntime().addShutdownHook(exitHook);
            message = readyLine();
            state = State.READY;
            registerStats();
            if (token == null) {
                // a router of a configuration file: the log is where it says so (the command prints it itself)
                LOG.info(message);
            }
        } catch (IllegalArgumentException e) {
            fail(2, e.getMessage());
        } catch (Failure f) {
            fail(f.status, f.getMessage());
        } catch (RuntimeException e) {
            fail(1, e.toString());
        }
    }

    private void fail(int status, String why) {
        stop();
        exitCode = status;
        message = why;
        state = State.FAILED;
        if (token == null) {
            LOG.warning("router: " + why);
        }
    }

    /** A reason to give up starting, with the exit status the command returns. */
    private static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Failure(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /** Every sysctl known to the live engine (with or without {@code net.netfilter.}), or none is set. */
    private void applySysctls(RouterSettings s) throws Failure {
        List<SettingKey> keys = new ArrayList<>();
        for (Map.Entry<String, String> e : s.sysctls.entrySet()) {
            SettingKey k = net.settings().key(e.getKey());
            if (k == null) {
                throw new Failure(2, "--sysctl " + e.getKey() + ": unknown sysctl (ct:sysctl lists them)"
                    + Names.suggestion(Names.setting(e.getKey()), net.settings().active().keySet()));
            }
            keys.add(k);
        }
        int i = 0;
        for (String v : s.sysctls.values()) {
            try {
                net.settings().set(keys.get(i++), Long.parseLong(v));
            } catch (IllegalArgumentException e) {
                throw new Failure(2, "--sysctl " + keys.get(i - 1).name() + "=" + v + ": " + e.getMessage());
            }
        }
    }

    private String readyLine() {
        StringBuilder b = new StringBuilder("conntrack4j router ready: instance ").append(settings.instance);
        List<String> links = dataplane.linkSummary();
        for (int i = 0; i < settings.ifaces.size(); i++) {
            LiveInterface li = settings.ifaces.get(i);
            b.append(i == 0 ? ", " : " ").append(li.name).append('=').append(li.device).append(" (").append(links.get(i))
                .append(')');
        }
        return b.append(", ").append(settings.threads).append(settings.threads == 1 ? " thread" : " threads")
            .append(", control socket ").append(control.socket()).toString();
    }

    /** The distribution's {@code data/run} (the launcher names the data folder), else one beside the temporary files. */
    static Path defaultControlDir() {
        String data = System.getProperty("conntrack4j.data");
        if (data != null && !data.isBlank()) {
            return org.conntrack4j.ctl.ControlProtocol.socketDir(Path.of(data));
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "conntrack4j-run");
    }

    private static Path scratch() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    private synchronized void stopAtExit() {
        exitHook = null;
        stop();
        state = State.STOPPED;
    }

    /** Registers the running router's counters for other bundles (the metrics); {@link #stop} takes them away. */
    private void registerStats() {
        Dataplane d = dataplane;
        String instance = settings.instance;
        LiveRouterStats stats = new LiveRouterStats() {
            @Override
            public String instance() {
                return instance;
            }

            @Override
            public Map<String, Long> counters() {
                Map<String, Long> m = new LinkedHashMap<>(d.router().counters());
                m.put("reopened", d.reopened());
                return m;
            }

            @Override
            public Map<String, DeviceStats> devices() {
                return d.deviceStats();
            }
        };
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(LiveRouterStats.INSTANCE, instance);
        if (settings.metrics != null) {
            props.put(LiveRouterStats.METRICS, settings.metrics);
        }
        statsService = context.registerService(LiveRouterStats.class, stats, props);
    }

    private void stop() {
        if (statsService != null) {
            try {
                statsService.unregister();
            } catch (IllegalStateException e) {
                // the bundle is stopping: the framework took it away already
            }
            statsService = null;
        }
        if (exitHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(exitHook);
            } catch (IllegalStateException e) {
                // the JVM is ending: the hook runs, and finds nothing left to stop
            }
            exitHook = null;
        }
        if (control != null) {
            control.close();
            control = null;
        }
        if (dataplane != null) {
            dataplane.close();
            dataplane = null;
        }
    }

    State state() {
        return state;
    }

    String message() {
        return message;
    }

    int exitCode() {
        return exitCode;
    }

    Object token() {
        return token;
    }

    /** The dataplane while the router runs, else null. */
    synchronized Dataplane dataplane() {
        return dataplane;
    }
}
