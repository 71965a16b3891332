package org.conntrack4j.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackFactory;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.test.common.annotation.InjectService;

/** The shipped runtime starts: every bundle resolves and is active, the core services are there. */
class FrameworkTest {
    @InjectService
    Conntrack conntrack;

    @InjectService
    ConntrackFactory factory;

    @Test
    void everyBundleIsActive() {
        BundleContext ctx = FrameworkUtil.getBundle(FrameworkTest.class).getBundleContext();
        List<String> notActive = Arrays.stream(ctx.getBundles())
            .filter(b -> b.getState() != Bundle.ACTIVE && b.getHeaders().get("Fragment-Host") == null)
            .map(b -> b.getSymbolicName() + " state " + b.getState()).collect(Collectors.toList());
        assertTrue(notActive.isEmpty(), "not active: " + notActive);
    }

    @Test
    void theLiveEngineAndTheFactoryAreServices() {
        assertEquals("default", conntrack.name());
        assertNotNull(factory.trackers());
        assertTrue(factory.trackers().stream().anyMatch(t -> t.name().equals("udp") && t.active()));
        assertTrue(factory.trackers().stream().anyMatch(t -> t.name().equals("tcp") && t.active()));
    }
}
