package org.conntrack4j.router;

import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.router.impl.RouterImpl;

/** Makes routers. A router is a library over an engine: it needs no service of its own. */
public final class Routers {
    private Routers() {
    }

    /**
     * A router on {@code net} with the interfaces and routes of {@code config}.
     *
     * @throws IllegalArgumentException when the configuration cannot work (a route whose gateway is on no
     *     interface's prefix)
     */
    public static Router create(Conntrack net, RouterConfig config) {
        return new RouterImpl(net, config);
    }
}
