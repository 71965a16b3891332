package org.conntrack4j.helper.tftp.itest;

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
import org.conntrack4j.itest.HelperBundleRig.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.FrameworkUtil;
import org.osgi.test.common.annotation.InjectService;

/**
 * helper.tftp in a running framework: {@code ct:trackers} lists it with its bundle; stopping the bundle during
 * transfers destroys its expectations and unhelps its connections, which keep running, and leaves every other
 * connection alone; starting it again helps new requests.
 */
class TftpBundleTest {
    private static final String C = HelperBundleRig.CLIENT;
    private static final String S = HelperBundleRig.SERVER;

    @InjectService
    Conntrack conntrack;

    @InjectService
    CommandProcessor shell;

    private HelperBundleRig rig;

    @BeforeEach
    void setUp() {
        rig = new HelperBundleRig(conntrack, shell, FrameworkUtil.getBundle(TftpBundleTest.class).getBundleContext(),
            "org.conntrack4j.helper.tftp", "tftp", IpProto.UDP, 69);
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
    }

    private static byte[] request(int opcode, String file) {
        return HelperBundleRig.ascii("\0" + (char) opcode + file + "\0octet\0");
    }

    @Test
    void ctTrackersListsTheHelperWithItsBundle() throws Exception {
        assertTrue(rig.listed(IpProto.UDP, "ipv4,ipv6"), rig.run("ct:trackers"));
    }

    @Test
    void stoppingTheBundleUnderTrafficUnhelpsItsConnectionsAndLeavesOthers() throws Exception {
        Result read = rig.udp(C, 41069, S, 69, request(1, "a.bin"));
        Result write = rig.udp(C, 41070, S, 69, request(2, "b.bin"));
        Result answered = rig.udp(C, 41071, S, 69, request(1, "c.bin"));
        Result data = rig.udp(S, 50001, C, 41071, HelperBundleRig.ascii("\0\3\0\1x"));
        assertEquals("related", data.state());
        Result other = rig.udp(C, 5353, S, 53, HelperBundleRig.ascii("q"));
        assertEquals(2, rig.expectations().size());

        rig.bundle().stop();
        assertNull(rig.helper(IpProto.UDP));
        assertEquals(0, rig.expectations().size(), "its expectations are destroyed");
        for (Result r : new Result[] {read, write, answered}) {
            assertTrue(rig.live(r.ct()), "the master keeps running");
            assertNull(r.ct().helper(), "unhelped");
        }
        assertTrue(rig.live(data.ct()) && rig.live(other.ct()), "other connections stay");
        assertSame(answered.ct(), data.ct().master());
        assertFalse(rig.listed(IpProto.UDP, "ipv4,ipv6"));
        // no longer read: a request expects nothing, and an answer from a new port is a new connection
        rig.udp(C, 41069, S, 69, request(1, "a.bin"));
        assertEquals(0, rig.expectations().size());
        assertEquals("new", rig.udp(S, 50002, C, 41069, HelperBundleRig.ascii("\0\3\0\1x")).state());

        rig.bundle().start();
        assertNotNull(rig.helper(IpProto.UDP));
        Result fresh = rig.udp(C, 41072, S, 69, request(1, "d.bin"));
        assertSame(rig.helper(IpProto.UDP), fresh.ct().helper());
        assertEquals("related", rig.udp(S, 50003, C, 41072, HelperBundleRig.ascii("\0\3\0\1x")).state());
        assertNull(read.ct().helper(), "a connection unhelped stays so");
    }
}
