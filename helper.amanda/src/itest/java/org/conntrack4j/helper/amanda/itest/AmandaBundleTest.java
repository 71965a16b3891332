package org.conntrack4j.helper.amanda.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * helper.amanda in a running framework: {@code ct:trackers} lists it with its bundle, and its module parameter
 * {@code master_timeout} is a setting while it runs; stopping the bundle under traffic destroys the announced
 * connections' expectations and unhelps the control connections, leaving every other connection alone; starting it
 * again helps new ones.
 */
class AmandaBundleTest {
    // the backup server asks the client; the client's port is the helped one
    private static final String SERVER = HelperBundleRig.CLIENT;
    private static final String CLIENT = HelperBundleRig.SERVER;
    private static final String MASTER_TIMEOUT = "nf_conntrack_amanda.master_timeout";

    @InjectService
    Conntrack conntrack;

    @InjectService
    CommandProcessor shell;

    private HelperBundleRig rig;

    @BeforeEach
    void setUp() {
        rig = new HelperBundleRig(conntrack, shell, FrameworkUtil.getBundle(AmandaBundleTest.class)
            .getBundleContext(), "org.conntrack4j.helper.amanda", "amanda", IpProto.UDP, 10080);
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
    }

    /** A request of the server from {@code sport} and the client's answer announcing {@code data} and more. */
    private HelperBundleRig.Result askAndAnswer(int sport, int data) {
        HelperBundleRig.Result req = rig.udp(SERVER, sport, CLIENT, 10080, HelperBundleRig.ascii("Amanda 2.6 REQ\n"));
        rig.udp(CLIENT, 10080, SERVER, sport, HelperBundleRig.ascii("Amanda 2.6 REP HANDLE 000-1 SEQ 1\nCONNECT DATA "
            + data + " MESG " + (data + 1) + " INDEX " + (data + 2) + "\n"));
        return req;
    }

    @Test
    void ctTrackersListsTheHelperWithItsBundleAndItsSettingWhileItRuns() throws Exception {
        assertTrue(rig.listed(IpProto.UDP, "ipv4,ipv6"), rig.run("ct:trackers"));
        assertEquals(300L, conntrack.settings().active().get(MASTER_TIMEOUT));
        rig.bundle().stop();
        assertFalse(conntrack.settings().active().containsKey(MASTER_TIMEOUT));
    }

    @Test
    void stoppingTheBundleUnderTrafficUnhelpsItsConnectionsAndLeavesOthers() throws Exception {
        HelperBundleRig.Result one = askAndAnswer(850, 50010);
        HelperBundleRig.Result two = askAndAnswer(851, 50020);
        HelperBundleRig.Result other = rig.udp(SERVER, 5353, CLIENT, 53, HelperBundleRig.ascii("q"));
        HelperBundleRig.Result data = rig.forward(ItPackets.ipv4(IpProto.TCP, SERVER, 34000, CLIENT, 50011, 0x02));
        assertEquals("related", data.state());
        assertEquals(5, rig.expectations().size());

        rig.bundle().stop();
        assertNull(rig.helper(IpProto.UDP));
        assertEquals(0, rig.expectations().size(), "its expectations are destroyed");
        for (HelperBundleRig.Result r : new HelperBundleRig.Result[] {one, two}) {
            assertTrue(rig.live(r.ct()), "the control connection keeps running");
            assertNull(r.ct().helper(), "unhelped");
        }
        assertTrue(rig.live(other.ct()) && rig.live(data.ct()), "other connections stay");
        assertSame(one.ct(), data.ct().master());
        assertEquals("new", rig.forward(ItPackets.ipv4(IpProto.TCP, SERVER, 34001, CLIENT, 50020, 0x02)).state());

        rig.bundle().start();
        HelperBundleRig.Result fresh = askAndAnswer(852, 50030);
        assertSame(rig.helper(IpProto.UDP), fresh.ct().helper());
        assertEquals(3, rig.expectations().size());
        assertEquals("related", rig.forward(ItPackets.ipv4(IpProto.TCP, SERVER, 34002, CLIENT, 50032, 0x02)).state());
    }
}
