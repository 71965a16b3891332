package org.conntrack4j.helper.sane.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.felix.service.command.CommandProcessor;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.itest.HelperBundleRig;
import org.conntrack4j.itest.ItPackets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.FrameworkUtil;
import org.osgi.test.common.annotation.InjectService;

/**
 * helper.sane in a running framework: {@code ct:trackers} lists it with its bundle; stopping the bundle while a
 * scan waits destroys the expected data connection and unhelps the control connection (its per-connection data
 * goes with it), leaving every other connection alone; starting it again helps new control connections.
 */
class SaneBundleTest {
    private static final String C = HelperBundleRig.CLIENT;
    private static final String S = HelperBundleRig.SERVER;
    private static final byte[] START = {0, 0, 0, 7, 0, 0, 0, 1};

    @InjectService
    Conntrack conntrack;

    @InjectService
    CommandProcessor shell;

    private HelperBundleRig rig;

    @BeforeEach
    void setUp() {
        rig = new HelperBundleRig(conntrack, shell, FrameworkUtil.getBundle(SaneBundleTest.class).getBundleContext(),
            "org.conntrack4j.helper.sane", "sane", IpProto.TCP, 6566);
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
    }

    /** saned's successful reply to a start: status 0, port, a resource name. */
    private static byte[] reply(int port) {
        return new byte[] {0, 0, 0, 0, 0, 0, (byte) (port >>> 8), (byte) port, 0, 0, 0, 1, 0};
    }

    @Test
    void ctTrackersListsTheHelperWithItsBundle() throws Exception {
        assertTrue(rig.listed(IpProto.TCP, "ipv4,ipv6"), rig.run("ct:trackers"));
    }

    @Test
    void stoppingTheBundleUnderTrafficUnhelpsItsConnectionsAndLeavesOthers() throws Exception {
        HelperBundleRig.Tcp control = rig.new Tcp(44566, 6566);
        control.client(START);
        assertEquals("established", control.server(reply(6600)).state());
        HelperBundleRig.Tcp waiting = rig.new Tcp(44567, 6566);
        waiting.client(START);
        HelperBundleRig.Tcp other = rig.new Tcp(44568, 22);
        assertEquals(1, rig.expectations().size());
        assertNotNull(control.ct.helperData());

        rig.bundle().stop();
        assertNull(rig.helper(IpProto.TCP));
        assertEquals(0, rig.expectations().size(), "its expectation is destroyed");
        for (HelperBundleRig.Tcp t : new HelperBundleRig.Tcp[] {control, waiting}) {
            assertTrue(rig.live(t.ct), "the control connection keeps running");
            assertNull(t.ct.helper(), "unhelped");
        }
        assertTrue(rig.live(other.ct));
        assertFalse(rig.listed(IpProto.TCP, "ipv4,ipv6"));
        // the reply the second control connection waited for is no longer read
        assertEquals("established", waiting.server(reply(6601)).state());
        assertEquals(0, rig.expectations().size());
        assertEquals("new", rig.forward(ItPackets.ipv4(IpProto.TCP, C, 44121, S, 6600, 0x02)).state());

        rig.bundle().start();
        HelperBundleRig.Tcp fresh = rig.new Tcp(44569, 6566);
        assertSame(rig.helper(IpProto.TCP), fresh.ct.helper());
        fresh.client(START);
        fresh.server(reply(6602));
        assertEquals(1, rig.expectations().size());
        assertEquals("related", rig.forward(ItPackets.ipv4(IpProto.TCP, C, 44122, S, 6602, 0x02)).state());
    }
}
