package org.conntrack4j.router;

import java.util.List;

/**
 * What a router is made of: its interfaces (their order gives the port numbers), configured routes and the sockets
 * of its own ({@link RouterSocket}). Immutable.
 */
public final class RouterConfig {
    private final List<RouterInterface> interfaces;
    private final List<Route> routes;
    private final List<RouterSocket> sockets;

    private RouterConfig(List<RouterInterface> interfaces, List<Route> routes, List<RouterSocket> sockets) {
        if (interfaces.isEmpty()) {
            throw new IllegalArgumentException("a router needs at least one interface");
        }
        for (int i = 0; i < interfaces.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (interfaces.get(i).name().equals(interfaces.get(j).name())) {
                    throw new IllegalArgumentException("interface " + interfaces.get(i).name() + " given twice");
                }
            }
        }
        this.interfaces = List.copyOf(interfaces);
        this.routes = List.copyOf(routes);
        this.sockets = List.copyOf(sockets);
    }

    /** A router with these interfaces and only their connected routes. */
    public static RouterConfig of(List<RouterInterface> interfaces) {
        return new RouterConfig(interfaces, List.of(), List.of());
    }

    /** The same with these configured routes. */
    public RouterConfig withRoutes(List<Route> r) {
        return new RouterConfig(interfaces, r, sockets);
    }

    /** The same with these sockets of the router's own. */
    public RouterConfig withSockets(List<RouterSocket> s) {
        return new RouterConfig(interfaces, routes, s);
    }

    public List<RouterInterface> interfaces() {
        return interfaces;
    }

    public List<Route> routes() {
        return routes;
    }

    public List<RouterSocket> sockets() {
        return sockets;
    }
}
