package org.conntrack4j.dataplane;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.UUID;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.conntrack4j.command.Output;
import org.conntrack4j.sync.api.SyncControl;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * {@code router ...}: runs the live router in the foreground. It writes the command line as the configuration
 * {@value RouterSettings#PID} (Configuration Admin), waits for {@link LiveRouter} to start from it, prints its one
 * ready line and blocks until interrupted (Ctrl-C in the shell) or until the framework stops (SIGINT/SIGTERM on the
 * command line); interrupted, it deletes the configuration, which stops the router. {@code router:stats},
 * {@code router:neigh} and {@code router:links} show the running router, here or through its control socket.
 *
 * <p>Exit status: 0 after a clean stop; 2 bad arguments; 3 a device or the control socket that cannot be opened; 4 a
 * ruleset that cannot be installed; 1 anything else (the router did not start in time).
 *
 * <p>{@code --sync CONNTRACKD.CONF} also runs a sync node with that file (conntrackd's, as conntrackd reads it): the
 * command writes the configuration {@value SyncControl#PID} once the router is up, waits for the node, and deletes it
 * when the router stops. A file that cannot be read or is wrong: exit status 2, with the line that is wrong.
 */
@GogoCommand(scope = "conntrack4j", function = "router")
@Component(service = RouterCommand.class)
public final class RouterCommand {
    /** How long a router may take to open its devices and socket. */
    private static final long START_NANOS = 30_000_000_000L;

    @Reference
    ConfigurationAdmin configs;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile LiveRouter router;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SyncControl sync;

    @Descriptor("run the live router on Linux devices until interrupted (router --help for its arguments)")
    public int router(CommandSession session, @Descriptor("--iface NAME=DEV,ADDR/PREFIX ... --rules FILE ...")
        String... args) throws IOException {
        PrintStream out = Output.of(session);
        PrintStream err = System.err;
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            out.println(RouterSettings.USAGE);
            return 0;
        }
        Configuration cfg = configs.getConfiguration(RouterSettings.PID, "?");
        Dictionary<String, Object> props;
        RouterSettings settings;
        // --sync is the sync node's, not the router's: its own configuration
        String syncConf = null;
        List<String> routerArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].equals("--sync")) {
                routerArgs.add(args[i]);
            } else if (i + 1 < args.length) {
                syncConf = Path.of(args[++i]).toAbsolutePath().toString();
            } else {
                err.println("conntrack4j router: --sync needs a conntrackd.conf");
                return 2;
            }
        }
        if (syncConf != null && !Files.isReadable(Path.of(syncConf))) {
            err.println("conntrack4j router: --sync " + syncConf + ": cannot be read");
            return 2;
        }
        try {
            settings = RouterSettings.parseArgs(routerArgs.toArray(String[]::new));
        } catch (IllegalArgumentException e) {
            err.println("conntrack4j router: " + e.getMessage());
            err.println(RouterSettings.USAGE);
            return 2;
        }
        if (settings.isEmpty()) {
            Dictionary<String, Object> existing = cfg.getProperties();
            if (existing == null) {
                err.println("conntrack4j router: no arguments and no configuration " + RouterSettings.PID);
                err.println(RouterSettings.USAGE);
                return 2;
            }
            props = copy(existing);
        } else {
            props = settings.toConfig();
        }
        String token = UUID.randomUUID().toString();
        props.put(RouterSettings.TOKEN, token);
        cfg.update(props);
        boolean made = !settings.isEmpty();
        Configuration syncCfg = null;
        try {
            LiveRouter r = awaitStart(token);
            if (r == null) {
                err.println("conntrack4j router: did not start within " + START_NANOS / 1_000_000_000L + " s");
                return 1;
            }
            if (r.state() == LiveRouter.State.FAILED) {
                err.println("conntrack4j router: " + r.message());
                return r.exitCode();
            }
            if (syncConf != null) {
                syncCfg = configs.getConfiguration(SyncControl.PID, "?");
                Hashtable<String, Object> sp = new Hashtable<>();
                sp.put(SyncControl.CONF, syncConf);
                sp.put(SyncControl.TOKEN, token);
                syncCfg.update(sp);
                SyncControl s = awaitSync(token);
                if (s == null || s.error() != null) {
                    err.println("conntrack4j router: sync: " + (s == null ? "the sync node did not start" : s.error()));
                    return s == null ? 1 : 2;
                }
                err.println("conntrack4j router: " + s.describe());
            }
            out.println(r.message());
            out.flush();
            // until interrupted, or until the router goes (framework stopping, configuration changed elsewhere)
            while (true) {
                LiveRouter now = router;
                if (now == null || !token.equals(now.token()) || now.state() != LiveRouter.State.READY) {
                    return 0;
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            return 0;
        } finally {
            if (syncCfg != null) {
                deleteIfOurs(syncCfg, SyncControl.TOKEN, token);
            }
            if (made) {
                deleteIfOurs(cfg, RouterSettings.TOKEN, token);
            }
        }
    }

    /** The sync node started from the configuration carrying {@code token}; null: timeout. */
    private SyncControl awaitSync(String token) throws InterruptedException {
        long until = System.nanoTime() + START_NANOS;
        while (System.nanoTime() - until < 0) {
            SyncControl s = sync;
            if (s != null && token.equals(s.token())) {
                return s;
            }
            Thread.sleep(20);
        }
        return null;
    }

    /** The router started from the configuration carrying {@code token}, once it is READY or FAILED; null: timeout. */
    private LiveRouter awaitStart(String token) throws InterruptedException {
        long until = System.nanoTime() + START_NANOS;
        while (System.nanoTime() - until < 0) {
            LiveRouter r = router;
            if (r != null && token.equals(r.token())) {
                LiveRouter.State s = r.state();
                if (s == LiveRouter.State.READY || s == LiveRouter.State.FAILED) {
                    return r;
                }
            }
            Thread.sleep(20);
        }
        return null;
    }

    private static void deleteIfOurs(Configuration cfg, String key, String token) {
        try {
            Dictionary<String, Object> p = cfg.getProperties();
            if (p != null && token.equals(p.get(key))) {
                cfg.delete();
            }
        } catch (IOException | IllegalStateException e) {
            // the framework is stopping: the configuration goes with it
        }
    }

    private static Dictionary<String, Object> copy(Dictionary<String, Object> d) {
        Hashtable<String, Object> t = new Hashtable<>();
        for (var e = d.keys(); e.hasMoreElements();) {
            String k = e.nextElement();
            t.put(k, d.get(k));
        }
        return t;
    }
}
