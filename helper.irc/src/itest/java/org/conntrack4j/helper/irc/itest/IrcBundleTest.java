package org.conntrack4j.helper.irc.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.function.BooleanSupplier;
import org.apache.felix.service.command.CommandProcessor;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.itest.HelperBundleRig;
import org.conntrack4j.itest.ItPackets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectService;

/**
 * helper.irc in a running framework: {@code ct:trackers} lists it with its bundle (IPv4 only, as Linux); its
 * module parameters come from Configuration Admin; stopping the bundle under traffic destroys the offers'
 * expectations and unhelps the IRC connections, leaving every other connection alone; starting it again helps new
 * ones.
 */
class IrcBundleTest {
    private static final String C = HelperBundleRig.CLIENT;
    private static final String OWN = "3325256714";
    private static final long WAIT_MILLIS = 10_000;

    @InjectService
    Conntrack conntrack;

    @InjectService
    CommandProcessor shell;

    @InjectService
    ConfigurationAdmin configAdmin;

    private HelperBundleRig rig;

    @BeforeEach
    void setUp() {
        rig = new HelperBundleRig(conntrack, shell, FrameworkUtil.getBundle(IrcBundleTest.class).getBundleContext(),
            "org.conntrack4j.helper.irc", "irc", IpProto.TCP, 6667);
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
    }

    private static byte[] offer(int port) {
        return HelperBundleRig.ascii("PRIVMSG bob :\1DCC SEND f " + OWN + " " + port + " 10\1\r\n");
    }

    @Test
    void ctTrackersListsTheHelperWithItsBundle() throws Exception {
        assertTrue(rig.listed(IpProto.TCP, "ipv4"), rig.run("ct:trackers"));
    }

    @Test
    void maxDccChannelsComesFromConfigurationAdmin() throws Exception {
        Configuration cfg = configAdmin.getConfiguration("org.conntrack4j.helper.irc", "?");
        try {
            Dictionary<String, Object> d = new Hashtable<>();
            d.put("max_dcc_channels", "2");
            cfg.update(d);
            assertTrue(waitFor(() -> rig.helper(IpProto.TCP) != null
                && rig.helper(IpProto.TCP).expectPolicies().get(0).maxExpected() == 2), "reconfigured");
            HelperBundleRig.Tcp irc = rig.new Tcp(40010, 6667);
            irc.server(HelperBundleRig.ascii(":srv 001 alice\r\n"));
            for (int port = 5100; port < 5105; port++) {
                irc.client(offer(port));
            }
            assertEquals(2, rig.expectations().size());
        } finally {
            cfg.delete();
        }
        assertTrue(waitFor(() -> rig.helper(IpProto.TCP) != null
            && rig.helper(IpProto.TCP).expectPolicies().get(0).maxExpected() == 8), "the default again");
    }

    @Test
    void stoppingTheBundleUnderTrafficUnhelpsItsConnectionsAndLeavesOthers() throws Exception {
        HelperBundleRig.Tcp irc = rig.new Tcp(40000, 6667);
        irc.server(HelperBundleRig.ascii(":srv 001 alice\r\n"));
        irc.client(offer(5000));
        irc.client(offer(5001));
        HelperBundleRig.Result dcc = rig.forward(ItPackets.ipv4(IpProto.TCP, "203.0.113.30", 41000, C, 5000, 0x02));
        assertEquals("related", dcc.state());
        HelperBundleRig.Tcp other = rig.new Tcp(40001, 22);
        assertEquals(1, rig.expectations().size());

        rig.bundle().stop();
        assertNull(rig.helper(IpProto.TCP));
        assertEquals(0, rig.expectations().size(), "its expectations are destroyed");
        assertTrue(rig.live(irc.ct), "the IRC connection keeps running");
        assertNull(irc.ct.helper(), "unhelped");
        assertTrue(rig.live(dcc.ct()) && rig.live(other.ct), "other connections stay");
        assertFalse(rig.listed(IpProto.TCP, "ipv4"));
        irc.client(offer(5002));
        assertEquals(0, rig.expectations().size(), "no longer read");

        rig.bundle().start();
        HelperBundleRig.Tcp fresh = rig.new Tcp(40002, 6667);
        assertSame(rig.helper(IpProto.TCP), fresh.ct.helper());
        fresh.server(HelperBundleRig.ascii(":srv 001 alice\r\n"));
        fresh.client(offer(5003));
        assertEquals(1, rig.expectations().size());
        assertEquals("related",
            rig.forward(ItPackets.ipv4(IpProto.TCP, "203.0.113.30", 41001, C, 5003, 0x02)).state());
    }

    private static boolean waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }
}
