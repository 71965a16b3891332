package org.conntrack4j.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.dataplane.api.LiveRouterStats;
import org.conntrack4j.sync.api.SyncControl;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Serves the metrics of a running instance: the Prometheus text exposition at {@code http://LISTEN/metrics} (the
 * JDK's HTTP server, one thread of its own) and the platform MBean {@value MetricsMBean#NAME}, both reading
 * {@link Figures} afresh on every request.
 *
 * <p>A running instance is one that stays up: the interactive shell, {@code conntrack4j server} and
 * {@code conntrack4j router}, which is to say a framework started with no command, or with {@code router} or
 * {@code shell:serve} (what the launcher runs for {@code server}; {@code gosh} too, a console-less Gogo session).
 * A one-shot command ({@code replay}, {@code bench}, ...) serves nothing: it would hold the port for a few seconds
 * and race a router for it. {@code conntrack4j router} serves once its router is ready (a router that cannot start
 * opens nothing and says nothing about a port).
 *
 * <p>Configuration (PID {@value #PID}, optional): {@value #LISTEN} {@code = ADDRESS:PORT | PORT | :PORT | off}
 * ({@value #DEFAULT_LISTEN} by default; {@code :PORT} every address, an IPv6 address in brackets, port 0 any free
 * port), {@value #JMX} {@code = true | false}. Without {@value #LISTEN} in the configuration, the framework (or
 * system) property {@value #PROPERTY} gives it (the command line: {@code JAVA_OPTS=-Dconntrack4j.metrics=9100}; the
 * in-framework tests' run descriptor sets {@code off}). A port that cannot be had is a warning in the log, and the
 * instance runs on without the endpoint.
 *
 * <p>Deactivation (a new configuration, a reference gone, the bundle stopping) closes the port and unregisters the
 * MBean before it returns: no thread or registration of this bundle outlives it.
 */
@Component(configurationPid = MetricsComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
    immediate = true, service = {})
public final class MetricsComponent {
    static final String PID = "org.conntrack4j.metrics";
    static final String LISTEN = "listen";
    static final String JMX = "jmx";
    static final String PROPERTY = "conntrack4j.metrics";
    static final String DEFAULT_LISTEN = "127.0.0.1:9876";

    @Reference(target = "(conntrack.name=default)")
    Conntrack net;

    @Reference
    ConntrackFactory factory;

    /** The bnd launcher's service, registered once every bundle has started: the command line. */
    @Reference(service = Object.class, target = "(launcher.ready=true)")
    Map<String, Object> launcher;

    private final List<LiveRouterStats> routers = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SyncControl sync;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile LoggerFactory logs;

    /** The configuration in force while active, else null. */
    private Map<String, Object> config;
    /** Where running routers want the endpoint ({@link LiveRouterStats#METRICS}), the last one's winning. */
    private final Map<LiveRouterStats, String> routerListen = new LinkedHashMap<>();
    private HttpServer server;
    private ExecutorService executor;
    private ObjectName mbean;

    /** Framework properties (system properties outside a framework). */
    UnaryOperator<String> properties = System::getProperty;

    @Activate
    void activate(BundleContext context, Map<String, Object> props) {
        properties = context::getProperty;
        apply(props);
    }

    @Modified
    void modified(Map<String, Object> props) {
        apply(props);
    }

    /** Starts over with this configuration. */
    synchronized void apply(Map<String, Object> props) {
        stop();
        config = props;
        start();
    }

    @Deactivate
    synchronized void deactivate() {
        stop();
        config = null;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        unbind = "removeRouter")
    synchronized void addRouter(LiveRouterStats r, Map<String, Object> props) {
        routers.add(r);
        Object listen = props.get(LiveRouterStats.METRICS);
        if (listen != null) {
            routerListen.put(r, listen.toString());
        }
        if (config != null && (listen != null || server == null)) {
            apply(config); // a router that says where, or the one a router instance waited for
        }
    }

    synchronized void removeRouter(LiveRouterStats r) {
        routers.remove(r);
        if (routerListen.remove(r) != null && config != null) {
            apply(config);
        }
    }

    List<Family> figures() {
        return Figures.collect(net, factory.trackers(), List.copyOf(routers), sync);
    }

    /** What the framework's command line makes of it (see the class comment). */
    enum Instance { ONE_SHOT, RUNNING, ROUTER }

    static Instance instance(Object arguments) {
        String[] a = arguments instanceof String[] ? (String[]) arguments : new String[0];
        if (a.length == 0 || a[0].equals("shell:serve") || a[0].equals("serve") || a[0].equals("gosh")) {
            return Instance.RUNNING;
        }
        return a[0].equals("router") ? Instance.ROUTER : Instance.ONE_SHOT;
    }

    /**
     * The address of {@code ADDRESS:PORT | PORT | :PORT | off}; null for {@code off}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static InetSocketAddress listen(String value) {
        String v = value.trim();
        if (v.equalsIgnoreCase("off")) {
            return null;
        }
        int colon = v.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : v.substring(0, colon);
        String port = v.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("listen=" + value + ": an IPv6 address goes in brackets, [::1]:9876");
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("listen=" + value + ": the port is not a number 0-65535");
        }
        if (host.isEmpty()) {
            return new InetSocketAddress(p);
        }
        if (!host.matches("[0-9A-Fa-f.:%a-zA-Z-]+")) {
            throw new IllegalArgumentException("listen=" + value + ": not an address: " + host);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), p);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("listen=" + value + ": unknown host " + host);
        }
    }

    /** Starts what the configuration asks for (the caller holds this object's monitor). */
    private void start() {
        Map<String, Object> props = config;
        Instance kind = instance(launcher.get("launcher.arguments"));
        if (kind == Instance.ONE_SHOT) {
            return;
        }
        if (kind == Instance.ROUTER && routers.isEmpty()) {
            return; // until the router is ready (addRouter)
        }
        if (!"false".equals(String.valueOf(props.getOrDefault(JMX, "true")).trim())) {
            registerMBean();
        }
        String value = listenValue(props);
        InetSocketAddress address;
        try {
            address = listen(value);
        } catch (IllegalArgumentException e) {
            warn("metrics: " + e.getMessage() + "; no /metrics");
            return;
        }
        if (address == null) {
            return;
        }
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            warn("metrics: cannot listen on " + value + ": " + e.getMessage() + "; no /metrics");
            return;
        }
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "conntrack4j-metrics");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", this::handle);
        server.start();
        Logger l = logger();
        if (l != null) {
            l.info("metrics at http://{}:{}/metrics", address.getHostString(), server.getAddress().getPort());
        }
    }

    /** A router's {@code --metrics}, else the configuration's, else the property, else the default. */
    private String listenValue(Map<String, Object> props) {
        String fromRouter = null;
        for (String v : routerListen.values()) {
            fromRouter = v;
        }
        if (fromRouter != null) {
            return fromRouter;
        }
        Object configured = props.get(LISTEN);
        String property = properties.apply(PROPERTY);
        return configured != null ? configured.toString()
            : property != null && !property.isBlank() ? property : DEFAULT_LISTEN;
    }

    /** The port it listens on, or -1 (for tests). */
    synchronized int port() {
        return server == null ? -1 : server.getAddress().getPort();
    }

    private void registerMBean() {
        MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
        try {
            ObjectName name = new ObjectName(MetricsMBean.NAME);
            mbs.registerMBean(new MetricsMBean(this::figures), name);
            mbean = name;
        } catch (JMException e) {
            warn("metrics: the MBean " + MetricsMBean.NAME + " cannot be registered: " + e.getMessage());
        }
    }

    private void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
        if (mbean != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(mbean);
            } catch (JMException e) {
                // gone already: nothing of ours left
            }
            mbean = null;
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            if (!ex.getRequestURI().getPath().equals("/metrics")) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body;
            try {
                body = Exposition.text(figures()).getBytes(StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                warn("metrics: collecting failed: " + e);
                ex.sendResponseHeaders(500, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Type", Exposition.CONTENT_TYPE);
            if (method.equals("HEAD")) {
                ex.sendResponseHeaders(200, -1);
                return;
            }
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private Logger logger() {
        LoggerFactory f = logs;
        return f == null ? null : f.getLogger(MetricsComponent.class.getName(), Logger.class);
    }

    private void warn(String message) {
        Logger l = logger();
        if (l != null) {
            l.warn("{}", message);
        }
    }
}
