package org.conntrack4j.dataplane;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.conntrack4j.core.text.Names;
import org.conntrack4j.ctl.ControlProtocol;
import org.conntrack4j.router.Route;

/**
 * What a live router is made of, as the {@code router} command takes it and as Configuration Admin holds it (PID
 * {@value #PID}): interfaces, routes, conntrack sysctls, the ruleset file, forwarding threads, the instance name.
 *
 * <pre>
 *   router --iface NAME=DEV,ADDR/PREFIX[,ADDR6/PREFIX...][,mtu=N] ... [--route PREFIX via GATEWAY] ...
 *          [--rules RULESET.nft] [--sysctl NAME=VALUE] ... [--threads N] [--instance NAME]
 *
 *   iface.NAME = DEV,ADDR/PREFIX[,...][,mtu=N]      (one property per interface)
 *   route.ANY = PREFIX via GATEWAY                   (one per route; the key after "route." only tells them apart)
 *   sysctl.NAME = VALUE                              (conntrack's sysctls, as Linux spells them)
 *   rules = /path/to/ruleset.nft                     (else the ruleset of org.conntrack4j.rules applies)
 *   threads = 1
 *   instance = default
 *   metrics = 127.0.0.1:9876                         (where /metrics listens while it runs: ADDRESS:PORT | PORT | off)
 * </pre>
 * Immutable. Bad input is an {@link IllegalArgumentException} with a one-line message.
 */
final class RouterSettings {
    static final String PID = "org.conntrack4j.router";
    static final String IFACE = "iface.";
    static final String ROUTE = "route.";
    static final String SYSCTL = "sysctl.";
    static final String RULES = "rules";
    static final String THREADS = "threads";
    static final String INSTANCE = "instance";
    static final String CONTROL_DIR = "control.dir";
    static final String METRICS = "metrics";
    /** What the metrics bundle's {@code listen} takes: {@code off}, {@code PORT}, {@code [ADDRESS]:PORT}. */
    private static final Pattern LISTEN = Pattern.compile("off|(\\[[0-9A-Fa-f:.%a-zA-Z]+\\]:|[0-9A-Za-z.-]*:)?[0-9]{1,5}");
    /** Set by the {@code router} command on the configuration it makes, to know its router's service. */
    static final String TOKEN = "router.token";

    static final String USAGE = "usage: router --iface NAME=DEV,ADDR/PREFIX[,ADDR6/PREFIX...][,mtu=N] [--iface ...]\n"
        + "              [--route PREFIX via GATEWAY] ... [--rules RULESET.nft] [--sysctl NAME=VALUE] ...\n"
        + "              [--threads N] [--instance NAME] [--sync CONNTRACKD.CONF] [--metrics ADDRESS:PORT|PORT|off]\n"
        + "       router        (no arguments: the configuration " + PID + ", etc/" + PID + ".cfg)";

    final List<LiveInterface> ifaces;
    final List<Route> routes;
    final Map<String, String> sysctls;
    final String rules;
    final int threads;
    final String instance;
    final Path controlDir;
    /** Where the instance's metrics listen while this router runs, or null: as configured for the instance. */
    final String metrics;

    private RouterSettings(List<LiveInterface> ifaces, List<Route> routes, Map<String, String> sysctls, String rules,
        int threads, String instance, Path controlDir, String metrics) {
        this.ifaces = List.copyOf(ifaces);
        this.routes = List.copyOf(routes);
        this.sysctls = Map.copyOf(sysctls);
        this.rules = rules;
        this.threads = threads;
        this.instance = instance;
        this.controlDir = controlDir;
        this.metrics = metrics;
    }

