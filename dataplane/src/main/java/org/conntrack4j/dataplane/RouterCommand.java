package org.conntrack4j.dataplane;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.UUID;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
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
        try {
            settings = RouterSettings.parseArgs(args);
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
            if (made) {
                deleteIfOurs(cfg, token);
            }
        }
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

    private static void deleteIfOurs(Configuration cfg, String token) {
        try {
            Dictionary<String, Object> p = cfg.getProperties();
            if (p != null && token.equals(p.get(RouterSettings.TOKEN))) {
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
