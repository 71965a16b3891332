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
    private final PeerSegments peerSegments;

    private RouterConfig(List<RouterInterface> interfaces, List<Route> routes, List<RouterSocket> sockets,
        PeerSegments peerSegments) {
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
        this.peerSegments = peerSegments;
    }

    /** A router with these interfaces and only their connected routes. */
    public static RouterConfig of(List<RouterInterface> interfaces) {
        return new RouterConfig(interfaces, List.of(), List.of(), null);
    }

    /** The same with these configured routes. */
    public RouterConfig withRoutes(List<Route> r) {
        return new RouterConfig(interfaces, r, sockets, peerSegments);
    }

    /** The same with these sockets of the router's own. */
    public RouterConfig withSockets(List<RouterSocket> s) {
        return new RouterConfig(interfaces, routes, s, peerSegments);
    }

    public List<RouterInterface> interfaces() {
        return interfaces;
    }

    /**
     * The same where the local TCP stack takes the values Linux draws at random (initial sequence numbers,
     * timestamp offsets) from what the peers send next ({@link PeerSegments}: a replay's capture) instead of
     * drawing them; its other draws (IP ids) become reproducible.
     */
    public RouterConfig withPeerSegments(PeerSegments p) {
        return new RouterConfig(interfaces, routes, sockets, p);
    }

    /** The look at the peers' next segments, or null (live: the local stack draws its own values). */
    public PeerSegments peerSegments() {
        return peerSegments;
    }

    public List<Route> routes() {
        return routes;
    }

    public List<RouterSocket> sockets() {
        return sockets;
    }
}