    /** The command line of {@code router}. Empty: an empty settings object ({@link #isEmpty}). */
    static RouterSettings parseArgs(String... args) {
        List<LiveInterface> ifaces = new ArrayList<>();
        List<Route> routes = new ArrayList<>();
        Map<String, String> sysctls = new LinkedHashMap<>();
        String rules = null;
        int threads = 1;
        String instance = ControlProtocol.DEFAULT_INSTANCE;
        Path control = null;
        String metrics = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--iface":
                    ifaces.add(LiveInterface.parse(value(args, i++, a)));
                    break;
                case "--route": {
                    String r = value(args, i++, a);
                    // PREFIX via GATEWAY as one argument or three
                    if (!r.contains(" via ") && i + 2 < args.length && args[i + 1].equals("via")) {
                        r = r + " via " + args[i + 2];
                        i += 2;
                    }
                    routes.add(route(r));
                    break;
                }
                case "--rules":
                    rules = value(args, i++, a);
                    break;
                case "--sysctl": {
                    String s = value(args, i++, a);
                    int eq = s.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--sysctl " + s + ": expected NAME=VALUE");
                    }
                    sysctls.put(s.substring(0, eq).trim(), s.substring(eq + 1).trim());
                    break;
                }
                case "--threads":
                    threads = threads(value(args, i++, a));
                    break;
                case "--instance":
                    instance = instance(value(args, i++, a));
                    break;
                case "--control-dir":
                    control = Path.of(value(args, i++, a));
                    break;
                case "--metrics":
                    metrics = metrics(value(args, i++, a));
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument " + a + Names.suggestion(a, List.of("--iface",
                        "--route", "--rules", "--sysctl", "--threads", "--instance", "--control-dir", "--metrics")));
            }
        }
        RouterSettings s = new RouterSettings(ifaces, routes, sysctls, rules, threads, instance, control, metrics);
        if (args.length > 0) {
            s.check();
        }
        return s;
    }

    /** A configuration's properties (Configuration Admin's, or the component's). */
    static RouterSettings fromConfig(Map<String, ?> props) {
        Map<String, LiveInterface> ifaces = new TreeMap<>();
        Map<String, Route> routes = new TreeMap<>();
        Map<String, String> sysctls = new TreeMap<>();
        for (Map.Entry<String, ?> e : props.entrySet()) {
            String k = e.getKey();
            String v = String.valueOf(e.getValue()).trim();
            if (k.startsWith(IFACE)) {
                String name = k.substring(IFACE.length());
                ifaces.put(name, LiveInterface.parse(name + "=" + v));
            } else if (k.startsWith(ROUTE)) {
                routes.put(k, route(v));
            } else if (k.startsWith(SYSCTL)) {
                sysctls.put(k.substring(SYSCTL.length()), v);
            }
        }
        Object rules = props.get(RULES);
        Object threads = props.get(THREADS);
        Object instance = props.get(INSTANCE);
        Object control = props.get(CONTROL_DIR);
        Object metrics = props.get(METRICS);
        RouterSettings s = new RouterSettings(new ArrayList<>(ifaces.values()), new ArrayList<>(routes.values()), sysctls,
            rules == null || rules.toString().isBlank() ? null : rules.toString().trim(),
            threads == null ? 1 : threads(threads.toString().trim()),
            instance == null ? ControlProtocol.DEFAULT_INSTANCE : instance(instance.toString().trim()),
            control == null ? null : Path.of(control.toString().trim()),
            metrics == null || metrics.toString().isBlank() ? null : metrics(metrics.toString().trim()));
        s.check();
        return s;
    }

    /** The configuration for Configuration Admin. */
    Hashtable<String, Object> toConfig() {
        Hashtable<String, Object> t = new Hashtable<>();
        for (LiveInterface i : ifaces) {
            String spec = i.toString();
            t.put(IFACE + i.name, spec.substring(spec.indexOf('=') + 1));
        }
        for (int i = 0; i < routes.size(); i++) {
            t.put(ROUTE + String.format("%03d", i), routes.get(i).toString());
        }
        for (Map.Entry<String, String> s : sysctls.entrySet()) {
            t.put(SYSCTL + s.getKey(), s.getValue());
        }
        if (rules != null) {
            t.put(RULES, Path.of(rules).toAbsolutePath().toString());
        }
        t.put(THREADS, String.valueOf(threads));
        t.put(INSTANCE, instance);
        if (controlDir != null) {
            t.put(CONTROL_DIR, controlDir.toAbsolutePath().toString());
        }
        if (metrics != null) {
            t.put(METRICS, metrics);
        }
        return t;
    }

    boolean isEmpty() {
        return ifaces.isEmpty();
    }

    private void check() {
        if (ifaces.isEmpty()) {
            throw new IllegalArgumentException("no interface: give at least one --iface NAME=DEV,ADDR/PREFIX");
        }
        for (int i = 0; i < ifaces.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (ifaces.get(i).name.equals(ifaces.get(j).name)) {
                    throw new IllegalArgumentException("interface " + ifaces.get(i).name + " given twice");
                }
                if (ifaces.get(i).device.equals(ifaces.get(j).device)) {
                    throw new IllegalArgumentException("device " + ifaces.get(i).device + " given twice");
                }
            }
        }
        for (Map.Entry<String, String> s : sysctls.entrySet()) {
            try {
                Long.parseLong(s.getValue());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("sysctl " + s.getKey() + ": not a number: " + s.getValue());
            }
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i + 1 >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i + 1];
    }

    private static Route route(String r) {
        try {
            return Route.parse(r);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--route " + r + ": " + e.getMessage());
        }
    }

    private static int threads(String s) {
        try {
            int n = Integer.parseInt(s);
            if (n >= 1 && n <= 64) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("--threads " + s + ": a number from 1 to 64");
    }

    private static String metrics(String s) {
        if (!LISTEN.matcher(s).matches()) {
            throw new IllegalArgumentException("--metrics " + s + ": ADDRESS:PORT, PORT, [IPV6]:PORT or off");
        }
        return s;
    }

    private static String instance(String s) {
        if (!ControlProtocol.validInstance(s)) {
            throw new IllegalArgumentException("--instance " + s + ": letters, digits, _ . - (64 at most)");
        }
        return s;
    }
}
